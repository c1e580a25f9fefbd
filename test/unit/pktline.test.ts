import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors/TslfsError.js';
import { encodePkt, encodeTextList, encodeTextPkt, FLUSH_PKT, PKT_MAX, PKT_MAX_PAYLOAD, PktReader, pktText, type Packet } from '../../src/model/pktline.js';
import { PktWriter } from '../../src/filter/PktWriter.js';

function readerOf(...chunks: Array<string | Buffer>): PktReader {
  return new PktReader(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c))));
}

async function readAll(r: PktReader): Promise<Packet[]> {
  const out: Packet[] = [];
  for (;;) {
    const p = await r.read();
    if (p === null) return out;
    out.push(p);
  }
}

describe('pkt-line encoding', () => {
  it('encodes data, text and lists', () => {
    expect(encodePkt('a').toString()).toBe('0005a');
    expect(encodeTextPkt('version=2').toString()).toBe('000eversion=2\n');
    expect(encodeTextList(['a', 'b']).toString()).toBe('0006a\n0006b\n0000');
    expect(encodePkt(Buffer.alloc(0)).toString()).toBe('0004');
  });
  it('accepts the largest payload and refuses a larger one', () => {
    expect(encodePkt(Buffer.alloc(PKT_MAX_PAYLOAD)).subarray(0, 4).toString()).toBe('fff0');
    expect(() => encodePkt(Buffer.alloc(PKT_MAX_PAYLOAD + 1))).toThrow(RangeError);
  });
});

describe('PktReader', () => {
  it('round-trips packets split at every byte boundary', async () => {
    const wire = Buffer.concat([encodeTextPkt('command=smudge'), encodePkt(Buffer.from([0, 1, 2])), FLUSH_PKT, Buffer.from('0001'), encodePkt(Buffer.alloc(0))]);
    for (let cut = 1; cut < wire.length; cut++) {
      const got = await readAll(readerOf(wire.subarray(0, cut), wire.subarray(cut)));
      expect(got.map((p) => p.kind)).toEqual(['data', 'data', 'flush', 'delim', 'data']);
      expect(pktText(got[0]!)).toBe('command=smudge');
      expect([...(got[1] as { data: Buffer }).data]).toEqual([0, 1, 2]);
      expect((got[4] as { data: Buffer }).data.length).toBe(0);
    }
  });

  it('reads a maximum-size packet delivered one byte at a time', async () => {
    const wire = encodePkt(Buffer.alloc(PKT_MAX_PAYLOAD, 7));
    const src = new PassThrough();
    const r = new PktReader(src);
    const done = r.read();
    for (let i = 0; i < wire.length; i += 4096) src.write(wire.subarray(i, i + 4096));
    src.end();
    const p = (await done) as { kind: 'data'; data: Buffer };
    expect(p.data.length).toBe(PKT_MAX_PAYLOAD);
    expect(await r.read()).toBeNull();
  });

  it('readTextList returns lines up to the flush and null at a clean EOF', async () => {
    const r = readerOf(encodeTextList(['git-filter-client', 'version=2']));
    expect(await r.readTextList()).toEqual(['git-filter-client', 'version=2']);
    expect(await r.readTextList()).toBeNull();
  });

  const malformed: Array<[string, Array<string | Buffer>]> = [
    ['non-hex length zzzz', ['zzzz']],
    ['length 0003', ['0003']],
    ['length fff5 > 65520', ['fff5' + 'x'.repeat(100)]],
    ['length ffff', ['ffff']],
    ['truncated header', ['00']],
    ['truncated payload then EOF', ['0010abc']],
  ];
  it.each(malformed)('%s -> ProtocolError, no hang', async (_n, chunks) => {
    await expect(readAll(readerOf(...chunks))).rejects.toBeInstanceOf(ProtocolError);
  });

  it('a list without its flush is an error at EOF', async () => {
    await expect(readerOf(encodeTextPkt('command=clean')).readTextList()).rejects.toBeInstanceOf(ProtocolError);
  });

  it('a list with too many lines is an error', async () => {
    const wire = Buffer.concat(Array.from({ length: 20 }, () => encodeTextPkt('a=b')));
    await expect(readerOf(wire, FLUSH_PKT).readTextList(10)).rejects.toBeInstanceOf(ProtocolError);
  });

  it('PKT_MAX is 65520', () => expect(PKT_MAX).toBe(65520));
});

describe('PktWriter', () => {
  it('splits content into packets of at most 65516 bytes and sends once', async () => {
    const out = new PassThrough();
    const writes: Buffer[] = [];
    out.on('data', (c: Buffer) => writes.push(c));
    const w = new PktWriter(out);
    w.list(['status=success']);
    await w.data(Buffer.alloc(PKT_MAX_PAYLOAD * 2 + 10, 1));
    w.flush();
    w.flush();
    await w.send();
    await new Promise((r) => setImmediate(r));
    expect(writes.length).toBe(1);
    const r = readerOf(Buffer.concat(writes));
    expect(await r.readTextList()).toEqual(['status=success']);
    const sizes: number[] = [];
    for (;;) {
      const p = await r.read();
      if (!p || p.kind !== 'data') break;
      sizes.push(p.data.length);
    }
    expect(sizes).toEqual([PKT_MAX_PAYLOAD, PKT_MAX_PAYLOAD, 10]);
    expect(await r.readTextList()).toEqual([]);
  });
});

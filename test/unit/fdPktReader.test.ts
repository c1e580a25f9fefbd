import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FdPktReader } from '../../src/filter/FdPktReader.js';
import { encodePkt, encodeTextList, FLUSH_PKT } from '../../src/model/pktline.js';

const dir = mkdtempSync(join(tmpdir(), 'tslfs-fdpkt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readerOver(data: Buffer, preferAsync = false): { r: FdPktReader; close: () => void } {
  const p = join(dir, `in-${Math.random().toString(36).slice(2)}`);
  writeFileSync(p, data);
  const fd = openSync(p, 'r');
  return { r: new FdPktReader(fd, () => preferAsync), close: () => closeSync(fd) };
}

describe('FdPktReader', () => {
  for (const preferAsync of [false, true]) {
    it(`reads lists, large data packets across its buffer and a clean EOF (${preferAsync ? 'thread pool' : 'blocking'} reads)`, async () => {
      const big = Buffer.alloc(65516, 7);
      const packets = [encodeTextList(['command=smudge', 'pathname=a b.bin']), ...Array.from({ length: 9 }, () => encodePkt(big)), FLUSH_PKT];
      const { r, close } = readerOver(Buffer.concat(packets), preferAsync);
      try {
        expect(await r.readTextList()).toEqual(['command=smudge', 'pathname=a b.bin']);
        for (let i = 0; i < 9; i++) {
          const p = await r.read();
          expect(p?.kind).toBe('data');
          expect(p?.kind === 'data' && p.data.equals(big)).toBe(true);
        }
        expect(await r.read()).toEqual({ kind: 'flush' });
        expect(await r.read()).toBeNull();
      } finally {
        close();
      }
    });
  }

  it.each([
    ['zzzz', /bad pkt-line length/],
    ['0003', /invalid pkt-line length/],
    ['fff5', /too long/],
    ['000a abc', /truncated pkt-line payload/],
    ['00', /truncated pkt-line header/],
  ])('refuses %j', async (input, err) => {
    const { r, close } = readerOver(Buffer.from(input, 'latin1'));
    try {
      await expect(r.read()).rejects.toThrow(err);
    } finally {
      close();
    }
  });
});

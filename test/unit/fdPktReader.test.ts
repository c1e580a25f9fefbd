import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
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

  it('spinning on a pipe: pieces written with pauses arrive intact, polling serves reads, EOF ends it', async () => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    for (const spinMicros of [200_000, 5]) {
      // The writer opens the FIFO, writes a request in three pieces with pauses, and exits.
      const child = spawn('sh', ['-c', `exec 3>${fifo}; printf '0012command=smudge' >&3; sleep 0.05; printf '0000000aabcdef' >&3; sleep 0.05; printf '0000' >&3`]);
      const fd = openSync(fifo, 'r'); // blocks until the writer has opened it
      try {
        const r = new FdPktReader(fd, () => false, spinMicros);
        expect(await r.readTextList()).toEqual(['command=smudge']);
        const p = await r.read();
        expect(p?.kind === 'data' && p.data.toString()).toBe('abcdef');
        expect(await r.read()).toEqual({ kind: 'flush' });
        expect(await r.read()).toBeNull();
        // A 200 ms budget outlasts the pauses: polling served the reads; 5 µs cannot.
        if (spinMicros > 1000) expect(r.polled).toBeGreaterThan(0);
        else expect(r.polled).toBeLessThanOrEqual(1);
      } finally {
        closeSync(fd);
        await new Promise((res) => (child.exitCode !== null ? res(null) : child.on('exit', res)));
      }
    }
  });

  it('never reopens a regular file for polling: reading goes on at the descriptor\'s offset', async () => {
    const p = join(dir, 'offset');
    writeFileSync(p, Buffer.concat([Buffer.from('SKIP'), encodeTextList(['command=clean']), FLUSH_PKT]));
    const fd = openSync(p, 'r');
    try {
      readSync(fd, Buffer.alloc(4), 0, 4, null);
      const r = new FdPktReader(fd, () => false, 200_000);
      expect(await r.readTextList()).toEqual(['command=clean']);
      expect(r.polled).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});

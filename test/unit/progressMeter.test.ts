import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressMeter } from '../../src/ui/ProgressMeter.js';

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ProgressMeter', () => {
  it('redraws in place at most every interval and ends with a done line', () => {
    const out: string[] = [];
    const clock = fakeClock();
    const m = new ProgressMeter({ verb: 'Downloading', live: true, write: (s) => out.push(s), now: clock.now });
    m.listener({ type: 'queued', direction: 'download', oid: 'a', size: 2_000_000, name: 'a.bin' });
    m.listener({ type: 'queued', direction: 'download', oid: 'b', size: 1_000_000, name: 'b.bin' });
    clock.advance(250);
    m.listener({ type: 'progress', direction: 'download', oid: 'a', bytesSoFar: 1_000_000, bytesSinceLast: 1_000_000 });
    m.listener({ type: 'progress', direction: 'download', oid: 'a', bytesSoFar: 1_500_000, bytesSinceLast: 500_000 });
    expect(out).toEqual(['\rDownloading LFS objects:   0% (0/2), 1.0 MB | 0 B/s']);
    clock.advance(1000);
    m.listener({ type: 'done', direction: 'download', oid: 'a', size: 2_000_000, name: 'a.bin', status: 'transferred' });
    expect(out.at(-1)).toBe('\rDownloading LFS objects:  50% (1/2), 2.0 MB | 1.6 MB/s');
    m.listener({ type: 'done', direction: 'download', oid: 'b', size: 1_000_000, name: 'b.bin', status: 'transferred' });
    m.finish();
    expect(out.at(-1)).toBe('\rDownloading LFS objects: 100% (2/2), 3.0 MB | 2.4 MB/s, done.\n');
  });

  it('prints only the final line when not live, and nothing when nothing was queued', () => {
    const out: string[] = [];
    const m = new ProgressMeter({ verb: 'Uploading', live: false, write: (s) => out.push(s), now: () => 5 });
    m.listener({ type: 'queued', direction: 'upload', oid: 'a', size: 1, name: 'a' });
    m.listener({ type: 'done', direction: 'upload', oid: 'a', size: 1, name: 'a', status: 'transferred' });
    m.finish();
    m.finish();
    expect(out).toEqual(['Uploading LFS objects: 100% (1/1), 1 B | 0 B/s, done.\n']);
    const none: string[] = [];
    new ProgressMeter({ verb: 'Uploading', live: false, write: (s) => none.push(s) }).finish();
    expect(none).toEqual([]);
  });

  it('appends GIT_LFS_PROGRESS lines to an absolute path only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslfs-progress-'));
    try {
      const file = join(dir, 'progress.log');
      const m = new ProgressMeter({ verb: 'Downloading', live: false, write: () => {}, progressFile: file });
      m.listener({ type: 'queued', direction: 'download', oid: 'a', size: 4, name: 'dir/a b.bin' });
      m.listener({ type: 'done', direction: 'download', oid: 'a', size: 4, name: 'dir/a b.bin', status: 'transferred' });
      expect(readFileSync(file, 'utf8')).toBe('download 1/1 4/4 dir/a b.bin\n');
      const rel = new ProgressMeter({ verb: 'Downloading', live: false, write: () => {}, progressFile: 'relative.log' });
      rel.listener({ type: 'queued', direction: 'download', oid: 'a', size: 4, name: 'a' });
      rel.listener({ type: 'done', direction: 'download', oid: 'a', size: 4, name: 'a', status: 'transferred' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ProgressMeter: clear, counters, checkout lines', () => {
  it('clear() erases exactly the drawn line once; finalLine() is plain', () => {
    const out: string[] = [];
    const clock = fakeClock();
    const m = new ProgressMeter({ verb: 'Uploading', live: true, write: (s) => out.push(s), now: clock.now });
    m.clear();
    expect(out).toEqual([]);
    m.listener({ type: 'queued', direction: 'upload', oid: 'a', size: 10, name: 'a' });
    clock.advance(300);
    m.listener({ type: 'progress', direction: 'upload', oid: 'a', bytesSoFar: 5, bytesSinceLast: 5 });
    const drawn = out.at(-1)!;
    expect(drawn).toBe('\rUploading LFS objects:   0% (0/1), 5 B | 0 B/s');
    m.clear();
    m.clear();
    expect(out.slice(1)).toEqual([`\r${' '.repeat(drawn.length - 1)}\r`]);
    m.listener({ type: 'done', direction: 'upload', oid: 'a', size: 10, name: 'a', status: 'transferred' });
    expect(m.finalLine()).toBe('Uploading LFS objects: 100% (1/1), 10 B | 0 B/s, done.\n');
  });

  it('counter-only labels (prune) and checkout progress-file lines', () => {
    const out: string[] = [];
    const m = new ProgressMeter({ verb: 'Deleting', label: 'prune: Deleting objects', counterOnly: true, live: false, write: (s) => out.push(s) });
    m.setTotal(2);
    m.fileDone('', 0, 1);
    m.fileDone('', 0, 2);
    m.finish();
    expect(out).toEqual(['prune: Deleting objects: 100% (2/2), done.\n']);

    const dir = mkdtempSync(join(tmpdir(), 'tslfs-progress-'));
    try {
      const file = join(dir, 'p.log');
      const c = new ProgressMeter({ verb: 'Checking out', live: false, write: () => {}, progressFile: file });
      c.setTotal(2);
      c.fileDone('a.bin', 3000, 1);
      c.fileDone('b b.bin', 3, 2);
      expect(readFileSync(file, 'utf8')).toBe('checkout 1/2 3000/3000 a.bin\ncheckout 2/2 3/3003 b b.bin\n');
      expect(c.finalLine()).toBe('Checking out LFS objects: 100% (2/2), 3.0 KB | 0 B/s, done.\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs transfer updates with the index in start order and the object size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tslfs-progress-'));
    try {
      const file = join(dir, 'p.log');
      const m = new ProgressMeter({ verb: 'Downloading', live: false, write: () => {}, progressFile: file });
      m.listener({ type: 'queued', direction: 'download', oid: 'a', size: 10, name: 'a.bin' });
      m.listener({ type: 'queued', direction: 'download', oid: 'b', size: 4, name: 'b.bin' });
      m.listener({ type: 'progress', direction: 'download', oid: 'b', bytesSoFar: 2, bytesSinceLast: 2 });
      m.listener({ type: 'progress', direction: 'download', oid: 'a', bytesSoFar: 10, bytesSinceLast: 10 });
      m.listener({ type: 'done', direction: 'download', oid: 'a', size: 10, name: 'a.bin', status: 'transferred' });
      m.listener({ type: 'done', direction: 'download', oid: 'b', size: 4, name: 'b.bin', status: 'transferred' });
      expect(readFileSync(file, 'utf8')).toBe('download 1/2 2/4 b.bin\ndownload 2/2 10/10 a.bin\ndownload 1/2 4/4 b.bin\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

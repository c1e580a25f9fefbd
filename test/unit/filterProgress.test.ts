import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FilterProgress } from '../../src/ui/FilterProgress.js';

describe('FilterProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    const out: string[] = [];
    const p = new FilterProgress({ write: (s, done) => (out.push(s), done()), now: () => Date.now() });
    p.listener({ type: 'queued', direction: 'download', oid: 'a', size: 2000, name: 'a.bin' });
    p.listener({ type: 'queued', direction: 'download', oid: 'b', size: 1000, name: 'b.bin' });
    return { out, p };
  }

  it('draws nothing while git is not waiting, whatever arrives', () => {
    const { out, p } = setup();
    vi.advanceTimersByTime(1000);
    p.listener({ type: 'progress', direction: 'download', oid: 'a', bytesSoFar: 1000, bytesSinceLast: 1000 });
    p.listener({ type: 'done', direction: 'download', oid: 'b', size: 1000, name: 'b.bin', status: 'transferred' });
    expect(out).toEqual([]);
  });

  it('draws one interval into a wait, redraws, and erases before resuming', async () => {
    const { out, p } = setup();
    p.waiting();
    vi.advanceTimersByTime(150);
    expect(out).toEqual([]); // a quick wait shows nothing
    vi.advanceTimersByTime(100);
    expect(out).toEqual(['\rDownloading LFS objects:   0% (0/2), 0 B | 0 B/s']);
    p.listener({ type: 'progress', direction: 'download', oid: 'a', bytesSoFar: 1500, bytesSinceLast: 1500 });
    vi.advanceTimersByTime(200);
    expect(out.at(-1)).toBe('\rDownloading LFS objects:   0% (0/2), 1.5 KB | 0 B/s');
    await p.resuming();
    expect(out.at(-1)).toBe(`\r${' '.repeat('Downloading LFS objects:   0% (0/2), 1.5 KB | 0 B/s'.length)}\r`);
    expect(p.drawn).toBe(false);
    // After resuming: nothing more until the next wait.
    vi.advanceTimersByTime(1000);
    p.listener({ type: 'done', direction: 'download', oid: 'a', size: 2000, name: 'a.bin', status: 'transferred' });
    expect(out).toHaveLength(3);
    // A wait that ends before one interval leaves no trace.
    p.waiting();
    vi.advanceTimersByTime(100);
    await p.resuming();
    expect(out).toHaveLength(3);
  });
});

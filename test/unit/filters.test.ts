/** Pure and store-level parts of the filters: path filter, delay queue, clean core, args. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DelayQueue } from '../../src/filter/DelayQueue.js';
import { cleanContent } from '../../src/filter/cleanContent.js';
import { expandCommand } from '../../src/filter/extensions.js';
import { malformedWarning } from '../../src/filter/FilterProcess.js';
import { parseFilterArgs } from '../../src/filter/filterCli.js';
import type { FetchRequest, ObjectFetcher } from '../../src/filter/ObjectFetcher.js';
import { makePathFilter } from '../../src/model/pathFilter.js';
import { sourceOf } from '../../src/filter/byteSource.js';
import { storeLayoutFor } from '../../src/store/layout.js';
import { LfsStore } from '../../src/store/LfsStore.js';
import { quotePath } from '../../src/ui/escape.js';

describe('PathFilter (lfs.fetchinclude / lfs.fetchexclude)', () => {
  const cases: Array<[string | undefined, string | undefined, string, boolean]> = [
    [undefined, undefined, 'any/file.bin', true],
    ['data', undefined, 'data/x.bin', true],
    ['data', undefined, 'other/x.bin', false],
    ['*.bin', undefined, 'deep/dir/x.bin', true],
    ['*.bin', undefined, 'x.txt', false],
    [undefined, 'ex, *.psd', 'ex/a.bin', false],
    [undefined, 'ex, *.psd', 'img/a.psd', false],
    [undefined, 'ex, *.psd', 'img/a.png', true],
    ['data', 'data/skip', 'data/skip/a.bin', false],
    ['data', 'data/skip', 'data/keep/a.bin', true],
    ['data', undefined, '../data/x', false],
    [undefined, 'ex', '../ex/x', true],
  ];
  it.each(cases)('include=%s exclude=%s %s -> %s', (inc, exc, path, want) => {
    expect(makePathFilter(inc, exc, { ignorecase: false })(path)).toBe(want);
  });
});

describe('DelayQueue', () => {
  class ManualFetcher implements ObjectFetcher {
    pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
    fetch(req: FetchRequest): Promise<void> {
      return new Promise((resolve, reject) => this.pending.set(req.path, { resolve, reject }));
    }
  }
  const P = (n: number) => ({ oid: String(n).repeat(64).slice(0, 64), size: n, extensions: [] });

  it('blocks until something settles, lists everything settled at once, then []', async () => {
    const f = new ManualFetcher();
    const q = new DelayQueue(f);
    q.delay('a', P(1));
    q.delay('b', P(2));
    q.delay('c', P(3));
    let listed: string[] | null = null;
    const first = q.available().then((l) => (listed = l));
    await new Promise((r) => setTimeout(r, 10));
    expect(listed).toBeNull();
    f.pending.get('a')!.resolve();
    f.pending.get('c')!.reject(new Error('nope'));
    await first;
    expect(listed!.sort()).toEqual(['a', 'c']);
    expect(await q.take('a')).toEqual({ pointer: P(1), error: undefined });
    expect(((await q.take('c'))!.error as Error).message).toBe('nope');
    f.pending.get('b')!.resolve();
    expect(await q.available()).toEqual(['b']);
    expect(await q.available()).toEqual([]);
    expect(await q.take('zzz')).toBeNull();
  });

  it('never lists a path git took early, lists a re-delayed path once, only after its new fetch', async () => {
    const f = new ManualFetcher();
    const q = new DelayQueue(f);
    q.delay('a', P(1));
    q.delay('b', P(2));
    const early = q.take('a');
    f.pending.get('a')!.resolve();
    expect((await early)!.pointer).toEqual(P(1));
    // b is delayed again before its first fetch settles: only the second fetch counts.
    const firstB = f.pending.get('b')!;
    q.delay('b', P(3));
    const secondB = f.pending.get('b')!;
    firstB.resolve();
    let listed: string[] | null = null;
    const waiting = q.available().then((l) => (listed = l));
    await new Promise((r) => setTimeout(r, 10));
    expect(listed).toBeNull();
    secondB.resolve();
    await waiting;
    expect(listed).toEqual(['b']);
    expect((await q.take('b'))!.pointer).toEqual(P(3));
    expect(await q.available()).toEqual([]);
  });
});

describe('cleanContent', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores content and echoes pointers and empty input verbatim', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tslfs-clean-'));
    const store = new LfsStore(storeLayoutFor(join(dir, 'lfs')));
    const run = (data: Buffer) => cleanContent({ store, input: sourceOf(Readable.from([data.subarray(0, 3), data.subarray(3)])), path: 'x', cwd: dir, env: {} });
    const r = await run(Buffer.from('hello world\n'));
    expect(r.stored).not.toBeNull();
    expect(readFileSync(store.objectPath(r.stored!.oid), 'utf8')).toBe('hello world\n');
    const again = await run(r.pointer);
    expect(again.stored).toBeNull();
    expect(again.pointer.equals(r.pointer)).toBe(true);
    expect((await run(Buffer.alloc(0))).pointer.length).toBe(0);
  });
});

describe('small helpers', () => {
  it('parseFilterArgs', () => {
    expect(parseFilterArgs(['--', '-odd name'], true)).toEqual({ skip: false, path: '-odd name', needsCommander: false });
    expect(parseFilterArgs(['-s', 'p'], true)).toEqual({ skip: true, path: 'p', needsCommander: false });
    expect(parseFilterArgs(['--help'], true).needsCommander).toBe(true);
    expect(parseFilterArgs(['--skip'], false).needsCommander).toBe(true);
  });
  it('expandCommand quotes %f for the shell', () => {
    expect(expandCommand('tool --in %f', "it's $(x).bin")).toBe(`tool --in 'it'\\''s $(x).bin'`);
  });
  it('malformedWarning matches git-lfs wording', () => {
    expect(malformedWarning([], quotePath)).toBe('');
    expect(malformedWarning(['a b'], quotePath)).toBe("Encountered 1 file that should have been a pointer, but wasn't:\n\ta b\n");
    expect(malformedWarning(['x', 'new\nline'], quotePath)).toBe(`Encountered 2 files that should have been pointers, but weren't:\n\tx\n\t"new\\nline"\n`);
  });
});

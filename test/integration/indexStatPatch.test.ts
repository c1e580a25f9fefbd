/**
 * patchIndexStats against index files written by real git: versions 2, 3 (extended flags) and 4
 * (prefix-compressed names), SHA-256 repositories, a split index (refused), a held lock, and the
 * racy-git smudging of entries it does not own. Git itself is the judge: `git diff-files` says
 * whether an entry's stat data matches the work tree, and any checksum error makes git fail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IndexLockedError, patchIndexStats, type StatPatch } from '../../src/git/indexStatPatch.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

async function repo(sb: Sandbox, name: string, initArgs: string[] = []): Promise<string> {
  const dir = join(sb.root, name);
  expect((await sb.git(['init', '-q', ...initArgs, dir], { cwd: sb.root })).exitCode).toBe(0);
  const files: Record<string, string> = { 'a.txt': 'alpha\n', 'dir/b.txt': 'bravo\n', 'dir/c.txt': 'charlie\n', 'dir/sub/d.txt': 'delta\n' };
  for (const [p, c] of Object.entries(files)) sb.write(`${name}/${p}`, c);
  expect((await sb.git(['add', '.'], { cwd: dir })).exitCode).toBe(0);
  expect((await sb.git(['commit', '-qm', 'files'], { cwd: dir })).exitCode).toBe(0);
  // Back-date the files and refresh, so that no entry is racily clean (entries as old as the
  // index would be smudged by any index writer, this one included).
  const old = new Date(Date.now() - 100_000);
  for (const p of Object.keys(files)) utimesSync(join(dir, p), old, old);
  expect((await sb.git(['update-index', '-q', '--refresh'], { cwd: dir })).exitCode).toBe(0);
  return dir;
}

/** Rewrite a file with the same bytes through a new inode: stat-dirty, content-clean. */
function rewrite(dir: string, path: string): void {
  const abs = join(dir, path);
  const data = readFileSync(abs);
  writeFileSync(`${abs}.new`, data);
  renameSync(`${abs}.new`, abs);
}

async function statDirty(sb: Sandbox, dir: string): Promise<string[]> {
  const r = await sb.git(['diff-files', '--name-only', '-z'], { cwd: dir });
  expect(r.exitCode).toBe(0);
  return r.stdout.split('\0').filter(Boolean);
}

async function entry(sb: Sandbox, dir: string, path: string): Promise<{ mode: string; oid: string }> {
  const [mode, oid] = (await sb.git(['ls-files', '-s', '--', path], { cwd: dir })).stdout.split(/\s+/);
  return { mode: mode!, oid: oid! };
}

async function patchFor(sb: Sandbox, dir: string, paths: string[]): Promise<StatPatch[]> {
  const out: StatPatch[] = [];
  for (const p of paths) {
    const e = await entry(sb, dir, p);
    out.push({ path: p, mode: e.mode, blobOid: e.oid, stat: lstatSync(join(dir, p), { bigint: true }) });
  }
  return out;
}

describe('patchIndexStats', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  for (const version of ['2', '3', '4']) {
    it(`index version ${version}: patched entries become stat-clean, the index stays valid`, async () => {
      const dir = await repo(sb, `v${version}`);
      expect((await sb.git(['update-index', '--index-version', version], { cwd: dir })).exitCode).toBe(0);
      // Version 3 only differs from 2 when an entry has extended flags.
      if (version === '3') expect((await sb.git(['update-index', '--skip-worktree', 'dir/c.txt'], { cwd: dir })).exitCode).toBe(0);
      for (const p of ['a.txt', 'dir/b.txt', 'dir/sub/d.txt']) rewrite(dir, p);
      expect(await statDirty(sb, dir)).toEqual(['a.txt', 'dir/b.txt', 'dir/sub/d.txt']);
      const idx = join(dir, '.git/index');
      const res = await patchIndexStats(idx, 'sha1', await patchFor(sb, dir, ['dir/b.txt', 'dir/sub/d.txt']));
      expect(res.unsupported).toBeUndefined();
      expect([...res.patched].sort()).toEqual(['dir/b.txt', 'dir/sub/d.txt']);
      expect(await statDirty(sb, dir)).toEqual(['a.txt']);
      expect(readFileSync(idx).readUInt32BE(4)).toBe(Number(version));
      expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
      expect((await sb.git(['fsck', '--no-dangling'], { cwd: dir })).exitCode).toBe(0);
    });
  }

  it('works in a SHA-256 repository', async () => {
    const dir = await repo(sb, 's256', ['--object-format=sha256']);
    rewrite(dir, 'dir/c.txt');
    const res = await patchIndexStats(join(dir, '.git/index'), 'sha256', await patchFor(sb, dir, ['dir/c.txt']));
    expect([...res.patched]).toEqual(['dir/c.txt']);
    expect(await statDirty(sb, dir)).toEqual([]);
  });

  it('leaves an entry alone when its blob or mode is not the expected one', async () => {
    const dir = await repo(sb, 'r');
    rewrite(dir, 'a.txt');
    rewrite(dir, 'dir/b.txt');
    const [a, b] = await patchFor(sb, dir, ['a.txt', 'dir/b.txt']);
    const res = await patchIndexStats(join(dir, '.git/index'), 'sha1', [
      { ...a!, blobOid: '0'.repeat(40) },
      { ...b!, mode: '100755' },
    ]);
    expect(res.patched.size).toBe(0);
    expect(await statDirty(sb, dir)).toEqual(['a.txt', 'dir/b.txt']);
  });

  it('refuses a split index and leaves it untouched', async () => {
    const dir = await repo(sb, 'r');
    expect((await sb.git(['update-index', '--split-index'], { cwd: dir })).exitCode).toBe(0);
    rewrite(dir, 'a.txt');
    const idx = join(dir, '.git/index');
    const before = readFileSync(idx);
    const res = await patchIndexStats(idx, 'sha1', await patchFor(sb, dir, ['a.txt']));
    expect(res.unsupported).toBe('split index');
    expect(readFileSync(idx).equals(before)).toBe(true);
    expect(await statDirty(sb, dir)).toEqual(['a.txt']);
  });

  it('refuses an index whose checksum does not match', async () => {
    const dir = await repo(sb, 'r');
    const idx = join(dir, '.git/index');
    const buf = readFileSync(idx);
    buf[buf.length - 1] ^= 0xff;
    writeFileSync(idx, buf);
    rewrite(dir, 'a.txt');
    const res = await patchIndexStats(idx, 'sha1', [{ path: 'a.txt', mode: '100644', blobOid: '0'.repeat(40), stat: lstatSync(join(dir, 'a.txt'), { bigint: true }) }]);
    expect(res.unsupported).toBe('index checksum mismatch');
    expect(readFileSync(idx).equals(buf)).toBe(true);
  });

  it('throws IndexLockedError when index.lock exists, and keeps the lock file', async () => {
    const dir = await repo(sb, 'r');
    rewrite(dir, 'a.txt');
    const patches = await patchFor(sb, dir, ['a.txt']);
    writeFileSync(join(dir, '.git/index.lock'), '');
    await expect(patchIndexStats(join(dir, '.git/index'), 'sha1', patches)).rejects.toBeInstanceOf(IndexLockedError);
    expect(lstatSync(join(dir, '.git/index.lock')).isFile()).toBe(true);
    expect(await statDirty(sb, dir)).toEqual(['a.txt']);
  });

  it('smudges racily clean entries it does not own, so a same-second edit is still found', async () => {
    const dir = await repo(sb, 'r');
    const idx = join(dir, '.git/index');
    // Make the index look older than every file: all entries are racily clean.
    const older = new Date(Date.now() - 200_000);
    utimesSync(idx, older, older);
    // An edit that keeps size and (we pretend) the timestamp git recorded.
    const st = lstatSync(join(dir, 'a.txt'));
    writeFileSync(join(dir, 'a.txt'), 'ALPHA\n');
    utimesSync(join(dir, 'a.txt'), st.atime, st.mtime);
    rewrite(dir, 'dir/b.txt');
    const res = await patchIndexStats(idx, 'sha1', await patchFor(sb, dir, ['dir/b.txt']));
    expect([...res.patched]).toEqual(['dir/b.txt']);
    const debug = (await sb.git(['ls-files', '--debug', '--', 'a.txt', 'dir/c.txt', 'dir/b.txt'], { cwd: dir })).stdout;
    const sizes = [...debug.matchAll(/size: (\d+)/g)].map((m) => Number(m[1]));
    expect(sizes).toEqual([0, 6, 0]); // a.txt, dir/b.txt (ours: real size), dir/c.txt
    expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe(' M a.txt\n');
  });
});

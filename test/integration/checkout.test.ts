/**
 * `tslfs checkout` on repositories made with git-lfs as the filter (so these tests do not depend
 * on tslfs's own filter), compared with git-lfs 3.3.0 where the output format matters.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';

const objPath = (dir: string, oid: string) => join(dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid);

async function lfsRepo(sb: Sandbox, name: string, files: Record<string, string>): Promise<string> {
  const dir = await sb.initRepo(name, 'git-lfs');
  sb.write(`${name}/.gitattributes`, '*.dat filter=lfs diff=lfs merge=lfs -text\n');
  for (const [p, c] of Object.entries(files)) sb.write(`${name}/${p}`, c);
  expect((await sb.git(['add', '.'], { cwd: dir })).exitCode).toBe(0);
  expect((await sb.git(['commit', '-qm', 'files'], { cwd: dir })).exitCode).toBe(0);
  return dir;
}

async function status(sb: Sandbox, dir: string): Promise<string> {
  return (await sb.git(['status', '--porcelain'], { cwd: dir })).stdout;
}

const FILES = {
  'file1.dat': 'something something',
  'file2.dat': 'something something',
  'file3.dat': 'something else',
  'folder1/nested.dat': 'nested one',
  'folder2/folder3/folder4/nested.dat': 'nested deep',
  'plain.txt': 'not lfs\n',
};

describe('tslfs checkout', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('restores deleted files and files that are still pointers; leaves modified files; status clean', async () => {
    const dir = await lfsRepo(sb, 'r', FILES);
    rmSync(join(dir, 'file1.dat'));
    rmSync(join(dir, 'folder2'), { recursive: true });
    // file2 back to its pointer (as after GIT_LFS_SKIP_SMUDGE), file3 modified by the user.
    writeFileSync(join(dir, 'file2.dat'), (await sb.git(['cat-file', 'blob', ':file2.dat'], { cwd: dir })).stdoutBuffer);
    writeFileSync(join(dir, 'file3.dat'), 'user edit');
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const bytes = Object.entries(FILES).filter(([p]) => p.endsWith('.dat')).reduce((n, [, c]) => n + c.length, 0);
    expect(r.stdout).toBe(`Checking out LFS objects: 100% (5/5), ${bytes} B | 0 B/s, done.\n`);
    expect(readFileSync(join(dir, 'file1.dat'), 'utf8')).toBe(FILES['file1.dat']);
    expect(readFileSync(join(dir, 'file2.dat'), 'utf8')).toBe(FILES['file2.dat']);
    expect(readFileSync(join(dir, 'folder2/folder3/folder4/nested.dat'), 'utf8')).toBe(FILES['folder2/folder3/folder4/nested.dat']);
    expect(readFileSync(join(dir, 'file3.dat'), 'utf8')).toBe('user edit');
    expect(await status(sb, dir)).toBe(' M file3.dat\n');
    expect((await sb.git(['diff', '--cached', '--quiet'], { cwd: dir })).exitCode).toBe(0);
  });

  it('prints the same progress line as git-lfs 3.3.0', async () => {
    const big = 'x'.repeat(1500);
    const a = await lfsRepo(sb, 'a', { 'x.dat': big, 'y.dat': 'y' });
    const b = await lfsRepo(sb, 'b', { 'x.dat': big, 'y.dat': 'y' });
    for (const d of [a, b]) rmSync(join(d, 'x.dat'));
    const ours = await sb.tslfs(['checkout'], { cwd: a });
    const theirs = await sb.gitLfs(['checkout'], { cwd: b });
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stdout).toBe('Checking out LFS objects: 100% (2/2), 1.5 KB | 0 B/s, done.\n');
    // Nothing selected: no line at all, like git-lfs.
    const none = await sb.tslfs(['checkout', 'nomatch'], { cwd: a });
    expect([none.exitCode, none.stdout]).toEqual([0, (await sb.gitLfs(['checkout', 'nomatch'], { cwd: b })).stdout]);
    expect(none.stdout).toBe('');
  });

  it('reports missing objects like git-lfs, restores the pointer, never fetches', async () => {
    const a = await lfsRepo(sb, 'a', { 'a.dat': 'hello\n', 'b.dat': 'world\n' });
    const b = await lfsRepo(sb, 'b', { 'a.dat': 'hello\n', 'b.dat': 'world\n' });
    const oid = await sha256('hello\n');
    for (const d of [a, b]) {
      renameSync(objPath(d, oid), `${d}-saved`);
      rmSync(join(d, 'a.dat'));
      rmSync(join(d, 'b.dat'));
    }
    const ours = await sb.tslfs(['checkout'], { cwd: a });
    const theirs = await sb.gitLfs(['checkout'], { cwd: b });
    expect(ours.exitCode).toBe(0);
    expect(ours.stderr).toBe('Skipped checkout for "a.dat", content not local. Use fetch to download.\n');
    expect(ours.stderr).toBe(theirs.stderr);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(readFileSync(join(a, 'a.dat'))).toEqual((await sb.git(['cat-file', 'blob', ':a.dat'], { cwd: a })).stdoutBuffer);
    expect(readFileSync(join(a, 'b.dat'), 'utf8')).toBe('world\n');
    expect(existsSync(objPath(a, oid))).toBe(false);
    expect(await status(sb, a)).toBe('');
    // The pointer file stays as it is on the next run (still reported).
    const again = await sb.tslfs(['checkout'], { cwd: a });
    expect(again.stderr).toContain('Skipped checkout for "a.dat"');
  });

  it('filters by gitignore-style globs relative to the current directory', async () => {
    const dir = await lfsRepo(sb, 'r', FILES);
    const all = Object.keys(FILES).filter((p) => p.endsWith('.dat'));
    const reset = () => {
      for (const p of all) rmSync(join(dir, p), { force: true });
    };
    const present = () => all.filter((p) => existsSync(join(dir, p)));
    const cases: Array<[string, string[], string[]]> = [
      ['', ['file2.dat'], ['file2.dat']],
      ['', ['file*.dat'], ['file1.dat', 'file2.dat', 'file3.dat']],
      ['', ['folder2'], ['folder2/folder3/folder4/nested.dat']],
      ['', ['folder2/**'], ['folder2/folder3/folder4/nested.dat']],
      ['', ['nested.dat'], ['folder1/nested.dat', 'folder2/folder3/folder4/nested.dat']],
      ['', ['.'], all],
      ['folder1', ['nested.dat'], ['folder1/nested.dat']],
      ['folder1', ['.'], ['folder1/nested.dat']],
      ['folder1', ['..'], all],
      ['folder1', ['../folder2/**'], ['folder2/folder3/folder4/nested.dat']],
      ['folder1', ['*.dat'], ['folder1/nested.dat']],
      ['folder1', ['../../x'], []],
    ];
    for (const [sub, globs, want] of cases) {
      reset();
      mkdirSync(join(dir, 'folder1'), { recursive: true });
      const r = await sb.tslfs(['checkout', ...globs], { cwd: join(dir, sub) });
      expect([sub, globs, r.exitCode, present()]).toEqual([sub, globs, 0, [...want].sort()]);
    }
    reset();
    const full = await sb.tslfs(['checkout'], { cwd: join(dir, 'folder1') });
    expect(full.exitCode).toBe(0);
    expect(present()).toEqual(all);
    expect(await status(sb, dir)).toBe('');
  });

  it('keeps the permission bits of a read-only pointer file and leaves empty files alone', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'abc', 'empty.dat': '' });
    writeFileSync(join(dir, 'a.dat'), (await sb.git(['cat-file', 'blob', ':a.dat'], { cwd: dir })).stdoutBuffer);
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'a.dat'), 0o444);
    const mtime = statSync(join(dir, 'empty.dat')).mtimeMs;
    const r = await sb.tslfs(['checkout', 'a.dat'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'a.dat'), 'utf8')).toBe('abc');
    expect(statSync(join(dir, 'a.dat')).mode & 0o777).toBe(0o444);
    expect(statSync(join(dir, 'empty.dat')).mtimeMs).toBe(mtime);
  });

  it('records the written files in the index without running them back through the clean filter', async () => {
    const dir = await lfsRepo(sb, 'r', FILES);
    // A filter that notes every start: after checkout it must not have been started at all.
    const log = join(sb.root, 'filter-starts.log');
    const wrapper = sb.write('filter.sh', `#!/bin/sh\necho start >> '${log}'\nexec git-lfs filter-process\n`);
    (await import('node:fs')).chmodSync(wrapper, 0o755);
    await sb.git(['config', 'filter.lfs.process', wrapper], { cwd: dir });
    for (const f of Object.keys(FILES)) if (f.endsWith('.dat')) rmSync(join(dir, f));
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'folder2/folder3/folder4/nested.dat'), 'utf8')).toBe('nested deep');
    expect(existsSync(log)).toBe(false);
    // Stat data is right: git sees nothing to re-check (diff-files does not refresh). Other
    // entries written in the same second as the index are racily clean and so re-checked.
    expect((await sb.git(['diff-files', '--name-only', '--', '*.dat'], { cwd: dir })).stdout).toBe('');
    expect(await status(sb, dir)).toBe('');
  });

  it('never stages anything: without an LFS filter the index entries are put back', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'hello\n' });
    const before = (await sb.git(['ls-files', '-s'], { cwd: dir })).stdout;
    for (const k of ['clean', 'smudge', 'process', 'required']) await sb.git(['config', '--unset', `filter.lfs.${k}`], { cwd: dir });
    rmSync(join(dir, 'a.dat'));
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'a.dat'), 'utf8')).toBe('hello\n');
    expect(r.stderr).toContain('"a.dat" does not clean to its pointer');
    expect((await sb.git(['ls-files', '-s'], { cwd: dir })).stdout).toBe(before);
    expect((await sb.git(['diff', '--cached', '--quiet'], { cwd: dir })).exitCode).toBe(0);
  });

  it('a locked index: files are written, the failure is reported, exit 2, no hang', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'hello\n', 'b.dat': 'world\n' });
    rmSync(join(dir, 'a.dat'));
    rmSync(join(dir, 'b.dat'));
    writeFileSync(join(dir, '.git/index.lock'), '');
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Error updating the Git index:\n.*index\.lock/);
    expect(readFileSync(join(dir, 'a.dat'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(dir, 'b.dat'), 'utf8')).toBe('world\n');
    rmSync(join(dir, '.git/index.lock'));
    expect(await status(sb, dir)).toBe('');
  });

  it('uses objects from a shared (alternates) store and handles unusual file names', async () => {
    const names = [
      'we ird "q".dat',
      'tab\there.dat',
      'ünï.dat',
      '-dash.dat',
      'emoji 🙂 rlo\u202e.dat',
      // HR12: a 253-byte name (the temp file next to it must still fit in 255 bytes) and a
      // path of about 3.4 KiB.
      `${'あ'.repeat(83)}.dat`,
      `${Array.from({ length: 14 }, (_, i) => `${i}`.padEnd(240, 'd')).join('/')}/deep.dat`,
    ];
    const src = await lfsRepo(sb, 'src', Object.fromEntries(names.map((n, i) => [n, `content ${i}\n`])));
    const clone = join(sb.root, 'clone');
    expect((await sb.git(['clone', '-q', '--shared', '--no-checkout', src, clone])).exitCode).toBe(0);
    // The clone's work tree gets pointers only; its own store is empty.
    await sb.git(['-c', 'filter.lfs.smudge=', '-c', 'filter.lfs.process=', '-c', 'filter.lfs.required=false', 'checkout', '-q', 'main'], { cwd: clone });
    for (const [k, v] of [['filter.lfs.clean', 'git-lfs clean -- %f'], ['filter.lfs.process', 'git-lfs filter-process'], ['filter.lfs.required', 'true']]) {
      await sb.git(['config', k!, v!], { cwd: clone });
    }
    const r = await sb.tslfs(['checkout'], { cwd: clone });
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    names.forEach((n, i) => expect(readFileSync(join(clone, n), 'utf8')).toBe(`content ${i}\n`));
    expect(existsSync(objPath(clone, await sha256('content 0\n')))).toBe(true);
    expect(await status(sb, clone)).toBe('');
  });

  it('F12/O7: a same-size corrupt object is detected while writing; nothing is written', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'hello\n', 'b.dat': 'world\n' });
    const obj = objPath(dir, await sha256('hello\n'));
    writeFileSync(obj, 'HELLO\n');
    rmSync(join(dir, 'a.dat'));
    rmSync(join(dir, 'b.dat'));
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/could not check out "a\.dat": expected OID .*\(the stored object is corrupt; run `tslfs fsck`/);
    expect(existsSync(join(dir, 'a.dat'))).toBe(false);
    expect(readFileSync(join(dir, 'b.dat'), 'utf8')).toBe('world\n');
  });

  it('F12/O7 for a big object (kernel copy): a same-size corrupt object leaves nothing behind', async () => {
    const big = Buffer.alloc(9 << 20, 7);
    const dir = await lfsRepo(sb, 'r', { 'big.dat': big.toString('latin1'), 'ok.dat': big.toString('latin1').slice(1) });
    const obj = objPath(dir, await sha256(Buffer.from(big.toString('latin1'), 'latin1')));
    const bad = Buffer.from(big);
    bad[bad.length - 1] = 8;
    writeFileSync(obj, bad);
    rmSync(join(dir, 'big.dat'));
    rmSync(join(dir, 'ok.dat'));
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/could not check out "big\.dat": expected OID .*\(the stored object is corrupt; run `tslfs fsck`/);
    expect(existsSync(join(dir, 'big.dat'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.tslfs-'))).toEqual([]);
    expect(readFileSync(join(dir, 'ok.dat')).length).toBe(big.length - 1);
    // A new file gets 0666 less the umask, like any other file made here (not the store's mode).
    expect(statSync(join(dir, 'ok.dat')).mode & 0o777).toBe(statSync(join(dir, '.gitattributes')).mode & 0o777);
    expect(await status(sb, dir)).toBe(' D big.dat\n');
  });

  it('does nothing in a bare repository and says so', async () => {
    const bare = join(sb.root, 'bare.git');
    await sb.git(['init', '-q', '--bare', bare]);
    const r = await sb.tslfs(['checkout'], { cwd: bare });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('This operation must be run in a work tree.\n');
    expect(r.stderr).toBe((await sb.gitLfs(['checkout'], { cwd: bare })).stdout + (await sb.gitLfs(['checkout'], { cwd: bare })).stderr);
  });

  it('fails outside a repository with exit 128', async () => {
    const r = await sb.tslfs(['checkout'], { cwd: sb.root });
    expect(r.exitCode).toBe(128);
    expect(r.stderr).toMatch(/Not in a Git repository/i);
  });
});

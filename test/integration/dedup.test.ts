/**
 * `tslfs dedup`. This machine's ext4 has no reflinks, so the CLI must fail with git-lfs's
 * message and exit 2; the success path runs through ops/dedup.ts with an injected clone
 * function (a plain exclusive copy standing in for FICLONE) to check everything around the
 * clone: symlink refusal, permission bits, index refresh and the summary counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, constants, lstatSync, readFileSync, statSync, symlinkSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { cloneSupported, reflinkClone, runDedup, type DedupEvent } from '../../src/ops/dedup.js';
import { openRepo } from '../../src/ops/repoContext.js';

async function lfsRepo(sb: Sandbox, files: Record<string, string>): Promise<string> {
  const dir = await sb.initRepo('r', 'git-lfs');
  sb.write('r/.gitattributes', '*.dat filter=lfs diff=lfs merge=lfs -text\n');
  for (const [p, c] of Object.entries(files)) sb.write(`r/${p}`, c);
  await sb.git(['add', '.'], { cwd: dir });
  await sb.git(['commit', '-qm', 'files'], { cwd: dir });
  return dir;
}

describe('tslfs dedup', () => {
  let sb: Sandbox;
  let dir: string;
  let cow: boolean;
  beforeEach(async () => {
    sb = makeSandbox();
    dir = await lfsRepo(sb, { 'a.dat': 'test data\n', 'sub/b.dat': 'test data 2\n', 'x.txt': 'plain\n' });
    const ctx = await openRepo({ cwd: dir, env: sb.env });
    cow = (await cloneSupported(ctx.store.layout.tmpDir, dir, reflinkClone)).ok;
  });
  afterEach(() => sb.cleanup());

  it('without copy-on-write support: git-lfs\'s message, exit 2, nothing changed (with reflinks: --test says OK)', async () => {
    const ino = statSync(join(dir, 'a.dat')).ino;
    const r = await sb.tslfs(['dedup'], { cwd: dir });
    const t = await sb.tslfs(['dedup', '--test'], { cwd: dir });
    if (!cow) {
      expect([r.exitCode, r.stderr]).toEqual([2, 'This system does not support de-duplication.\n']);
      expect(r.stderr).toBe((await sb.gitLfs(['dedup'], { cwd: dir })).stderr);
      expect([t.exitCode, t.stderr]).toEqual([2, 'This system does not support de-duplication: operation not supported\n']);
      expect(statSync(join(dir, 'a.dat')).ino).toBe(ino);
    } else {
      expect([t.exitCode, t.stdout]).toEqual([0, 'OK: This platform and repository support file de-duplication.\n']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('Success: a.dat (Size: 10)');
    }
  });

  it('refuses when extensions are configured or the work tree is dirty (fake clone support)', async () => {
    const clone = (from: string, to: string | Buffer) => copyFile(from, to, constants.COPYFILE_EXCL);
    const ctx = await openRepo({ cwd: dir, env: sb.env });
    writeFileSync(join(dir, 'a.dat'), 'edited');
    await expect(runDedup(ctx, { clone })).rejects.toThrow('Working tree is dirty. Please commit or reset your change.');
    await sb.git(['checkout', '--', 'a.dat'], { cwd: dir });
    await sb.git(['config', 'lfs.extension.foo.clean', 'foo %f'], { cwd: dir });
    const withExt = await openRepo({ cwd: dir, env: sb.env });
    await expect(runDedup(withExt, { clone })).rejects.toThrow(/Git LFS extensions are configured/);
  });

  it('replaces work tree files with clones (new inodes), keeps modes, never writes through symlinks, status stays clean', async () => {
    const clone = async (from: string, to: string | Buffer) => {
      copyFileSync(from, to, constants.COPYFILE_EXCL);
    };
    chmodSync(join(dir, 'a.dat'), 0o600);
    await sb.git(['update-index', '--refresh'], { cwd: dir });
    const ctx = await openRepo({ cwd: dir, env: sb.env });
    const events: DedupEvent[] = [];
    const beforeIno = statSync(join(dir, 'a.dat')).ino;
    const res = await runDedup(ctx, { clone, onEvent: (e) => events.push(e) });
    expect(res).toEqual({ count: 2, bytes: 22, skipped: 0 });
    expect(events).toEqual([
      { type: 'success', path: 'a.dat', size: 10 },
      { type: 'success', path: 'sub/b.dat', size: 12 },
    ]);
    expect(statSync(join(dir, 'a.dat')).ino).not.toBe(beforeIno);
    expect(statSync(join(dir, 'a.dat')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'a.dat'), 'utf8')).toBe('test data\n');
    expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
    // A symlinked directory in the way: skipped with "not a directory", nothing written outside.
    rmSync(join(dir, 'sub'), { recursive: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(sb.root, 'outside'));
    writeFileSync(join(sb.root, 'outside/b.dat'), 'test data 2\n');
    symlinkSync('../outside', join(dir, 'sub'));
    const ev2: DedupEvent[] = [];
    await expect(runDedup(await openRepo({ cwd: dir, env: sb.env }), { clone, onEvent: (e) => ev2.push(e) })).rejects.toThrow(/dirty/);
    await sb.git(['update-index', '--assume-unchanged', 'sub/b.dat'], { cwd: dir });
    await runDedup(await openRepo({ cwd: dir, env: sb.env }), { clone, onEvent: (e) => ev2.push(e) });
    expect(ev2.find((e) => e.path === 'sub/b.dat')).toMatchObject({ type: 'skipped', reason: expect.stringContaining('not a directory') });
    expect(lstatSync(join(dir, 'sub')).isSymbolicLink()).toBe(true);
    expect(statSync(join(sb.root, 'outside/b.dat')).nlink).toBe(1);
  });

  it('clones a file whose name is not UTF-8 under its own bytes (no file under a lossy name)', async () => {
    const name = Buffer.concat([Buffer.from(`${dir}/n`), Buffer.from([0xff]), Buffer.from('.dat')]);
    writeFileSync(name, 'odd name\n');
    await sb.git(['add', '.'], { cwd: dir });
    await sb.git(['commit', '-qm', 'odd'], { cwd: dir });
    const before = statSync(name).ino;
    const clone = async (from: string, to: string | Buffer) => copyFileSync(from, to, constants.COPYFILE_EXCL);
    const res = await runDedup(await openRepo({ cwd: dir, env: sb.env }), { clone });
    expect(res).toEqual({ count: 3, bytes: 31, skipped: 0 });
    expect(statSync(name).ino).not.toBe(before);
    expect(readFileSync(name, 'utf8')).toBe('odd name\n');
    expect(() => statSync(join(dir, 'n\ufffd.dat'))).toThrow();
    expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
  });
});

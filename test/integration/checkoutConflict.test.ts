/**
 * `tslfs checkout --to <path> --base|--ours|--theirs <file>` in a real merge conflict, on a
 * repository made with git-lfs as the filter, with git-lfs 3.3.0's messages as the reference.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

async function lfsRepo(sb: Sandbox, name: string, files: Record<string, string>): Promise<string> {
  const dir = await sb.initRepo(name, 'git-lfs');
  sb.write(`${name}/.gitattributes`, '*.dat filter=lfs diff=lfs merge=lfs -text\n');
  for (const [p, c] of Object.entries(files)) sb.write(`${name}/${p}`, c);
  expect((await sb.git(['add', '.'], { cwd: dir })).exitCode).toBe(0);
  expect((await sb.git(['commit', '-qm', 'files'], { cwd: dir })).exitCode).toBe(0);
  return dir;
}

describe('tslfs checkout --to (merge conflicts)', () => {
  let sb: Sandbox;
  let dir: string;
  beforeEach(async () => {
    sb = makeSandbox();
    dir = await lfsRepo(sb, 'r', { 'file1.dat': 'file1.dat\n', 'other.txt': 'base\n' });
    const g = (args: string[]) => sb.git(args, { cwd: dir });
    await g(['checkout', '-qb', 'first']);
    writeFileSync(join(dir, 'file1.dat'), 'abc123\n');
    writeFileSync(join(dir, 'other.txt'), 'first\n');
    await g(['commit', '-qam', 'first']);
    await g(['checkout', '-qb', 'second', 'main']);
    writeFileSync(join(dir, 'file1.dat'), 'def456\n');
    writeFileSync(join(dir, 'other.txt'), 'second\n');
    await g(['commit', '-qam', 'second']);
    expect((await g(['merge', 'first'])).exitCode).not.toBe(0);
  });
  afterEach(() => sb.cleanup());

  it('writes base, ours and theirs, also from a subdirectory and outside the work tree', async () => {
    expect((await sb.tslfs(['checkout', '--to', 'base.txt', '--base', 'file1.dat'], { cwd: dir })).exitCode).toBe(0);
    expect((await sb.tslfs(['checkout', '--to', '../ours.txt', '--ours', 'file1.dat'], { cwd: dir })).exitCode).toBe(0);
    const abs = join(sb.root, 'assert/dir1/dir2/theirs.txt');
    expect((await sb.tslfs(['checkout', '--to', abs, '--theirs', 'file1.dat'], { cwd: dir })).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'base.txt'), 'utf8')).toBe('file1.dat\n');
    expect(readFileSync(join(sb.root, 'ours.txt'), 'utf8')).toBe('def456\n');
    expect(readFileSync(abs, 'utf8')).toBe('abc123\n');
    mkdirSync(join(dir, 'd1/d2'), { recursive: true });
    const sub = join(dir, 'd1/d2');
    expect((await sb.tslfs(['checkout', '--to', 'base.txt', '--base', '../../file1.dat'], { cwd: sub })).exitCode).toBe(0);
    expect(readFileSync(join(sub, 'base.txt'), 'utf8')).toBe('file1.dat\n');
  });

  it('replaces a symlink or hard link at the destination rather than writing through it', async () => {
    const { symlinkSync, linkSync, lstatSync } = await import('node:fs');
    symlinkSync('link1', join(dir, 'base.txt'));
    writeFileSync(join(sb.root, 'link2'), 'link2');
    linkSync(join(sb.root, 'link2'), join(sb.root, 'ours.txt'));
    expect((await sb.tslfs(['checkout', '--to', 'base.txt', '--base', 'file1.dat'], { cwd: dir })).exitCode).toBe(0);
    expect((await sb.tslfs(['checkout', '--to', '../ours.txt', '--ours', 'file1.dat'], { cwd: dir })).exitCode).toBe(0);
    expect(lstatSync(join(dir, 'base.txt')).isSymbolicLink()).toBe(false);
    expect(existsSync(join(dir, 'link1'))).toBe(false);
    expect(readFileSync(join(sb.root, 'link2'), 'utf8')).toBe('link2');
    expect(readFileSync(join(sb.root, 'ours.txt'), 'utf8')).toBe('def456\n');
  });

  it('usage errors and non-LFS files fail like git-lfs (exit 2, same message)', async () => {
    const cases = [
      ['--to', 'base.txt'],
      ['--base'],
      ['--to', 'base.txt', '--ours', '--theirs'],
      ['--to', 'base.txt', '--base'],
      ['--to', 'base.txt', '--base', 'abc', 'def'],
      ['--to', 'x.txt', '--ours', 'other.txt'],
      ['--to', 'x.txt', '--ours', 'nonexist.dat'],
    ];
    for (const args of cases) {
      const ours = await sb.tslfs(['checkout', ...args], { cwd: dir });
      const theirs = await sb.gitLfs(['checkout', ...args], { cwd: dir });
      expect([args, ours.exitCode]).toEqual([args, 2]);
      expect([args, ours.stderr.split('\n')[0]]).toEqual([args, theirs.stderr.split('\n')[0]]);
    }
    expect(existsSync(join(dir, 'x.txt'))).toBe(false);
  });

  it('is not in a merge: clear error', async () => {
    await sb.git(['merge', '--abort'], { cwd: dir });
    const r = await sb.tslfs(['checkout', '--to', 'b.txt', '--base', 'file1.dat'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Could not checkout (are you not in the middle of a merge?)');
  });
});

describe('tslfs checkout --to with a pointer extension', () => {
  it('writes each side through the smudge extension, as git-lfs does', async () => {
    const sb = makeSandbox();
    try {
      const dir = await sb.initRepo('x', 'git-lfs');
      const g = (args: string[]) => sb.git(args, { cwd: dir });
      for (const [k, v] of [['clean', 'base64'], ['smudge', 'base64 -d'], ['priority', '0']]) await g(['config', `lfs.extension.b64.${k}`, v]);
      sb.write('x/.gitattributes', '*.dat filter=lfs diff=lfs merge=lfs -text\n');
      sb.write('x/f.dat', 'base side\n');
      await g(['add', '.']);
      await g(['commit', '-qm', 'base']);
      await g(['checkout', '-qb', 'first']);
      writeFileSync(join(dir, 'f.dat'), 'first side\n');
      await g(['commit', '-qam', 'first']);
      await g(['checkout', '-qb', 'second', 'main']);
      writeFileSync(join(dir, 'f.dat'), 'second side\n');
      await g(['commit', '-qam', 'second']);
      expect((await g(['merge', 'first'])).exitCode).not.toBe(0);
      expect((await g(['cat-file', 'blob', ':2:f.dat'])).stdout).toContain('ext-0-b64 sha256:');
      for (const [side, want] of [['--base', 'base side\n'], ['--ours', 'second side\n'], ['--theirs', 'first side\n']] as const) {
        const r = await sb.tslfs(['checkout', '--to', `out${side}.txt`, side, 'f.dat'], { cwd: dir });
        expect(r.exitCode, r.stderr).toBe(0);
        expect(readFileSync(join(dir, `out${side}.txt`), 'utf8')).toBe(want);
        const l = await sb.gitLfs(['checkout', '--to', `lfs${side}.txt`, side, 'f.dat'], { cwd: dir });
        expect(readFileSync(join(dir, `lfs${side}.txt`), 'utf8'), l.stderr).toBe(want);
      }
    } finally {
      sb.cleanup();
    }
  });
});

/**
 * F5/F7: the object store on a file system that fills up (a 1 MiB tmpfs, mounted by the test;
 * CI runs as root). A clean that cannot store its object fails `git add` with a clear message
 * and git records nothing; a download that cannot be stored leaves no partial object. Both
 * succeed once there is room.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let small: string;
beforeEach(() => {
  sb = makeSandbox();
  small = join(sb.root, 'small-fs');
  mkdirSync(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
});
afterEach(() => {
  execFileSync('umount', [small]);
  sb.cleanup();
});

function objectFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
}

describe('a full disk', () => {
  it('fails git add cleanly when the object cannot be stored, and works once there is room', async () => {
    const repo = await sb.initRepo('r', 'tslfs');
    await sb.git(['config', 'lfs.storage', join(small, 'lfs')], { cwd: repo });
    sb.write('r/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    const data = Buffer.alloc(3 << 20, 7);
    sb.write('r/big.bin', data);
    const r = await sb.git(['add', 'big.bin'], { cwd: repo });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/no space left on device/);
    expect((await sb.git(['cat-file', '-e', ':big.bin'], { cwd: repo })).exitCode).not.toBe(0);
    expect(objectFiles(join(small, 'lfs', 'objects'))).toEqual([]);
    expect(objectFiles(join(small, 'lfs', 'tmp'))).toEqual([]);

    await sb.git(['config', '--unset', 'lfs.storage'], { cwd: repo });
    const ok = await sb.git(['add', 'big.bin'], { cwd: repo });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const oid = await sha256(data);
    expect(existsSync(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(true);
  });

  it('leaves no partial object when a download does not fit', async () => {
    const src = await sb.initRepo('src', 'tslfs');
    sb.write('src/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    const data = Buffer.alloc(3 << 20, 9);
    sb.write('src/big.bin', data);
    await sb.git(['add', '.'], { cwd: src });
    await sb.git(['commit', '-qm', 'big'], { cwd: src });
    const clone = join(sb.root, 'clone');
    expect((await sb.git(['clone', '-q', src, clone], { env: { GIT_LFS_SKIP_SMUDGE: '1' } })).exitCode).toBe(0);
    await sb.git(['config', 'lfs.storage', join(small, 'lfs')], { cwd: clone });
    const f = await sb.tslfs(['fetch'], { cwd: clone });
    expect(f.exitCode).not.toBe(0);
    expect(f.stderr).toMatch(/no space left on device/);
    expect(objectFiles(join(small, 'lfs', 'objects'))).toEqual([]);
    expect(objectFiles(join(small, 'lfs', 'tmp'))).toEqual([]);
    expect(objectFiles(join(small, 'lfs', 'incomplete'))).toEqual([]);

    await sb.git(['config', '--unset', 'lfs.storage'], { cwd: clone });
    const again = await sb.tslfs(['fetch'], { cwd: clone });
    expect(again.exitCode, again.stderr).toBe(0);
  });
});

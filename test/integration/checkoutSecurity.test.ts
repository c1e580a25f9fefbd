/**
 * CVE-2025-26625 cases (reliability HR7, HR8, HR9, git-lfs 8 item 5): `tslfs checkout` never
 * writes through symlinked directories, symlinked files or hard links, from the root or from
 * subdirectories, exits 0 with a per-path message, and leaves the index alone for skipped paths.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

describe('tslfs checkout: symlinks and hard links (CVE-2025-26625)', () => {
  let sb: Sandbox;
  let dir: string;
  let pointer: Buffer;
  let indexBefore: string;
  beforeEach(async () => {
    sb = makeSandbox();
    dir = await sb.initRepo('r', 'git-lfs');
    sb.write('r/.gitattributes', '*.dat filter=lfs diff=lfs merge=lfs -text\n');
    for (const p of ['a.dat', 'dir1/a.dat', 'dir2/dir3/dir4/a.dat', 'dir5/dir6/b.dat']) sb.write(`r/${p}`, 'a');
    await sb.git(['add', '.'], { cwd: dir });
    await sb.git(['commit', '-qm', 'init'], { cwd: dir });
    pointer = (await sb.git(['cat-file', 'blob', ':a.dat'], { cwd: dir })).stdoutBuffer;
    indexBefore = (await sb.git(['ls-files', '-s'], { cwd: dir })).stdout;
  });
  afterEach(() => sb.cleanup());

  const indexUnchanged = async () => {
    expect((await sb.git(['ls-files', '-s'], { cwd: dir })).stdout).toBe(indexBefore);
    expect((await sb.git(['diff', '--cached', '--quiet'], { cwd: dir })).exitCode).toBe(0);
  };

  for (const sub of ['', 'dir5', 'dir5/dir6']) {
    it(`HR7: symlinked directories (run from ${sub || 'the root'})`, async () => {
      mkdirSync(join(sb.root, 'outside'));
      writeFileSync(join(sb.root, 'link1'), 'file target');
      rmSync(join(dir, 'dir1'), { recursive: true });
      rmSync(join(dir, 'dir2/dir3'), { recursive: true });
      symlinkSync('../outside', join(dir, 'dir1'));
      symlinkSync('../../link2-dangling', join(dir, 'dir2/dir3'));
      rmSync(join(dir, 'dir5/dir6/b.dat'));
      const r = await sb.tslfs(['checkout'], { cwd: join(dir, sub) });
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain('could not check out "dir1/a.dat": not a directory');
      expect(r.stderr).toContain('could not check out "dir2/dir3/dir4/a.dat": not a directory');
      expect(readdirSync(join(sb.root, 'outside'))).toEqual([]);
      expect(existsSync(join(sb.root, 'link2-dangling'))).toBe(false);
      expect(lstatSync(join(dir, 'dir1')).isSymbolicLink()).toBe(true);
      // Other files are still checked out.
      expect(readFileSync(join(dir, 'dir5/dir6/b.dat'), 'utf8')).toBe('a');
      await indexUnchanged();
    });

    it(`HR8: symlink at the file path, victim holding the same pointer (run from ${sub || 'the root'})`, async () => {
      writeFileSync(join(sb.root, 'victim1'), pointer);
      rmSync(join(dir, 'a.dat'));
      rmSync(join(dir, 'dir1/a.dat'));
      rmSync(join(dir, 'dir2/dir3/dir4/a.dat'));
      symlinkSync('../victim1', join(dir, 'a.dat'));
      symlinkSync('../../dangling', join(dir, 'dir1/a.dat'));
      mkdirSync(join(sb.root, 'vdir'));
      symlinkSync('../../../../vdir', join(dir, 'dir2/dir3/dir4/a.dat'));
      const r = await sb.tslfs(['checkout'], { cwd: join(dir, sub) });
      expect(r.exitCode).toBe(0);
      for (const p of ['a.dat', 'dir1/a.dat', 'dir2/dir3/dir4/a.dat']) {
        expect(r.stderr).toContain(`"${p}": not a regular file`);
        expect(lstatSync(join(dir, p)).isSymbolicLink()).toBe(true);
      }
      expect(readFileSync(join(sb.root, 'victim1'))).toEqual(pointer);
      expect(existsSync(join(sb.root, 'dangling'))).toBe(false);
      expect(readdirSync(join(sb.root, 'vdir'))).toEqual([]);
      await indexUnchanged();
    });

    it(`HR9: hard links are broken, the victim keeps the pointer (run from ${sub || 'the root'})`, async () => {
      writeFileSync(join(sb.root, 'link'), pointer);
      rmSync(join(dir, 'a.dat'));
      rmSync(join(dir, 'dir1/a.dat'));
      linkSync(join(sb.root, 'link'), join(dir, 'a.dat'));
      linkSync(join(sb.root, 'link'), join(dir, 'dir1/a.dat'));
      const r = await sb.tslfs(['checkout'], { cwd: join(dir, sub) });
      expect(r.exitCode).toBe(0);
      expect(readFileSync(join(dir, 'a.dat'), 'utf8')).toBe('a');
      expect(readFileSync(join(dir, 'dir1/a.dat'), 'utf8')).toBe('a');
      expect(readFileSync(join(sb.root, 'link'))).toEqual(pointer);
      expect(statSync(join(sb.root, 'link')).nlink).toBe(1);
      expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
    });
  }

  it('HR13: index paths that are Windows device names or end in a dot/space are never written', async () => {
    const blob = (await sb.git(['rev-parse', ':a.dat'], { cwd: dir })).stdout.trim();
    const names = ['aux.dat', 'con.dat', 'x./a.dat', 'y /a.dat'];
    for (const n of names) expect((await sb.git(['update-index', '--add', '--cacheinfo', `100644,${blob},${n}`], { cwd: dir })).exitCode).toBe(0);
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    for (const n of names) {
      expect(r.stderr).toContain(`could not check out "${n}": unsafe path`);
      expect(existsSync(join(dir, n))).toBe(false);
    }
    expect(existsSync(join(dir, 'x.'))).toBe(false);
    expect(existsSync(join(dir, 'y '))).toBe(false);
  });

  it('a file where a directory should be, and a directory where a file should be, are left alone', async () => {
    rmSync(join(dir, 'dir1'), { recursive: true });
    writeFileSync(join(dir, 'dir1'), 'a file');
    rmSync(join(dir, 'a.dat'));
    mkdirSync(join(dir, 'a.dat'));
    const r = await sb.tslfs(['checkout'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('"dir1/a.dat": not a directory');
    expect(readFileSync(join(dir, 'dir1'), 'utf8')).toBe('a file');
    expect(statSync(join(dir, 'a.dat')).isDirectory()).toBe(true);
    await indexUnchanged();
  });
});

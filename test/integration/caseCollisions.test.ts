/**
 * Case collisions on a case-insensitive file system (reliability HR11; CVE-2025-26625's
 * "case-folding collisions created by git could plant such links"; CVE-2021-21300, JGit
 * CVE-2023-4759). A commit holds both symlinks and LFS files whose names differ only in case:
 * `A.bin` -> ../link1 and `a.bin`, `dir1/a.bin` -> ../../link2 and `dir1/A.bin`, `DIR3` ->
 * ../link3 and `dir3/a.bin`, `dir1/dir2` -> ../../link4 and `dir1/DIR2/a.bin`. On a
 * case-insensitive file system each pair is one directory entry; when git leaves the symlink
 * there, `tslfs pull` and `tslfs checkout` must refuse to write through it ("not a regular
 * file", "not a directory") and touch nothing behind it. When nothing is in the way they write
 * the files.
 *
 * The file system is real: test/support/casefold_fs.py (FUSE) with real git on it.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountCaseFold, type CaseFoldMount } from '../support/caseFoldMount.js';
import { localRemoteRepo } from '../support/localRemoteRepo.js';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';

const LINKS: Array<[string, string]> = [
  ['A.bin', '../link1'],
  ['dir1/a.bin', '../../link2'],
  ['DIR3', '../link3'],
  ['dir1/dir2', '../../link4'],
];
/** The LFS file colliding with each link, and what `tslfs` says when the link is in its way. */
const FILES: Array<[string, string]> = [
  ['a.bin', 'not a regular file'],
  ['dir1/A.bin', 'not a regular file'],
  ['dir3/a.bin', 'not a directory'],
  ['dir1/DIR2/a.bin', 'not a directory'],
];
const CONTENT = 'a';

describe('case collisions on a case-insensitive file system (HR11)', () => {
  let sb: Sandbox;
  let fs: CaseFoldMount | null = null;
  let top: string; // the mount point: the links point to link1..4 here
  let clone: string;
  let oid: string;

  beforeAll(async () => {
    sb = makeSandbox();
    const work = await localRemoteRepo(sb);
    // First the links, then (keeping them in the index) the LFS files, added case-sensitively.
    mkdirSync(join(work, 'dir1'));
    for (const [p, target] of LINKS) symlinkSync(target, join(work, p));
    await sb.git(['add', '.'], { cwd: work });
    expect((await sb.git(['commit', '-qm', 'links'], { cwd: work })).exitCode).toBe(0);
    for (const [p] of LINKS) rmSync(join(work, p));
    for (const [p] of FILES) {
      mkdirSync(join(work, p, '..'), { recursive: true });
      writeFileSync(join(work, p), CONTENT);
    }
    const add = await sb.git(['-c', 'core.ignoreCase=false', 'add', ...FILES.map(([p]) => p)], { cwd: work });
    expect(add.exitCode, add.stderr).toBe(0);
    expect((await sb.git(['commit', '-qm', 'case-colliding files'], { cwd: work })).exitCode).toBe(0);
    const push = await sb.git(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });
    expect(push.exitCode, push.stderr).toBe(0);
    oid = await sha256(CONTENT);

    fs = await mountCaseFold(join(sb.root, 'ci-backing'), join(sb.root, 'ci'));
    top = fs.path;
    clone = join(top, 'clone');
    // The clone reports the collisions; the content is left as pointers for tslfs to write.
    const c = await sb.git(['clone', '-q', join(sb.root, 'remote.git'), clone], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/collided/);
  }, 60_000);

  afterAll(async () => {
    await fs?.unmount();
    sb.cleanup();
  });

  const isLink = (p: string) => lstatSync(join(clone, p)).isSymbolicLink();
  const nothingBehindLinks = () => {
    expect(existsSync(join(top, 'link1'))).toBe(false);
    expect(existsSync(join(top, 'link2'))).toBe(false);
    expect(existsSync(join(top, 'link3/a.bin'))).toBe(false);
    expect(existsSync(join(top, 'link4/a.bin'))).toBe(false);
  };
  const indexUnchanged = async () => {
    const d = await sb.git(['diff-index', '--cached', '--name-only', 'HEAD'], { cwd: clone });
    expect(d.stdout).toBe('');
  };

  it('the file system folds case: one entry for two spellings', () => {
    writeFileSync(join(top, 'Probe.TXT'), 'x');
    expect(readFileSync(join(top, 'probe.txt'), 'utf8')).toBe('x');
    rmSync(join(top, 'PROBE.txt'));
    expect(existsSync(join(top, 'Probe.TXT'))).toBe(false);
  });

  it('pull and checkout refuse to write through the links that git left in the way', async () => {
    mkdirSync(join(top, 'link3'));
    mkdirSync(join(top, 'link4'));
    // Make the links the entries on disk, whatever order git wrote the pairs in.
    for (const p of ['A.bin', 'dir1', 'DIR3']) rmSync(join(clone, p), { recursive: true, force: true });
    const co = await sb.git(['checkout', '--', ...LINKS.map(([p]) => p)], { cwd: clone });
    expect(co.exitCode, co.stderr).toBe(0);
    // Each link now answers to its LFS file's spelling too.
    for (const [p] of LINKS) expect(isLink(p)).toBe(true);
    for (const p of ['a.bin', 'dir1/A.bin', 'dir3', 'dir1/DIR2']) expect(isLink(p)).toBe(true);

    for (const cmd of ['pull', 'checkout']) {
      const r = await sb.tslfs([cmd], { cwd: clone });
      expect(r.exitCode, r.stderr).toBe(0);
      for (const [p, why] of FILES) expect(r.stderr, cmd).toContain(`could not check out "${p}": ${why}`);
      nothingBehindLinks();
      for (const [p] of LINKS) expect(isLink(p)).toBe(true);
      await indexUnchanged();
    }
    // pull fetched the object all the same.
    expect(existsSync(join(clone, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(true);
  });

  it('with nothing in the way, checkout writes every file, and nothing lands behind a link', async () => {
    for (const p of ['A.bin', 'dir1', 'DIR3']) rmSync(join(clone, p), { recursive: true, force: true });
    const r = await sb.tslfs(['checkout'], { cwd: clone });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const [p] of FILES) {
      expect(lstatSync(join(clone, p)).isFile()).toBe(true);
      expect(readFileSync(join(clone, p), 'utf8')).toBe(CONTENT);
    }
    nothingBehindLinks();
    await indexUnchanged();
  });

  it('a clone through tslfs filter-process with delayed checkout writes nothing into .git/hooks (CVE-2021-21300)', async () => {
    // `A/post-checkout` is an LFS file (its object is not local when cloning, so tslfs delays
    // it) and `a` is a link to .git/hooks: on this file system `a` replaces the directory `A`
    // before the delayed content arrives. Git must not write it through the link, and tslfs
    // must not be the way around that.
    const src = await sb.initRepo('hooks-src', 'tslfs');
    writeFileSync(join(src, '.gitattributes'), 'A/* filter=lfs diff=lfs merge=lfs -text\n');
    mkdirSync(join(src, 'A'));
    writeFileSync(join(src, 'A/post-checkout'), '#!/bin/sh\necho PWNED >"$GIT_DIR/../pwned"\n', { mode: 0o755 });
    symlinkSync('.git/hooks', join(src, 'a'));
    await sb.git(['add', '.'], { cwd: src });
    expect((await sb.git(['commit', '-qm', 'hook via link'], { cwd: src })).exitCode).toBe(0);
    await sb.git(['init', '-q', '--bare', join(sb.root, 'hooks.git')]);
    await sb.git(['remote', 'add', 'origin', join(sb.root, 'hooks.git')], { cwd: src });
    const push = await sb.git(['push', '-q', 'origin', 'HEAD:main'], { cwd: src });
    expect(push.exitCode, push.stderr).toBe(0);

    const dest = join(top, 'hooks-clone');
    const r = await sb.git(['clone', '-q', join(sb.root, 'hooks.git'), dest], { env: { GIT_TRACE_PACKET: join(sb.root, 'hooks-packet.log') } });
    // The content really was delayed (the CVE's precondition).
    expect(readFileSync(join(sb.root, 'hooks-packet.log'), 'latin1')).toContain('status=delayed');
    // tslfs's own hook may be there (installed with the filters); the repository's never is.
    const hook = join(dest, '.git/hooks/post-checkout');
    expect(readFileSync(hook, 'utf8')).toContain('tslfs');
    expect(readFileSync(hook, 'utf8')).not.toContain('PWNED');
    expect(existsSync(join(dest, 'pwned'))).toBe(false);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/collided/);
  });
});

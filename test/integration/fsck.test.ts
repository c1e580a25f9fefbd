/**
 * `tslfs fsck` on repositories made with git-lfs as the filter; F12 store corruption cases and
 * pointer checks, compared with git-lfs 3.3.0 where its output is well-defined.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, utimesSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeSandbox, sha256, TSLFS_BIN, type RunResult, type Sandbox } from '../support/sandbox.js';

const NOBODY = 65534;

/** Run tslfs as an unprivileged user: permission bits do not stop root, so root hands the sandbox to nobody. */
async function tslfsUnprivileged(sb: Sandbox, args: string[], cwd: string): Promise<RunResult> {
  if (process.getuid?.() !== 0) return sb.tslfs(args, { cwd });
  await execa('chown', ['-R', `${NOBODY}:${NOBODY}`, sb.root]);
  const r = await execa('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, TSLFS_BIN, ...args], {
    cwd,
    env: sb.env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
  });
  await execa('chown', ['-R', '0:0', sb.root]);
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 1, stdoutBuffer: Buffer.from(r.stdout) };
}

const objPath = (dir: string, oid: string) => join(dir, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid);

async function lfsRepo(sb: Sandbox, name: string, files: Record<string, string>): Promise<string> {
  const dir = await sb.initRepo(name, 'git-lfs');
  sb.write(`${name}/.gitattributes`, '*.dat filter=lfs diff=lfs merge=lfs -text\n');
  for (const [p, c] of Object.entries(files)) sb.write(`${name}/${p}`, c);
  await sb.git(['add', '.'], { cwd: dir });
  expect((await sb.git(['commit', '-qm', 'first commit'], { cwd: dir })).exitCode).toBe(0);
  // Make the index entries non-racy (older mtimes, refreshed once now), so that no later git
  // command re-runs git-lfs's clean filter, which would silently re-create the objects these
  // tests corrupt or remove.
  const past = new Date(Date.now() - 10_000);
  for (const p of Object.keys(files)) utimesSync(join(dir, p), past, past);
  await sb.git(['update-index', '-q', '--refresh'], { cwd: dir });
  return dir;
}

type Corruption = (path: string) => void;
const CORRUPTIONS: Record<string, Corruption> = {
  flipped: (p) => {
    const b = readFileSync(p);
    b[0] = b[0]! ^ 0xff;
    writeFileSync(p, b);
  },
  truncated: (p) => truncateSync(p, 3),
  'zero-length': (p) => truncateSync(p, 0),
};

describe('tslfs fsck --objects', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('says OK for a healthy repository, like git-lfs', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'test data\n', 'b.dat': 'test data 2\n' });
    const r = await sb.tslfs(['fsck'], { cwd: dir });
    expect([r.exitCode, r.stdout]).toEqual([0, 'Git LFS fsck OK\n']);
    expect(r.stdout).toBe((await sb.gitLfs(['fsck'], { cwd: dir })).stdout);
  });

  for (const [name, corrupt] of Object.entries(CORRUPTIONS)) {
    it(`${name} object: corruptObject, moved to bad/ (not with --dry-run), same output as git-lfs`, async () => {
      const files = { 'a.dat': 'test data\n', 'b.dat': 'test data 2\n' };
      const ours = await lfsRepo(sb, 'ours', files);
      const theirs = await lfsRepo(sb, 'theirs', files);
      const oid = await sha256('test data\n');
      for (const d of [ours, theirs]) corrupt(objPath(d, oid));
      const corruptBytes = readFileSync(objPath(ours, oid));

      const dry = await sb.tslfs(['fsck', '--dry-run'], { cwd: ours });
      expect(dry.exitCode).toBe(1);
      expect(dry.stdout).toBe(`objects: corruptObject: a.dat (${oid}) is corrupt\n`);
      expect(dry.stdout).toBe((await sb.gitLfs(['fsck', '--dry-run'], { cwd: theirs })).stdout);
      expect(readFileSync(objPath(ours, oid))).toEqual(corruptBytes);
      expect(existsSync(join(ours, '.git/lfs/bad'))).toBe(false);

      const r = await sb.tslfs(['fsck'], { cwd: ours });
      const g = await sb.gitLfs(['fsck'], { cwd: theirs });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe(g.stdout.replaceAll(theirs, ours));
      expect(r.stdout).toBe(`objects: corruptObject: a.dat (${oid}) is corrupt\nobjects: repair: moving corrupt objects to ${join(ours, '.git/lfs/bad')}\n`);
      expect(existsSync(objPath(ours, oid))).toBe(false);
      expect(readFileSync(join(ours, '.git/lfs/bad', oid))).toEqual(corruptBytes);
      // The other object is untouched.
      expect(readFileSync(objPath(ours, await sha256('test data 2\n')), 'utf8')).toBe('test data 2\n');
    });
  }

  it('missing object: openError like git-lfs, exit 1', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'test data\n' });
    const oid = await sha256('test data\n');
    rmSync(objPath(dir, oid));
    const r = await sb.tslfs(['fsck', '--objects'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(`objects: openError: a.dat (${oid}) could not be checked: no such file or directory\n`);
  });

  it('object replaced by a directory: openError, exit 1, nothing moved', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'test data\n' });
    const oid = await sha256('test data\n');
    rmSync(objPath(dir, oid));
    mkdirSync(objPath(dir, oid));
    writeFileSync(join(objPath(dir, oid), 'inside'), 'x');
    const r = await sb.tslfs(['fsck'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(`objects: openError: a.dat (${oid}) could not be checked: is a directory\n`);
    expect(readFileSync(join(objPath(dir, oid), 'inside'), 'utf8')).toBe('x');
  });

  it('object replaced by a symlink to /etc/passwd: reported, never followed or moved', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'test data\n' });
    const oid = await sha256('test data\n');
    rmSync(objPath(dir, oid));
    symlinkSync('/etc/passwd', objPath(dir, oid));
    const r = await sb.tslfs(['fsck'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(`objects: openError: a.dat (${oid}) could not be checked: is a symbolic link (not followed)\n`);
    expect(lstatSync(objPath(dir, oid)).isSymbolicLink()).toBe(true);
    expect(existsSync(join(dir, '.git/lfs/bad'))).toBe(false);
  });

  it('mode 000 object: openError "permission denied" (run unprivileged), not moved', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'test data\n' });
    const oid = await sha256('test data\n');
    chmodSync(objPath(dir, oid), 0o000);
    const r = await tslfsUnprivileged(sb, ['fsck'], dir);
    chmodSync(objPath(dir, oid), 0o644);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(`objects: openError: a.dat (${oid}) could not be checked: permission denied\n`);
    expect(readFileSync(objPath(dir, oid), 'utf8')).toBe('test data\n');
    expect(existsSync(join(dir, '.git/lfs/bad'))).toBe(false);
  });

  it('checks staged objects too, keeps an earlier bad copy, and honours lfs.fetchexclude', async () => {
    const dir = await lfsRepo(sb, 'r', { 'a.dat': 'test data\n' });
    sb.write('r/staged.dat', 'staged\n');
    await sb.git(['add', 'staged.dat'], { cwd: dir });
    const oid = await sha256('staged\n');
    mkdirSync(join(dir, '.git/lfs/bad'), { recursive: true });
    writeFileSync(join(dir, '.git/lfs/bad', oid), 'earlier');
    CORRUPTIONS['flipped']!(objPath(dir, oid));
    const excluded = await sb.tslfs(['fsck', '--objects', '--dry-run'], { cwd: dir, env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'lfs.fetchexclude', GIT_CONFIG_VALUE_0: 'staged*' } });
    expect([excluded.exitCode, excluded.stdout]).toEqual([0, 'Git LFS fsck OK\n']);
    const r = await sb.tslfs(['fsck', '--objects'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`objects: corruptObject: staged.dat (${oid}) is corrupt`);
    expect(readFileSync(join(dir, '.git/lfs/bad', oid), 'utf8')).toBe('earlier');
    expect(existsSync(join(dir, '.git/lfs/bad', `${oid}.1`))).toBe(true);
  });
});

describe('tslfs fsck --pointers', () => {
  let sb: Sandbox;
  let dir: string;
  beforeEach(async () => {
    sb = makeSandbox();
    dir = await lfsRepo(sb, 'r', { 'a.dat': 'test data\n', 'b.dat': 'test data 2\n' });
    const ptr = (await sb.git(['cat-file', 'blob', ':a.dat'], { cwd: dir })).stdout;
    sb.write('r/crlf.dat', ptr.replace(/\n/g, '\r\n'));
    sb.write('r/large.dat', 'x'.repeat(1025));
    const raw = ['-c', 'filter.lfs.process=', '-c', 'filter.lfs.clean=cat', '-c', 'filter.lfs.required=false'];
    await sb.git([...raw, 'add', 'crlf.dat', 'large.dat'], { cwd: dir });
    await sb.git(['commit', '-qm', 'second commit'], { cwd: dir });
  });
  afterEach(() => sb.cleanup());

  it('flags non-canonical pointers and files that should be pointers, exactly as git-lfs', async () => {
    for (const args of [['fsck', '--pointers'], ['fsck']]) {
      const ours = await sb.tslfs(args, { cwd: dir });
      const theirs = await sb.gitLfs(args, { cwd: dir });
      expect(ours.exitCode).toBe(1);
      // git-lfs checks concurrently, so its line order varies: compare the lines as sets.
      const lines = (s: string) => s.split('\n').sort();
      expect(lines(ours.stdout)).toEqual(lines(theirs.stdout));
    }
    const head = (await sb.git(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    const blob = (await sb.git(['rev-parse', 'HEAD:crlf.dat'], { cwd: dir })).stdout.trim();
    const oid = await sha256('test data\n');
    expect((await sb.tslfs(['fsck', '--pointers'], { cwd: dir })).stdout).toBe(
      `pointer: nonCanonicalPointer: Pointer for ${oid} (blob ${blob}) was not canonical\n` +
        `pointer: unexpectedGitObject: "large.dat" (treeish ${head}) should have been a pointer but was not\n`,
    );
  });

  it('operates on the given revisions (single commit and A..B)', async () => {
    await sb.git(['rm', '-qf', 'crlf.dat', 'large.dat'], { cwd: dir });
    await sb.git(['commit', '-qm', 'third commit'], { cwd: dir });
    await sb.git(['commit', '--allow-empty', '-qm', 'fourth commit'], { cwd: dir });
    const code = async (...a: string[]) => (await sb.tslfs(['fsck', ...a], { cwd: dir })).exitCode;
    expect(await code()).toBe(0);
    expect(await code('HEAD')).toBe(0);
    expect(await code('HEAD^^')).toBe(1);
    expect(await code('HEAD^')).toBe(0);
    expect(await code('HEAD^..HEAD')).toBe(0);
    expect(await code('HEAD^^^..HEAD')).toBe(1);
    expect(await code('HEAD^^^..HEAD^')).toBe(1);
    const bad = await sb.tslfs(['fsck', 'nosuchref'], { cwd: dir });
    expect([bad.exitCode, bad.stderr]).toEqual([2, 'Git can\'t resolve ref: "nosuchref"\n']);
  });

  it('does not flag symlinks, negated patterns or repositories without LFS files', async () => {
    const other = await sb.initRepo('o', 'git-lfs');
    sb.write('o/.gitattributes', '*.dat filter=lfs diff=lfs merge=lfs -text\nb.dat !filter !diff !merge text\n');
    sb.write('o/a.dat', '# Test\n');
    sb.write('o/b.dat', '# Test\n');
    symlinkSync('a.dat', join(other, 'c.dat'));
    await sb.git(['add', '.'], { cwd: other });
    await sb.git(['commit', '-qm', 'x'], { cwd: other });
    const r = await sb.tslfs(['fsck', '--pointers'], { cwd: other });
    expect([r.exitCode, r.stdout]).toEqual([0, 'Git LFS fsck OK\n']);
    const plain = await sb.initRepo('p', 'git-lfs');
    sb.write('p/README.md', '# README\n');
    await sb.git(['add', '.'], { cwd: plain });
    await sb.git(['commit', '-qm', 'x'], { cwd: plain });
    expect((await sb.tslfs(['fsck'], { cwd: plain })).exitCode).toBe(0);
  });

  it('fails outside a repository with exit 128', async () => {
    const r = await sb.tslfs(['fsck'], { cwd: sb.root });
    expect(r.exitCode).toBe(128);
  });
});

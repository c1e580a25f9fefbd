// `tslfs status` (plain, --porcelain, --json) side by side with git-lfs 3.3.0 in repositories
// made with git-lfs as the filter: stdout byte for byte and the exit code, with staged,
// unstaged, renamed, deleted, not-yet-LFS and missing objects, an upstream to push to, from a
// subdirectory, before the first commit, detached, bare, and with unusual path names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;

beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

async function gitIn(dir: string, ...args: string[]): Promise<string> {
  const r = await sb.git(args, { cwd: dir });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function put(dir: string, rel: string, data: string | Buffer): void {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
}

async function same(dir: string, args: string[] = []) {
  // Sequential: both runs may let git run the clean filter on new files.
  const a = await sb.gitLfs(['status', ...args], { cwd: dir });
  const b = await sb.tslfs(['status', ...args], { cwd: dir });
  expect({ args, out: b.stdout, code: b.exitCode }).toEqual({ args, out: a.stdout, code: a.exitCode });
  return a;
}

async function allFormats(dir: string) {
  const plain = await same(dir);
  const porcelain = await same(dir, ['--porcelain']);
  const json = await same(dir, ['--json']);
  await same(dir, ['-p']);
  await same(dir, ['-j']);
  return { plain: plain.stdout, porcelain: porcelain.stdout, json: json.stdout };
}

describe('status', () => {
  let dir: string;
  beforeAll(async () => {
    const remote = join(sb.root, 'remote.git');
    await sb.git(['init', '-q', '--bare', remote]);
    dir = await sb.initRepo('repo', 'git-lfs');
    await sb.gitLfs(['track', '*.bin'], { cwd: dir });
    for (const n of ['a', 'b', 'c', 'd', 'ren', 'keep']) put(dir, `${n}.bin`, `${n}\n`);
    put(dir, 't.txt', 'txt\n');
    put(dir, 'g.dat', 'g\n');
    await gitIn(dir, 'add', '.');
    await gitIn(dir, 'commit', '-qm', 'one');
    await gitIn(dir, 'remote', 'add', 'origin', remote);
    // Push without the pre-push hook (no LFS server here); only the remote-tracking ref matters.
    await gitIn(dir, 'push', '-q', '--no-verify', '-u', 'origin', 'main');
    put(dir, 'x.bin', 'x\n');
    put(dir, 'empty.bin', '');
    await gitIn(dir, 'add', 'x.bin', 'empty.bin');
    await gitIn(dir, 'commit', '-qm', 'two');
    put(dir, 'a.bin', 'A2\n');
    await gitIn(dir, 'add', 'a.bin'); // staged LFS -> LFS
    put(dir, 'b.bin', 'bb\n'); // unstaged
    await gitIn(dir, 'rm', '-q', 'c.bin'); // staged deletion
    rmSync(join(dir, 'd.bin')); // unstaged deletion
    put(dir, 'new.bin', 'n\n');
    await gitIn(dir, 'add', 'new.bin');
    put(dir, 'new.bin', 'n2\n'); // added, then changed
    put(dir, 't.txt', 'txt2\n');
    await gitIn(dir, 'add', 't.txt'); // not LFS
    await gitIn(dir, 'mv', 'ren.bin', 'ren2.bin');
    put(dir, '.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n*.dat filter=lfs diff=lfs merge=lfs -text\n');
    await gitIn(dir, 'add', '--renormalize', 'g.dat'); // Git -> LFS
    await gitIn(dir, 'rm', '-q', '--cached', 'keep.bin'); // removed from the index, file kept
    put(dir, 'sub/s.bin', 's\n');
    await gitIn(dir, 'add', 'sub/s.bin');
    put(dir, 'untracked.bin', 'u\n');
  });

  it('matches git-lfs in every format, with objects to push', async () => {
    const r = await allFormats(dir);
    expect(r.plain).toMatch(/^On branch main\nObjects to be pushed to origin\/main:\n\n/);
    expect(r.plain).toContain('\tx.bin (');
    expect(r.plain).toContain('\tempty.bin (e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855)\n');
    expect(r.plain).toContain('\tren.bin -> ren2.bin (LFS: ');
    expect(r.plain).toContain('\tc.bin (LFS: ');
    expect(r.plain).toContain(' -> File: deleted)');
    expect(r.plain).toContain('\tg.dat (Git: ');
    expect(r.porcelain).toContain('R  ren.bin -> ren2.bin\n');
    expect(r.porcelain).toContain(' M t.txt\n');
    expect(JSON.parse(r.json)).toMatchObject({ files: { 'ren2.bin': { status: 'R', from: 'ren.bin' }, 'a.bin': { status: 'M' } } });
  });

  it('matches from a subdirectory (paths relative to it)', async () => {
    const r = await allFormats(join(dir, 'sub'));
    expect(r.plain).toContain('\t../a.bin (LFS: ');
  });

  it('leaves out the push section without an upstream, and when detached', async () => {
    await gitIn(dir, 'config', 'branch.main.merge', 'refs/heads/other');
    await same(dir); // refs/remotes/origin/other does not exist
    await gitIn(dir, 'config', 'branch.main.merge', 'refs/heads/main');
    await gitIn(dir, 'config', '--unset', 'branch.main.remote');
    const noUp = await same(dir);
    expect(noUp.stdout).toMatch(/^On branch main\n\nObjects to be committed:/);
    await gitIn(dir, 'config', 'branch.main.remote', 'origin');
    const clean = await sb.initRepo('detached', 'git-lfs');
    await sb.gitLfs(['track', '*.bin'], { cwd: clean });
    put(clean, 'a.bin', 'a\n');
    await gitIn(clean, 'add', '.');
    await gitIn(clean, 'commit', '-qm', 'a');
    await gitIn(clean, 'checkout', '-q', '--detach');
    put(clean, 'a.bin', 'changed\n');
    const det = await same(clean);
    expect(det.stdout).toMatch(/^On branch HEAD\n/);
    await same(clean, ['--json']);
  });

  it('before the first commit, and with nothing to report', async () => {
    const fresh = await sb.initRepo('fresh', 'git-lfs');
    const empty = await allFormats(fresh);
    expect(empty.json).toBe('{"files":{}}\n');
    await sb.gitLfs(['track', '*.bin'], { cwd: fresh });
    put(fresh, 'a.bin', 'some data');
    put(fresh, 'b.bin', 'some data');
    await gitIn(fresh, 'add', '.');
    put(fresh, 'b.bin', 'other data');
    const r = await allFormats(fresh);
    expect(r.plain).toMatch(/^\nObjects to be committed:\n\n/);
  });

  it('file replaced by a directory, and missing blobs', async () => {
    const d = await sb.initRepo('fd', 'git-lfs');
    await sb.gitLfs(['track', '*.dat'], { cwd: d });
    await gitIn(d, 'add', '.gitattributes');
    await gitIn(d, 'commit', '-qm', 'init');
    put(d, 'test', 'file');
    put(d, 'b.dat', 'b');
    await gitIn(d, 'add', 'test', 'b.dat');
    await gitIn(d, 'commit', '-qm', 't');
    await gitIn(d, 'rm', '-q', 'test');
    put(d, 'test/a.dat', 'a');
    await gitIn(d, 'add', 'test');
    const blob = (await gitIn(d, 'rev-parse', 'HEAD:b.dat')).trim();
    rmSync(join(d, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    put(d, 'b.dat', 'c');
    await gitIn(d, 'add', 'b.dat');
    const r = await allFormats(d);
    expect(r.plain).toContain('\ttest (Git: ');
    expect(r.plain).toContain('\tb.dat (?: <missing> -> LFS: ');
  });

  it('a permission change shows nothing', async () => {
    const d = await sb.initRepo('perm', 'git-lfs');
    await sb.gitLfs(['track', '*.dat'], { cwd: d });
    put(d, 'a.dat', 'contents');
    await gitIn(d, 'add', '.');
    await gitIn(d, 'commit', '-qm', 'a');
    await sb.run('chmod', ['400', join(d, 'a.dat')]);
    await allFormats(d);
  });

  it('needs a work tree and a repository (exit 128)', async () => {
    const bare = join(sb.root, 'bare.git');
    await sb.git(['init', '-q', '--bare', bare]);
    const a = await same(bare);
    expect(a.exitCode).toBe(128);
    expect(a.stdout).toBe('This operation must be run in a work tree.\n');
    const out = await same(sb.home);
    expect(out.exitCode).toBe(128);
    expect(out.stdout).toBe('Not in a Git repository.\n');
  });

  it('quotes unusual names as git-lfs does and escapes control characters', async () => {
    const d = await sb.initRepo('names', 'git-lfs');
    await sb.gitLfs(['track', '*.bin'], { cwd: d });
    await gitIn(d, 'add', '.gitattributes');
    await gitIn(d, 'commit', '-qm', 'init');
    const plain = ['sp ace.bin', '-lead.bin', '<&>.bin', 'ünï.bin', 'q"uote.bin'];
    for (const n of plain) put(d, n, `${n}\n`);
    await sb.git(['add', '--', ...plain], { cwd: d });
    await same(d);
    await same(d, ['--porcelain']);
    // JSON keys are git's quoted names too, as git-lfs reads them from diff-index.
    expect((await same(d, ['--json'])).stdout).toContain('"\\"\\\\303\\\\274n\\\\303\\\\257.bin\\"":{"status":"A"}');
    await gitIn(d, 'config', 'core.quotePath', 'false');
    expect((await same(d)).stdout).toContain('\tünï.bin (LFS: ');
    await same(d, ['--porcelain']);
    expect((await same(d, ['--json'])).stdout).toContain('"ünï.bin":{"status":"A"}');
    await gitIn(d, 'config', '--unset', 'core.quotePath');
    await gitIn(d, 'commit', '-qm', 'names');
    await gitIn(d, 'mv', '--', '-lead.bin', '-lead2.bin');
    put(d, 'sp ace.bin', 'changed\n');
    await same(d);
    await same(d, ['--porcelain']);
    const ctl = ['esc\x1b[31mred.bin', 'cr\rx.bin', 'nl\nx.bin', 'rlo\u202e.bin'];
    for (const n of ctl) put(d, n, `${n}\n`);
    await gitIn(d, 'add', '.');
    for (const args of [[], ['--porcelain']]) {
      const r = await sb.tslfs(['status', ...args], { cwd: d });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
      expect(r.stdout).toContain('"esc\\033[31mred.bin"');
    }
    const json = JSON.parse((await same(d, ['--json'])).stdout) as { files: Record<string, unknown> };
    expect(json.files['"esc\\033[31mred.bin"']).toEqual({ status: 'A' });
  });
});

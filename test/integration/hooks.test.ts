import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLockableHook } from '../../src/api/lockableHook.js';
import { makeSandbox, TSLFS_BIN, TSLFS_CMD, type Sandbox } from '../support/sandbox.js';
import { installHooksQuietly } from '../../src/ops/hooks.js';
import { openRepo } from '../../src/ops/repoContext.js';

const HOOKS = ['pre-push', 'post-checkout', 'post-commit', 'post-merge'];
const FOREIGN = '#!/bin/sh\necho mine\n';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

const hookPath = (dir: string, h: string) => join(dir, h);
const isOurs = (text: string, h: string) => text.startsWith('#!/bin/sh\n') && text.endsWith(`\n${TSLFS_CMD} ${h} "$@"\n`);

describe('hook installation', () => {
  it('never clobbers a foreign hook; --force overwrites; --manual prints', async () => {
    const repo = await sb.initRepo('r', 'none');
    const hooks = join(repo, '.git', 'hooks');
    writeFileSync(join(hooks, 'pre-push'), FOREIGN, { mode: 0o755 });
    const r = await sb.tslfs(['update'], { cwd: repo });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'Hook already exists: pre-push\n\n\t#!/bin/sh\n\techo mine\n\n' +
        'To resolve this, either:\n' +
        '  1: run `tslfs update --manual` for instructions on how to merge hooks.\n' +
        '  2: run `tslfs update --force` to overwrite your hook.\n',
    );
    expect(readFileSync(join(hooks, 'pre-push'), 'utf8')).toBe(FOREIGN);
    // install reports the same and exits 2 without "Git LFS initialized."
    const i = await sb.tslfs(['install', '--local'], { cwd: repo });
    expect(i.exitCode).toBe(2);
    expect(i.stderr).toContain('Hook already exists: pre-push');
    expect(i.stdout).not.toContain('Git LFS initialized.');

    const m = await sb.tslfs(['update', '--manual'], { cwd: repo });
    expect(m.exitCode).toBe(0);
    expect(m.stdout).toContain(`Add the following to '.git/hooks/pre-push':\n\n\t#!/bin/sh\n`);
    expect(readFileSync(join(hooks, 'pre-push'), 'utf8')).toBe(FOREIGN);

    const both = await sb.tslfs(['update', '--manual', '--force'], { cwd: repo });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('You cannot use --force and --manual options together');

    const f = await sb.tslfs(['update', '--force'], { cwd: repo });
    expect(f.exitCode).toBe(0);
    expect(f.stdout).toBe('Updated Git hooks.\n');
    for (const h of HOOKS) {
      expect(isOurs(readFileSync(hookPath(hooks, h), 'utf8'), h)).toBe(true);
      expect(statSync(hookPath(hooks, h)).mode & 0o111).toBe(0o111);
    }
  });

  it('upgrades hooks written by git-lfs, and git-lfs does not take ours for its own', async () => {
    const repo = await sb.initRepo('r', 'none');
    const hooks = join(repo, '.git', 'hooks');
    expect((await sb.gitLfs(['install', '--local'], { cwd: repo })).exitCode).toBe(0);
    expect(readFileSync(join(hooks, 'pre-push'), 'utf8')).toContain('git lfs pre-push "$@"');
    // An older git-lfs pre-push too.
    writeFileSync(join(hooks, 'pre-push'), '#!/bin/sh\ngit lfs push --stdin $*\n');
    const r = await sb.tslfs(['update'], { cwd: repo });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    for (const h of HOOKS) expect(isOurs(readFileSync(hookPath(hooks, h), 'utf8'), h)).toBe(true);
    const back = await sb.gitLfs(['update'], { cwd: repo });
    expect(back.exitCode).toBe(2);
    expect(back.stderr).toContain('Hook already exists: pre-push');
  });

  it('rewrites its own hooks from another command form', async () => {
    const repo = await sb.initRepo('r', 'none');
    const hooks = join(repo, '.git', 'hooks');
    const { hookScript } = await import('../../src/ops/hooks.js');
    writeFileSync(join(hooks, 'post-commit'), hookScript('post-commit', 'tslfs'), { mode: 0o755 });
    expect((await sb.tslfs(['update'], { cwd: repo })).exitCode).toBe(0);
    expect(isOurs(readFileSync(join(hooks, 'post-commit'), 'utf8'), 'post-commit')).toBe(true);
  });

  it('uses core.hooksPath, absolute or relative to the work tree root', async () => {
    const repo = await sb.initRepo('r', 'none');
    mkdirSync(join(repo, 'sub', 'deeper'), { recursive: true });
    await sb.git(['config', 'core.hooksPath', 'myhooks'], { cwd: repo });
    const r = await sb.tslfs(['update'], { cwd: join(repo, 'sub', 'deeper') });
    expect(r.exitCode).toBe(0);
    for (const h of HOOKS) {
      expect(existsSync(join(repo, 'myhooks', h))).toBe(true);
      expect(existsSync(join(repo, '.git', 'hooks', h))).toBe(false);
    }
    const m = await sb.tslfs(['update', '--manual'], { cwd: repo });
    expect(m.stdout).toContain(`Add the following to 'myhooks/post-merge':`);

    const abs = join(sb.root, 'abs-hooks');
    await sb.git(['config', 'core.hooksPath', abs], { cwd: repo });
    expect((await sb.tslfs(['install', '--local'], { cwd: join(repo, 'sub') })).exitCode).toBe(0);
    for (const h of HOOKS) expect(isOurs(readFileSync(join(abs, h), 'utf8'), h)).toBe(true);
    // git really runs them from there.
    const pc = await sb.git(['commit', '-q', '--allow-empty', '-m', 'x'], { cwd: repo });
    expect(pc.exitCode).toBe(0);

    const un = await sb.tslfs(['uninstall', '--local'], { cwd: repo });
    expect(un.exitCode).toBe(0);
    for (const h of HOOKS) expect(existsSync(join(abs, h))).toBe(false);
    expect(existsSync(join(repo, 'myhooks', 'pre-push'))).toBe(true);
  });

  it('works in a bare repository (hooks dir, relative core.hooksPath against the git dir)', async () => {
    const bare = join(sb.root, 'b.git');
    await sb.git(['init', '-q', '--bare', bare]);
    const r = await sb.tslfs(['update'], { cwd: bare });
    expect(r.exitCode).toBe(0);
    for (const h of HOOKS) expect(existsSync(join(bare, 'hooks', h))).toBe(true);
    await sb.git(['config', 'core.hooksPath', 'hk'], { cwd: bare });
    mkdirSync(join(bare, 'refs', 'x'), { recursive: true });
    expect((await sb.tslfs(['update'], { cwd: join(bare, 'refs') })).exitCode).toBe(0);
    for (const h of HOOKS) expect(existsSync(join(bare, 'hk', h))).toBe(true);
    const i = await sb.tslfs(['install', '--local'], { cwd: bare });
    expect(i.exitCode).toBe(0);
    expect(i.stdout).toBe('Updated Git hooks.\nGit LFS initialized.\n');
  });

  it('update outside a repository fails', async () => {
    const r = await sb.tslfs(['update']);
    expect(r.exitCode).toBe(128);
  });

  it('installHooksQuietly writes only missing hooks and never throws', async () => {
    const repo = await sb.initRepo('r', 'none');
    const hooks = join(repo, '.git', 'hooks');
    writeFileSync(join(hooks, 'pre-push'), FOREIGN, { mode: 0o755 });
    writeFileSync(join(hooks, 'post-merge'), '#!/bin/sh\ngit lfs post-merge "$@"\n', { mode: 0o755 });
    const ctx = await openRepo({ cwd: repo, env: sb.env });
    const self = { nodePath: process.execPath, binPath: TSLFS_BIN };
    expect(await installHooksQuietly(ctx, self)).toEqual(['post-checkout', 'post-commit']);
    expect(readFileSync(join(hooks, 'pre-push'), 'utf8')).toBe(FOREIGN);
    expect(readFileSync(join(hooks, 'post-merge'), 'utf8')).toContain('git lfs post-merge');
    expect(isOurs(readFileSync(join(hooks, 'post-commit'), 'utf8'), 'post-commit')).toBe(true);
    expect(await installHooksQuietly(ctx, self)).toEqual([]);
    // An unwritable hooks dir: no throw.
    const ro = await sb.initRepo('ro', 'none');
    const roCtx = await openRepo({ cwd: ro, env: sb.env });
    writeFileSync(join(sb.root, 'notadir'), 'x');
    const broken = { ...roCtx, repo: { ...roCtx.repo, commonDir: join(sb.root, 'notadir') } };
    expect(await installHooksQuietly(broken, self)).toEqual([]);
  });
});

describe('lockable files after checkout, commit and merge', () => {
  async function lockRepo(): Promise<string> {
    const repo = await sb.initRepo('r', 'none');
    expect((await sb.tslfs(['update'], { cwd: repo })).exitCode).toBe(0);
    sb.write('r/.gitattributes', '*.psd lockable\n');
    sb.write('r/art.psd', 'v1\n');
    sb.write('r/notes.txt', 'n1\n');
    await sb.git(['add', '.'], { cwd: repo });
    return repo;
  }
  const writable = (p: string) => (statSync(p).mode & 0o200) !== 0;

  it('post-commit makes committed lockable files read-only, and only them', async () => {
    const repo = await lockRepo();
    const c = await sb.git(['commit', '-qm', 'one'], { cwd: repo });
    expect(c.exitCode).toBe(0);
    expect(c.stderr).toBe('');
    expect(writable(join(repo, 'art.psd'))).toBe(false);
    expect(writable(join(repo, 'notes.txt'))).toBe(true);
  });

  it('finds `lockable` in a nested .gitattributes when the hook runs from a subdirectory', async () => {
    const repo = await sb.initRepo('r', 'none');
    sb.write('r/sub/deep/.gitattributes', '*.psd lockable\n');
    sb.write('r/sub/deep/a.psd', 'x\n');
    sb.write('r/other/b.txt', 'y\n');
    await sb.git(['add', '.'], { cwd: repo });
    const changed = await runLockableHook({ cwd: join(repo, 'other'), env: sb.env, event: { hook: 'post-merge' } });
    expect(changed).toEqual(['sub/deep/a.psd']);
    expect(writable(join(repo, 'sub/deep/a.psd'))).toBe(false);
    expect(writable(join(repo, 'other/b.txt'))).toBe(true);
    // Outside a repository: nothing, no error.
    expect(await runLockableHook({ cwd: sb.root, env: sb.env, event: { hook: 'post-merge' } })).toEqual([]);
  });

  it('post-checkout of a branch touches only changed files; a file checkout and post-merge touch all', async () => {
    const repo = await lockRepo();
    sb.write('r/same.psd', 's\n');
    await sb.git(['add', '.'], { cwd: repo });
    await sb.git(['commit', '-qm', 'one'], { cwd: repo });
    await sb.git(['checkout', '-qb', 'other'], { cwd: repo });
    chmodSync(join(repo, 'art.psd'), 0o644);
    writeFileSync(join(repo, 'art.psd'), 'v2\n');
    await sb.git(['commit', '-qam', 'two'], { cwd: repo });
    expect(writable(join(repo, 'art.psd'))).toBe(false);
    // Unchanged between the branches: stays as the user left it.
    chmodSync(join(repo, 'same.psd'), 0o644);
    const co = await sb.git(['checkout', '-q', 'main'], { cwd: repo });
    expect(co.exitCode).toBe(0);
    expect(readFileSync(join(repo, 'art.psd'), 'utf8')).toBe('v1\n');
    expect(writable(join(repo, 'art.psd'))).toBe(false);
    expect(writable(join(repo, 'same.psd'))).toBe(true);
    // A file checkout (flag 0) does not say which files: all lockable files.
    await sb.git(['checkout', '-q', '--', 'notes.txt'], { cwd: repo });
    expect(writable(join(repo, 'same.psd'))).toBe(false);
    // post-merge: all lockable files.
    chmodSync(join(repo, 'same.psd'), 0o644);
    const mg = await sb.git(['merge', '-q', '--no-edit', 'other'], { cwd: repo });
    expect(mg.exitCode).toBe(0);
    expect(writable(join(repo, 'same.psd'))).toBe(false);
    expect(writable(join(repo, 'notes.txt'))).toBe(true);
  });

  it('does nothing when disabled by lfs.setlockablereadonly or GIT_LFS_SET_LOCKABLE_READONLY', async () => {
    const repo = await lockRepo();
    await sb.git(['config', 'lfs.setlockablereadonly', 'false'], { cwd: repo });
    await sb.git(['commit', '-qm', 'one'], { cwd: repo });
    expect(writable(join(repo, 'art.psd'))).toBe(true);
    await sb.git(['config', '--unset', 'lfs.setlockablereadonly'], { cwd: repo });
    const r = await sb.tslfs(['post-checkout', 'a'.repeat(40), 'a'.repeat(40), '0'], { cwd: repo, env: { GIT_LFS_SET_LOCKABLE_READONLY: '0' } });
    expect(r.exitCode).toBe(0);
    expect(writable(join(repo, 'art.psd'))).toBe(true);
    const r2 = await sb.tslfs(['post-merge', '0'], { cwd: repo });
    expect(r2.exitCode).toBe(0);
    expect(writable(join(repo, 'art.psd'))).toBe(false);
  });

  it('leaves everything alone without a lockable attribute, and validates arguments', async () => {
    const repo = await sb.initRepo('r', 'none');
    sb.write('r/.gitattributes', '*.psd -text\n');
    sb.write('r/art.psd', 'v1\n');
    await sb.git(['add', '.'], { cwd: repo });
    await sb.git(['commit', '-qm', 'one'], { cwd: repo });
    for (const args of [['post-checkout', '0'.repeat(40), 'a'.repeat(40), '1'], ['post-commit'], ['post-merge', '1']]) {
      const r = await sb.tslfs(args, { cwd: repo });
      expect(r.exitCode, args[0]).toBe(0);
      expect(r.stdout + r.stderr).toBe('');
    }
    expect(writable(join(repo, 'art.psd'))).toBe(true);
    // info/attributes counts as an attribute source.
    writeFileSync(join(repo, '.git', 'info', 'attributes'), '*.psd lockable\n');
    await sb.tslfs(['post-merge', '0'], { cwd: repo });
    expect(writable(join(repo, 'art.psd'))).toBe(false);

    const bad = await sb.tslfs(['post-checkout', 'x'], { cwd: repo });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe("This should be run through Git's post-checkout hook.  Run `tslfs update` to install it.\n");
    expect((await sb.tslfs(['post-merge'], { cwd: repo })).exitCode).toBe(1);
    // Outside a repository: nothing to do.
    expect((await sb.tslfs(['post-commit'])).exitCode).toBe(0);
  });
});

describe('pre-push', () => {
  async function pushSetup(withLfs: boolean) {
    const repo = await sb.initRepo('r', 'tslfs');
    const remote = join(sb.root, 'remote.git');
    await sb.git(['init', '-q', '--bare', remote]);
    await sb.git(['remote', 'add', 'origin', remote], { cwd: repo });
    expect((await sb.tslfs(['update'], { cwd: repo })).exitCode).toBe(0);
    if (withLfs) sb.write('r/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    sb.write('r/a.bin', 'content\n');
    await sb.git(['add', '.'], { cwd: repo });
    await sb.git(['commit', '-qm', 'one'], { cwd: repo });
    return { repo, remote };
  }

  it('lets a push without LFS objects through', async () => {
    const { repo, remote } = await pushSetup(false);
    const p = await sb.git(['push', '-q', 'origin', 'main'], { cwd: repo });
    expect(p.exitCode).toBe(0);
    expect((await sb.git(['rev-parse', 'main'], { cwd: remote })).exitCode).toBe(0);
  });

  it('uploads nothing with GIT_LFS_SKIP_PUSH, then uploads on a real push', async () => {
    const { repo, remote } = await pushSetup(true);
    const s = await sb.git(['push', '-q', 'origin', 'main'], { cwd: repo, env: { GIT_LFS_SKIP_PUSH: '1' } });
    expect(s.exitCode).toBe(0);
    expect(existsSync(join(remote, 'lfs', 'objects'))).toBe(false);
    const p = await sb.git(['push', '-q', '--force', 'origin', 'HEAD:refs/heads/other'], { cwd: repo });
    expect(p.exitCode, p.stderr).toBe(0);
    // refs/remotes/origin/main already has the commit, so nothing is uploaded for it.
    expect(existsSync(join(remote, 'lfs', 'objects'))).toBe(false);
    expect((await sb.tslfs(['push', 'origin', '--all'], { cwd: repo })).exitCode).toBe(0);
    expect(existsSync(join(remote, 'lfs', 'objects'))).toBe(true);
    // Now the remote has the commit: pushing again has nothing new (and a deletion pushes nothing).
    const head = (await sb.git(['rev-parse', 'HEAD'], { cwd: repo })).stdout.trim();
    await sb.git(['fetch', '-q', 'origin'], { cwd: repo });
    const again = await sb.tslfs(['pre-push', 'origin', remote], { cwd: repo, input: `refs/heads/main ${head} refs/heads/main ${head}\n` });
    expect(again.exitCode).toBe(0);
    const del = await sb.tslfs(['pre-push', 'origin', remote], { cwd: repo, input: `(delete) ${'0'.repeat(40)} refs/heads/x ${head}\n` });
    expect(del.exitCode).toBe(0);
    expect((await sb.tslfs(['pre-push'], { cwd: repo })).exitCode).toBe(1);
  });
});

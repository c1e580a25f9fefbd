import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, shq, TSLFS_BIN, TSLFS_CMD, type Sandbox } from '../support/sandbox.js';

const HOOKS = ['pre-push', 'post-checkout', 'post-commit', 'post-merge'];

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

async function cfg(file: string, key: string): Promise<string | undefined> {
  const r = await sb.git(['config', '--file', file, '--get', key]);
  return r.exitCode === 0 ? r.stdout.replace(/\n$/, '') : undefined;
}

async function filterIn(file: string) {
  return {
    clean: await cfg(file, 'filter.lfs.clean'),
    smudge: await cfg(file, 'filter.lfs.smudge'),
    process: await cfg(file, 'filter.lfs.process'),
    required: await cfg(file, 'filter.lfs.required'),
  };
}

const expected = (cmd: string, skip = false) => ({
  clean: `${cmd} clean -- %f`,
  smudge: `${cmd} smudge${skip ? ' --skip' : ''} -- %f`,
  process: `${cmd} filter-process${skip ? ' --skip' : ''}`,
  required: 'true',
});

describe('tslfs install', () => {
  it('writes the global filter config and the 4 hooks, with git-lfs messages', async () => {
    const repo = await sb.initRepo('r', 'none');
    const r = await sb.tslfs(['install'], { cwd: repo });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('Updated Git hooks.\nGit LFS initialized.\n');
    expect(await filterIn(join(sb.home, '.gitconfig'))).toEqual(expected(TSLFS_CMD));
    expect(await cfg(join(repo, '.git', 'config'), 'lfs.repositoryformatversion')).toBe('0');
    for (const h of HOOKS) {
      const p = join(repo, '.git', 'hooks', h);
      expect(statSync(p).mode & 0o111).toBe(0o111);
      expect(readFileSync(p, 'utf8')).toMatch(new RegExp(`^#!/bin/sh\\n.*\\n${escapeRe(TSLFS_CMD)} ${h} "\\$@"\\n$`));
    }
  });

  it('prints the same as git-lfs install and uninstall', async () => {
    const a = await sb.initRepo('a', 'none');
    const b = await sb.initRepo('b', 'none');
    const ours = await sb.tslfs(['install', '--local'], { cwd: a });
    const theirs = await sb.gitLfs(['install', '--local'], { cwd: b });
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.exitCode).toBe(theirs.exitCode);
    const ou = await sb.tslfs(['uninstall', '--local'], { cwd: a });
    const tu = await sb.gitLfs(['uninstall', '--local'], { cwd: b });
    expect(ou.stdout).toBe(tu.stdout);
    expect(await filterIn(join(a, '.git', 'config'))).toEqual(await filterIn(join(b, '.git', 'config')));
  });

  it('outside a repository installs only the filters', async () => {
    const r = await sb.tslfs(['install']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('Git LFS initialized.\n');
    expect(await filterIn(join(sb.home, '.gitconfig'))).toEqual(expected(TSLFS_CMD));
  });

  it('--local, --worktree, --system, --file and --skip-smudge write to their scope only', async () => {
    const repo = await sb.initRepo('r', 'none');
    const local = join(repo, '.git', 'config');
    expect((await sb.tslfs(['install', '--local', '--skip-smudge'], { cwd: repo })).exitCode).toBe(0);
    expect(await filterIn(local)).toEqual(expected(TSLFS_CMD, true));
    expect(existsSync(join(sb.home, '.gitconfig')) && (await cfg(join(sb.home, '.gitconfig'), 'filter.lfs.clean'))).toBeFalsy();

    // --worktree without extensions.worktreeConfig is the local config (as git says).
    expect((await sb.tslfs(['install', '--worktree'], { cwd: repo })).exitCode).toBe(0);
    expect(await filterIn(local)).toEqual(expected(TSLFS_CMD));

    const sys = join(sb.root, 'system.cfg');
    const rs = await sb.tslfs(['install', '--system', '--skip-repo'], { cwd: repo, env: { GIT_CONFIG_SYSTEM: sys } });
    expect(rs.exitCode).toBe(0);
    expect(await filterIn(sys)).toEqual(expected(TSLFS_CMD));

    const file = join(sb.root, 'custom.cfg');
    const rf = await sb.tslfs(['install', '--file', file, '--skip-repo']);
    expect(rf.exitCode).toBe(0);
    expect(await filterIn(file)).toEqual(expected(TSLFS_CMD));
  });

  it('--skip-repo writes no hooks; --manual prints them instead', async () => {
    const repo = await sb.initRepo('r', 'none');
    const r = await sb.tslfs(['install', '--skip-repo'], { cwd: repo });
    expect(r.stdout).toBe('Git LFS initialized.\n');
    for (const h of HOOKS) expect(existsSync(join(repo, '.git', 'hooks', h))).toBe(false);

    const m = await sb.tslfs(['install', '--manual'], { cwd: repo });
    expect(m.exitCode).toBe(0);
    for (const h of HOOKS) {
      expect(m.stdout).toContain(`Add the following to '.git/hooks/${h}':\n\n\t#!/bin/sh\n`);
      expect(m.stdout).toContain(`\t${TSLFS_CMD} ${h} "$@"\n`);
      expect(existsSync(join(repo, '.git', 'hooks', h))).toBe(false);
    }
    expect(m.stdout.endsWith('"$@"\nGit LFS initialized.\n')).toBe(true);
  });

  it('refuses to replace a different value without --force, like git-lfs', async () => {
    const repo = await sb.initRepo('r', 'none');
    const local = join(repo, '.git', 'config');
    await sb.git(['config', 'filter.lfs.smudge', 'git-lfs smudge -- %f'], { cwd: repo });
    const r = await sb.tslfs(['install', '--local'], { cwd: repo });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      `warning: the "filter.lfs.smudge" attribute should be "${TSLFS_CMD} smudge -- %f" but is "git-lfs smudge -- %f"\n` +
        'Run `tslfs install --force` to reset Git configuration.\n',
    );
    expect(r.stdout).toBe('');
    // Nothing was written.
    expect(await cfg(local, 'filter.lfs.clean')).toBeUndefined();
    expect(await cfg(local, 'filter.lfs.smudge')).toBe('git-lfs smudge -- %f');
    // git-lfs behaves the same way with a value it does not know.
    await sb.git(['config', 'filter.lfs.smudge', 'foo'], { cwd: repo });
    expect((await sb.gitLfs(['install', '--local'], { cwd: repo })).exitCode).toBe(2);

    const f = await sb.tslfs(['install', '--local', '--force'], { cwd: repo });
    expect(f.exitCode).toBe(0);
    expect(await filterIn(local)).toEqual(expected(TSLFS_CMD));
  });

  it('upgrades its own earlier values (other command form, --skip) without --force', async () => {
    const repo = await sb.initRepo('r', 'none');
    const local = join(repo, '.git', 'config');
    const old = `'/old/node' '/old/lib/node_modules/tslfs/bin/tslfs.js'`;
    await sb.git(['config', 'filter.lfs.clean', `${old} clean -- %f`], { cwd: repo });
    await sb.git(['config', 'filter.lfs.smudge', `tslfs smudge --skip -- %f`], { cwd: repo });
    await sb.git(['config', 'filter.lfs.process', `tslfs filter-process --skip`], { cwd: repo });
    const r = await sb.tslfs(['install', '--local'], { cwd: repo });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(await filterIn(local)).toEqual(expected(TSLFS_CMD));
  });

  it('writes the bare word tslfs when `tslfs` on PATH is this same bin and node is on PATH', async () => {
    const bin = join(sb.root, 'gbin');
    mkdirSync(bin);
    symlinkSync(TSLFS_BIN, join(bin, 'tslfs'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const PATH = `${bin}:/usr/bin:/bin`;
    const repo = await sb.initRepo('r', 'none');
    const r = await sb.tslfs(['install', '--local'], { cwd: repo, env: { PATH } });
    expect(r.exitCode).toBe(0);
    expect(await filterIn(join(repo, '.git', 'config'))).toEqual(expected('tslfs'));
    expect(readFileSync(join(repo, '.git', 'hooks', 'pre-push'), 'utf8')).toContain('\ntslfs pre-push "$@"\n');
    // Another tslfs on PATH (not this bin): absolute form.
    rmSync(join(bin, 'tslfs'));
    writeFileSync(join(bin, 'tslfs'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r2 = await sb.tslfs(['install', '--local'], { cwd: repo, env: { PATH } });
    expect(r2.exitCode).toBe(0);
    expect(await cfg(join(repo, '.git', 'config'), 'filter.lfs.process')).toBe(`${TSLFS_CMD} filter-process`);
  });

  it('exits 128 for an unknown lfs.repositoryformatversion and writes nothing', async () => {
    const repo = await sb.initRepo('r', 'none');
    await sb.git(['config', 'lfs.repositoryformatversion', '1'], { cwd: repo });
    for (const args of [['install'], ['install', '--local'], ['update'], ['uninstall', '--local']]) {
      const r = await sb.tslfs(args, { cwd: repo });
      expect(r.exitCode, args.join(' ')).toBe(128);
      expect(r.stderr).toBe('Unknown repository format version: 1\n');
    }
    expect(await cfg(join(sb.home, '.gitconfig'), 'filter.lfs.clean')).toBeUndefined();
    expect(existsSync(join(repo, '.git', 'hooks', 'pre-push'))).toBe(false);
    // A global value is ignored; --skip-repo does not look at the repository.
    expect((await sb.tslfs(['install', '--skip-repo'], { cwd: repo })).exitCode).toBe(0);
  });

  it('rejects conflicting scope flags and --local outside a repository', async () => {
    const r = await sb.tslfs(['install', '--local', '--system']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Only one of --local and --system options can be specified.');
    const o = await sb.tslfs(['install', '--local']);
    expect(o.exitCode).toBe(128);
    expect(o.stderr).toMatch(/Not in a Git repository/);
  });

  it('end to end: install --local, then add/commit/checkout go through the written filter', async () => {
    const repo = await sb.initRepo('r', 'none');
    expect((await sb.tslfs(['install', '--local'], { cwd: repo })).exitCode).toBe(0);
    sb.write('r/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    sb.write('r/big.bin', 'hello lfs\n');
    expect((await sb.git(['add', '.'], { cwd: repo })).exitCode).toBe(0);
    expect((await sb.git(['commit', '-qm', 'one'], { cwd: repo })).exitCode).toBe(0);
    const blob = await sb.git(['cat-file', '-p', 'HEAD:big.bin'], { cwd: repo });
    expect(blob.stdout).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize 10\n$/);
    rmSync(join(repo, 'big.bin'));
    const co = await sb.git(['checkout', '--', 'big.bin'], { cwd: repo });
    expect(co.exitCode).toBe(0);
    expect(readFileSync(join(repo, 'big.bin'), 'utf8')).toBe('hello lfs\n');
    // The hooks ran (post-checkout is installed) without complaint.
    expect(co.stderr).toBe('');
  });
});

describe('tslfs uninstall', () => {
  it('removes the global filter section and our hooks, keeps foreign hooks', async () => {
    const repo = await sb.initRepo('r', 'none');
    expect((await sb.tslfs(['install'], { cwd: repo })).exitCode).toBe(0);
    writeFileSync(join(repo, '.git', 'hooks', 'post-merge'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const r = await sb.tslfs(['uninstall'], { cwd: repo });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('Hooks for this repository have been removed.\nGlobal Git LFS configuration has been removed.\n');
    expect(await filterIn(join(sb.home, '.gitconfig'))).toEqual({ clean: undefined, smudge: undefined, process: undefined, required: undefined });
    for (const h of ['pre-push', 'post-checkout', 'post-commit']) expect(existsSync(join(repo, '.git', 'hooks', h))).toBe(false);
    expect(readFileSync(join(repo, '.git', 'hooks', 'post-merge'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('leaves git-lfs hooks alone, and honours --skip-repo, --local, --system and --file', async () => {
    const repo = await sb.initRepo('r', 'none');
    expect((await sb.gitLfs(['install', '--local'], { cwd: repo })).exitCode).toBe(0);
    await sb.tslfs(['install', '--skip-repo'], { cwd: repo });

    const skip = await sb.tslfs(['uninstall', '--skip-repo'], { cwd: repo });
    expect(skip.stdout).toBe('Global Git LFS configuration has been removed.\n');
    expect(existsSync(join(repo, '.git', 'hooks', 'pre-push'))).toBe(true);
    expect(await cfg(join(repo, '.git', 'config'), 'filter.lfs.clean')).toBe('git-lfs clean -- %f');

    const loc = await sb.tslfs(['uninstall', '--local'], { cwd: repo });
    expect(loc.exitCode).toBe(0);
    expect(loc.stdout).toBe('Hooks for this repository have been removed.\n');
    expect(await cfg(join(repo, '.git', 'config'), 'filter.lfs.clean')).toBeUndefined();
    // Those hooks are git-lfs's, not ours.
    for (const h of HOOKS) expect(readFileSync(join(repo, '.git', 'hooks', h), 'utf8')).toContain(`git lfs ${h} "$@"`);

    const sys = join(sb.root, 'system.cfg');
    await sb.tslfs(['install', '--system', '--skip-repo'], { env: { GIT_CONFIG_SYSTEM: sys } });
    const us = await sb.tslfs(['uninstall', '--system'], { env: { GIT_CONFIG_SYSTEM: sys } });
    expect(us.stdout).toBe('System Git LFS configuration has been removed.\n');
    expect(await cfg(sys, 'filter.lfs.clean')).toBeUndefined();

    const file = join(sb.root, 'f.cfg');
    writeFileSync(file, '[user]\n\tname = keep\n');
    await sb.tslfs(['install', '--file', file]);
    expect(await cfg(file, 'filter.lfs.clean')).toBe(`${TSLFS_CMD} clean -- %f`);
    const uf = await sb.tslfs(['uninstall', '--file', file]);
    expect(uf.exitCode).toBe(0);
    expect(await cfg(file, 'filter.lfs.clean')).toBeUndefined();
    expect(await cfg(file, 'user.name')).toBe('keep');
    // Nothing to remove is fine.
    expect((await sb.tslfs(['uninstall', '--file', file])).exitCode).toBe(0);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
void shq;

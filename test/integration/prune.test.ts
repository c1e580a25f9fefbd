/**
 * `prune` against file:// remotes and the test HTTP server, with real git, and git-lfs 3.3.0
 * side by side for the summary lines; --verify-remote halting (nothing deleted) when the remote
 * lacks an object, or keeping just those with --when-unverified=continue. The cases about what
 * must be kept are in pruneSafety.test.ts.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prune, PruneUnverifiedError } from '../../src/api/prune.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { cleanupHistories, history as mkHistory, ok, oid, pruneCli, storeOids } from '../support/pruneRepo.js';
import { startLfsServer } from '../support/lfsServer/main.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());
afterAll(() => cleanupHistories());

const history = (name: string, filter: 'tslfs' | 'git-lfs') => mkHistory(sb, name, filter);
const cli = (args: string[], cwd: string) => pruneCli(sb, args, cwd);

describe('prune: output as git-lfs 3.3.0', () => {
  it('dry run and real run print the same lines and delete the same objects', async () => {
    const ours = await history('ours', 'tslfs');
    const theirs = await history('theirs', 'git-lfs');
    const dry = await cli(['--dry-run'], ours);
    const dryTheirs = await sb.gitLfs(['prune', '--dry-run'], { cwd: theirs });
    expect(dry.stdout).toBe(dryTheirs.stdout);
    expect(dry.stdout).toBe('prune: 4 local objects, 1 retained, done.\nprune: 3 files would be pruned (13 B), done.\n');
    expect(storeOids(ours)).toHaveLength(4);

    const verbose = await cli(['--dry-run', '--verbose'], ours);
    const lines = verbose.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['prune: 4 local objects, 1 retained, done.', 'prune: 3 files would be pruned (13 B)']);
    const listed = lines.slice(2, 5).map((l) => l.replace(/, done\.$/, ''));
    expect(listed.sort()).toEqual([` * ${await oid('orphan\n')} (7 B)`, ` * ${await oid('v1\n')} (3 B)`, ` * ${await oid('v2\n')} (3 B)`].sort());

    const real = await cli([], ours);
    const realTheirs = await sb.gitLfs(['prune'], { cwd: theirs });
    expect(real).toEqual({ stdout: realTheirs.stdout, stderr: '', exitCode: 0 });
    expect(real.stdout).toBe('prune: 4 local objects, 1 retained, done.\nprune: Deleting objects: 100% (3/3), done.\n');
    expect(storeOids(ours)).toEqual([await oid('v3\n')]);
    expect(storeOids(theirs)).toEqual([await oid('v3\n')]);
    // Nothing left to prune: the count line only, singular as git-lfs.
    const again = await cli([], ours);
    expect(again.stdout).toBe((await sb.gitLfs(['prune'], { cwd: theirs })).stdout);
    expect(again.stdout).toBe('prune: 1 local object, 1 retained, done.\n');
  });
});

describe('prune --verify-remote', () => {
  it('halts without deleting anything when the remote lacks an object; continue keeps only those', async () => {
    const dir = await history('r', 'tslfs');
    // v2's object goes missing on the remote.
    const v2 = await oid('v2\n');
    const remoteObj = join(sb.root, 'r.git', 'lfs', 'objects', v2.slice(0, 2), v2.slice(2, 4), v2);
    expect(existsSync(remoteObj)).toBe(true);
    const { rmSync } = await import('node:fs');
    rmSync(remoteObj);
    const before = storeOids(dir);
    const r = await cli(['--verify-remote'], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`These objects to be pruned are missing on remote:\n  ${v2}\n`);
    expect(storeOids(dir)).toEqual(before);
    await expect(prune({ cwd: dir, env: sb.env, verifyRemote: true })).rejects.toBeInstanceOf(PruneUnverifiedError);
    // lfs.pruneverifyremotealways does the same; --no-verify-remote turns it off.
    await ok(sb.git(['config', 'lfs.pruneverifyremotealways', 'true'], { cwd: dir }));
    expect((await cli(['--dry-run'], dir)).exitCode).toBe(2);
    expect((await cli(['--dry-run', '--no-verify-remote'], dir)).stdout).toBe('prune: 4 local objects, 1 retained, done.\nprune: 3 files would be pruned (13 B), done.\n');

    const c = await cli(['--verify-remote', '--when-unverified=continue'], dir);
    expect(c.exitCode).toBe(0);
    // v1 verified; v2 missing (kept); the orphan is unreachable, so not asked about and deleted.
    expect(c.stdout).toBe('prune: 4 local objects, 1 retained, 1 verified with remote, 1 not on remote, done.\nprune: Deleting objects: 100% (2/2), done.\n');
    expect(storeOids(dir)).toEqual([v2, await oid('v3\n')].sort());
  });

  it('--verify-unreachable also asks about unreachable objects', async () => {
    const dir = await history('r', 'tslfs');
    const r = await cli(['--dry-run', '--verify-remote', '--verify-unreachable'], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(await oid('orphan\n'));
    const all = await cli(['--dry-run', '--verify-remote'], dir);
    expect(all.stdout).toBe('prune: 4 local objects, 1 retained, 2 verified with remote, done.\nprune: 3 files would be pruned (13 B), done.\n');
  });

  it('asks an HTTP server with a download batch request', async () => {
    const srv = await startLfsServer({ root: join(sb.root, 'server') });
    try {
      await srv.createRepo('h');
      const dir = await sb.initRepo('h', 'tslfs');
      writeFileSync(join(dir, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      await ok(sb.git(['add', '.gitattributes'], { cwd: dir }));
      await ok(sb.git(['commit', '-qm', 'attrs'], { cwd: dir }));
      await ok(sb.git(['remote', 'add', 'origin', srv.gitUrl('h')], { cwd: dir }));
      for (const v of ['v1', 'v2', 'v3']) {
        writeFileSync(join(dir, 'a.bin'), `${v}\n`);
        await ok(sb.git(['add', 'a.bin'], { cwd: dir }));
        await ok(sb.git(['commit', '-qm', v], { cwd: dir }));
      }
      await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: dir }));
      await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: dir }));
      const ok2 = await cli(['--dry-run', '--verify-remote'], dir);
      expect(ok2.stdout).toBe('prune: 3 local objects, 1 retained, 2 verified with remote, done.\nprune: 2 files would be pruned (6 B), done.\n');
      await srv.deleteObject('h', await oid('v1\n'));
      const halted = await cli(['--verify-remote'], dir);
      expect(halted.exitCode).toBe(2);
      expect(halted.stderr).toContain(`These objects to be pruned are missing on remote:\n  ${await oid('v1\n')}\n`);
      expect(storeOids(dir)).toHaveLength(3);
    } finally {
      await srv.stop();
    }
  });

  it('rejects a bad --when-unverified value', async () => {
    const dir = await history('r', 'tslfs');
    const r = await cli(['--when-unverified=maybe'], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--when-unverified');
    expect(storeOids(dir)).toHaveLength(4);
  });
});

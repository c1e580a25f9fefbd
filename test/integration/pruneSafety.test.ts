/**
 * `prune`'s safety cases: staged objects (git-lfs #5636 deletes them; tslfs must not),
 * unpushed commits, stashes (with untracked files), other worktrees' HEADs and indexes,
 * lfs.fetchexclude, recent refs and commits, young tmp/ files.
 */
import { readdirSync, rmSync, utimesSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { cleanupHistories, history as mkHistory, ok, oid, pruneCli, storeOids } from '../support/pruneRepo.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());
afterAll(() => cleanupHistories());

const history = (name: string, filter: 'tslfs' | 'git-lfs') => mkHistory(sb, name, filter);
const cli = (args: string[], cwd: string) => pruneCli(sb, args, cwd);

describe('prune keeps what is still needed', () => {
  it('keeps staged, uncommitted objects (git-lfs 3.3.0 deletes them: #5636)', async () => {
    const ours = await history('ours', 'tslfs');
    const theirs = await history('theirs', 'git-lfs');
    for (const d of [ours, theirs]) {
      writeFileSync(join(d, 'new.bin'), 'staged only\n');
      await ok(sb.git(['add', 'new.bin'], { cwd: d }));
    }
    const staged = await oid('staged only\n');
    await ok(sb.gitLfs(['prune'], { cwd: theirs }));
    expect(storeOids(theirs)).not.toContain(staged); // the data loss we do not reproduce
    const r = await cli([], ours);
    expect(r.stdout).toBe('prune: 5 local objects, 2 retained, done.\nprune: Deleting objects: 100% (3/3), done.\n');
    expect(storeOids(ours)).toEqual([await oid('v3\n'), staged].sort());
    // --force prunes even HEAD's (pushed) objects, but never the staged one.
    await cli(['--force'], ours);
    expect(storeOids(ours)).toEqual([staged]);
  });

  it('keeps objects of unpushed commits, and prunes them once pushed', async () => {
    const dir = await history('r', 'tslfs');
    for (const v of ['v4', 'v5']) {
      writeFileSync(join(dir, 'a.bin'), `${v}\n`);
      await ok(sb.git(['commit', '-qam', v], { cwd: dir }));
    }
    const r = await cli(['--dry-run', '--verbose'], dir);
    expect(r.stdout).toContain('prune: 6 local objects, 3 retained');
    expect(r.stdout).not.toContain(await oid('v4\n'));
    await cli([], dir);
    // v3 stays too: origin/main is a recent remote branch.
    expect(storeOids(dir)).toEqual([await oid('v3\n'), await oid('v4\n'), await oid('v5\n')].sort());
    await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: dir }));
    await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: dir }));
    await cli([], dir);
    expect(storeOids(dir)).toEqual([await oid('v5\n')]);
  });

  it('with no such remote everything reachable counts as unpushed', async () => {
    const dir = await history('r', 'tslfs');
    await ok(sb.git(['config', 'lfs.pruneremotetocheck', 'nosuch'], { cwd: dir }));
    const r = await cli([], dir);
    expect(r.stdout).toBe('prune: 4 local objects, 3 retained, done.\nprune: Deleting objects: 100% (1/1), done.\n');
    expect(storeOids(dir)).not.toContain(await oid('orphan\n'));
  });

  it('keeps stashed objects, including untracked files stashed with -u', async () => {
    const dir = await history('r', 'tslfs');
    writeFileSync(join(dir, 'a.bin'), 'stashed change\n');
    writeFileSync(join(dir, 'untracked.bin'), 'stashed untracked\n');
    await ok(sb.git(['stash', 'push', '-q', '-u'], { cwd: dir }));
    writeFileSync(join(dir, 'a.bin'), 'staged then stashed\n');
    await ok(sb.git(['add', 'a.bin'], { cwd: dir }));
    await ok(sb.git(['stash', 'push', '-q'], { cwd: dir }));
    await cli(['--force'], dir);
    const left = storeOids(dir);
    for (const c of ['stashed change\n', 'stashed untracked\n', 'staged then stashed\n']) expect(left).toContain(await oid(c));
    expect(left).not.toContain(await oid('v1\n'));
  });

  it("keeps other worktrees' HEAD and staged objects", async () => {
    const dir = await history('r', 'tslfs');
    const v1 = (await sb.git(['rev-parse', 'HEAD~2'], { cwd: dir })).stdout.trim();
    const wt = join(sb.root, 'wt');
    await ok(sb.git(['worktree', 'add', '-q', '--detach', wt, v1], { cwd: dir }));
    writeFileSync(join(wt, 'wt.bin'), 'staged in the other worktree\n');
    await ok(sb.git(['add', 'wt.bin'], { cwd: wt }));
    const r = await cli([], dir);
    expect(r.stdout).toBe('prune: 5 local objects, 3 retained, done.\nprune: Deleting objects: 100% (2/2), done.\n');
    expect(storeOids(dir)).toEqual([await oid('v1\n'), await oid('v3\n'), await oid('staged in the other worktree\n')].sort());
    // Run from the linked worktree: the main worktree's HEAD is kept the same way.
    const fromWt = await cli(['--dry-run'], wt);
    expect(fromWt.stdout).toBe('prune: 3 local objects, 3 retained, done.\n');
  });

  it('keeps recent branches (and recent commits with lfs.fetchrecentcommitsdays); --recent ignores them', async () => {
    const dir = await history('r', 'tslfs');
    await ok(sb.git(['branch', 'feat', 'HEAD~1'], { cwd: dir })); // at v2: a recent branch
    // A pushed branch last committed in 2020: too old to be kept.
    const old = { GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z', GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z' };
    await ok(sb.git(['checkout', '-qb', 'old', 'HEAD~2'], { cwd: dir }));
    writeFileSync(join(dir, 'a.bin'), 'old\n');
    await ok(sb.git(['commit', '-qam', 'old'], { cwd: dir, env: old }));
    await ok(sb.tslfs(['push', 'origin', 'old'], { cwd: dir }));
    await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'old'], { cwd: dir }));
    await ok(sb.git(['checkout', '-q', 'main'], { cwd: dir }));
    const r = await cli(['--dry-run', '--verbose'], dir);
    expect(r.stdout.split('\n')[0]).toBe('prune: 5 local objects, 2 retained, done.');
    expect(r.stdout).not.toContain(await oid('v2\n'));
    expect(r.stdout).toContain(await oid('old\n'));
    await ok(sb.git(['config', 'lfs.fetchrecentcommitsdays', '1'], { cwd: dir }));
    const commits = await cli(['--dry-run'], dir);
    expect(commits.stdout.split('\n')[0]).toBe('prune: 5 local objects, 3 retained, done.');
    const recent = await cli(['--dry-run', '--recent'], dir);
    expect(recent.stdout.split('\n')[0]).toBe('prune: 5 local objects, 1 retained, done.');
    // A window of 0 days disables a rule (it does not mean "keep nothing newer than today").
    await ok(sb.git(['config', 'lfs.fetchrecentrefsdays', '0'], { cwd: dir }));
    await ok(sb.git(['config', 'lfs.fetchrecentcommitsdays', '0'], { cwd: dir }));
    expect((await cli(['--dry-run'], dir)).stdout.split('\n')[0]).toBe('prune: 5 local objects, 1 retained, done.');
  });

  it('lfs.fetchexclude paths are not kept by the checkout, but staged changes there are', async () => {
    const dir = await history('r', 'tslfs');
    sb.write('r/skip/big.bin', 'excluded\n');
    await ok(sb.git(['add', 'skip'], { cwd: dir }));
    await ok(sb.git(['commit', '-qm', 'skip'], { cwd: dir }));
    await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: dir }));
    await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: dir }));
    await ok(sb.git(['config', 'lfs.fetchexclude', 'skip'], { cwd: dir }));
    sb.write('r/skip/new.bin', 'excluded but staged\n');
    await ok(sb.git(['add', 'skip/new.bin'], { cwd: dir }));
    const r = await cli([], dir);
    expect(r.stdout).toBe('prune: 6 local objects, 2 retained, done.\nprune: Deleting objects: 100% (4/4), done.\n');
    expect(storeOids(dir)).toEqual([await oid('v3\n'), await oid('excluded but staged\n')].sort());
  });

  it('keeps objects a running git add may be about to stage (index.lock held)', async () => {
    const dir = await history('r', 'tslfs');
    const old = Date.now() / 1000 - 600;
    const v1 = await oid('v1\n');
    utimesSync(join(dir, '.git', 'lfs', 'objects', v1.slice(0, 2), v1.slice(2, 4), v1), old, old);
    // As `git add` does: the lock first, then objects stored by the clean filter.
    writeFileSync(join(dir, '.git', 'index.lock'), '');
    await ok(sb.tslfs(['clean'], { cwd: dir, input: 'being added\n' }));
    const r = await cli([], dir);
    // Only v1 is older than the lock: v2, the orphan and the new object are kept meanwhile.
    expect(r.stdout).toBe('prune: 5 local objects, 4 retained, done.\nprune: Deleting objects: 100% (1/1), done.\n');
    expect(storeOids(dir)).toContain(await oid('being added\n'));
    expect(storeOids(dir)).not.toContain(v1);
    rmSync(join(dir, '.git', 'index.lock'));
    await cli([], dir);
    expect(storeOids(dir)).toEqual([await oid('v3\n')]);
  });

  it('never deletes tmp/ files younger than an hour, and removes older ones', async () => {
    const dir = await history('r', 'tslfs');
    const tmp = join(dir, '.git', 'lfs', 'tmp');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'young.tmp'), 'in flight');
    writeFileSync(join(tmp, 'old.tmp'), 'left behind');
    const past = Date.now() / 1000 - 7200;
    utimesSync(join(tmp, 'old.tmp'), past, past);
    await cli(['--force'], dir);
    expect(readdirSync(tmp)).toEqual(['young.tmp']);
    expect(readFileSync(join(tmp, 'young.tmp'), 'utf8')).toBe('in flight');
  });
});


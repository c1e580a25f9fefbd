/**
 * File locking over HTTP (git-lfs docs/api/locking.md) against the test LFS server, with real
 * git-lfs 3.3.0 as the oracle on the same server and repository: `lock`, `locks` (text, --json,
 * --verify, --limit, --path, --id, paging), `unlock` (path, --id, --force, dirty and foreign
 * locks), the 409 conflict, the lock ref (the branch's upstream), lockable files turning
 * writable/read-only, pre-push lock verification (theirs halts with locksverify=true, warns when
 * unset, ours is a hint, 501 writes locksverify=false) and hostile servers (HS21).
 */
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, type RunResult, type Sandbox } from '../support/sandbox.js';

type Server = Awaited<ReturnType<typeof startLfsServer>>;

describe('locking over HTTP', () => {
  let sb: Sandbox;
  let srv: Server;
  beforeAll(async () => {
    sb = makeSandbox();
    // Two locks per page, so every listing below pages.
    srv = await startLfsServer({ root: join(sb.root, 'server'), lockPageSize: 2 });
    expect((await sb.tslfs(['install'])).exitCode).toBe(0);
  });
  afterAll(async () => {
    await srv?.stop();
    sb?.cleanup();
  });

  /** A committed work repo with lockable a.dat and sub/b.dat (and c.dat), origin = server repo `name`. */
  async function workRepo(name: string): Promise<string> {
    await srv.createRepo(name);
    const dir = await sb.initRepo(`${name}-work`, 'tslfs');
    sb.write(`${name}-work/.gitattributes`, '*.dat filter=lfs diff=lfs merge=lfs -text lockable\n');
    sb.write(`${name}-work/a.dat`, 'a\n');
    sb.write(`${name}-work/sub/b.dat`, 'b\n');
    sb.write(`${name}-work/c.dat`, 'c\n');
    expect((await sb.git(['add', '.'], { cwd: dir })).exitCode).toBe(0);
    expect((await sb.git(['commit', '-qm', 'files'], { cwd: dir })).exitCode).toBe(0);
    await sb.git(['remote', 'add', 'origin', srv.gitUrl(name)], { cwd: dir });
    return dir;
  }

  const same = (a: RunResult, b: RunResult, what: string) => {
    expect(a.stdout, `${what}: stdout`).toBe(b.stdout);
    expect(a.stderr, `${what}: stderr`).toBe(b.stderr);
    expect(a.exitCode === 0, `${what}: exit ${a.exitCode} vs ${b.exitCode}`).toBe(b.exitCode === 0);
  };
  const writable = (p: string) => (statSync(p).mode & 0o222) !== 0;

  it('lock, locks and unlock print exactly what git-lfs 3.3.0 prints', async () => {
    const dir = await workRepo('l1');
    const sub = join(dir, 'sub');
    chmodReadOnly(join(dir, 'a.dat'));

    const l1 = await sb.tslfs(['lock', 'b.dat'], { cwd: sub });
    expect(l1.stdout).toBe('Locked sub/b.dat\n');
    expect(l1.exitCode, l1.stderr).toBe(0);
    const l2 = await sb.tslfs(['lock', '--json', 'a.dat'], { cwd: dir });
    expect(l2.exitCode, l2.stderr).toBe(0);
    const [lockA] = JSON.parse(l2.stdout) as Array<{ id: string; path: string; owner: { name: string }; locked_at: string }>;
    const onServer = srv.listLocks('l1').find((l) => l.path === 'a.dat')!;
    expect(lockA).toEqual({ id: onServer.id, path: 'a.dat', owner: { name: 'Test User' }, locked_at: onServer.locked_at });
    expect(Object.keys(lockA!)).toEqual(['id', 'path', 'owner', 'locked_at']);
    // Lockable: the file we locked became writable.
    expect(writable(join(dir, 'a.dat'))).toBe(true);
    // git-lfs takes one more lock; someone else holds two more (5 locks: three pages).
    expect((await sb.gitLfs(['lock', 'c.dat'], { cwd: dir })).exitCode).toBe(0);
    srv.addLock('l1', 'other/x.dat');
    srv.addLock('l1', 'other/longer-name.dat', 'Someone Else');

    for (const args of [['locks'], ['locks', '--json'], ['locks', '--verify'], ['locks', '--verify', '--json'], ['locks', '--limit', '3'], ['locks', '-i', lockA!.id]]) {
      const ours = await sb.tslfs(args, { cwd: dir });
      const theirs = await sb.gitLfs(args, { cwd: dir });
      same(ours, theirs, args.join(' '));
      expect(ours.exitCode).toBe(0);
    }
    const j = JSON.parse((await sb.tslfs(['locks', '--json'], { cwd: dir })).stdout) as Array<{ path: string }>;
    // The server's order (creation) in JSON; the table is sorted by path.
    expect(j.map((l) => l.path)).toEqual(['sub/b.dat', 'a.dat', 'c.dat', 'other/x.dat', 'other/longer-name.dat']);
    // --path is relative to the current directory.
    same(await sb.tslfs(['locks', '-p', 'b.dat'], { cwd: sub }), await sb.gitLfs(['locks', '-p', 'b.dat'], { cwd: sub }), 'locks -p from sub');
    expect((await sb.tslfs(['locks', '-p', 'b.dat'], { cwd: sub })).stdout).toMatch(/^sub\/b\.dat\tTest User\tID:/);

    // --local lists our own locks without asking the server; --cached the last full answer.
    srv.clearRequests();
    const local = await sb.tslfs(['locks', '--local'], { cwd: dir });
    expect(local.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!.trim()).sort()).toEqual(['a.dat', 'sub/b.dat']);
    const cached = await sb.tslfs(['locks', '--cached'], { cwd: dir });
    expect(cached.stdout).toBe((await sb.gitLfs(['locks'], { cwd: dir })).stdout);
    expect(srv.requests.filter((r) => r.kind === 'locks').length).toBe(3); // git-lfs's listing only
    for (const [args, msg] of [
      [['--local', '--cached'], "--cached option can't be combined with --local"],
      [['--local', '--verify'], "--verify option can't be combined with --local"],
      [['--cached', '--path', 'a.dat'], "--cached option can't be combined with filters"],
      [['--cached', '--limit', '1'], "--cached option can't be combined with --limit"],
    ] as const) {
      const r = await sb.tslfs(['locks', ...args], { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toBe(`${msg}\n`);
    }

    // The post-checkout hook keeps our own locks (the local cache) writable; c.dat was locked
    // by git-lfs, whose cache tslfs does not read, so it is read-only.
    const head = (await sb.git(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    chmodWritable(join(dir, 'c.dat'));
    expect((await sb.tslfs(['post-checkout', head, head, '0'], { cwd: dir })).exitCode).toBe(0);
    expect([writable(join(dir, 'a.dat')), writable(join(dir, 'sub/b.dat')), writable(join(dir, 'c.dat'))]).toEqual([true, true, false]);

    // Unlock by path and by id; the lockable file is read-only again.
    const u1 = await sb.tslfs(['unlock', 'a.dat'], { cwd: dir });
    expect(u1.stdout).toBe('Unlocked a.dat\n');
    expect(u1.exitCode, u1.stderr).toBe(0);
    expect(writable(join(dir, 'a.dat'))).toBe(false);
    const idB = srv.listLocks('l1').find((l) => l.path === 'sub/b.dat')!.id;
    const u2 = await sb.tslfs(['unlock', '--id', idB], { cwd: dir });
    expect(u2.stdout).toBe(`Unlocked Lock ${idB}\n`);
    expect(srv.listLocks('l1').map((l) => l.path).sort()).toEqual(['c.dat', 'other/longer-name.dat', 'other/x.dat']);
    expect((await sb.tslfs(['locks', '--local'], { cwd: dir })).stdout).toBe('');
  });

  it('the 409 conflict, foreign and dirty unlocks, and bad arguments fail as in git-lfs', async () => {
    const dir = await workRepo('l2');
    expect((await sb.tslfs(['lock', 'a.dat'], { cwd: dir })).exitCode).toBe(0);
    for (const json of [[], ['--json']]) {
      const ours = await sb.tslfs(['lock', 'a.dat', ...json], { cwd: dir });
      same(ours, await sb.gitLfs(['lock', 'a.dat', ...json], { cwd: dir }), `lock conflict ${json}`);
      expect(ours.exitCode).toBe(2);
      expect(ours.stderr).toBe('Locking a.dat failed: lock already created\n');
    }
    // A partial failure: the other paths are still locked, the exit code is 2.
    const mixed = await sb.tslfs(['lock', 'a.dat', 'c.dat', 'sub', '../outside.dat', '--json'], { cwd: dir });
    expect(mixed.exitCode).toBe(2);
    expect(JSON.parse(mixed.stdout).map((l: { path: string }) => l.path)).toEqual(['c.dat']);
    expect(mixed.stderr).toBe('Locking a.dat failed: lock already created\ncannot lock directory: sub\nunable to canonicalize path "../outside.dat"\n');

    const foreign = srv.addLock('l2', 'sub/b.dat');
    for (const json of [[], ['--json']]) {
      const ours = await sb.tslfs(['unlock', 'sub/b.dat', ...json], { cwd: dir });
      same(ours, await sb.gitLfs(['unlock', 'sub/b.dat', ...json], { cwd: dir }), `foreign unlock ${json}`);
      expect(ours.stderr).toBe(`lock ${foreign.id} is owned by Other User\n`);
    }
    const byId = await sb.tslfs(['unlock', '--id', foreign.id], { cwd: dir });
    same(byId, await sb.gitLfs(['unlock', '--id', foreign.id], { cwd: dir }), 'foreign unlock by id');
    expect(byId.stderr).toBe(`Unable to unlock ${foreign.id}: lock ${foreign.id} is owned by Other User\n`);

    writeFileSync(join(dir, 'a.dat'), 'changed\n');
    const dirty = await sb.tslfs(['unlock', 'a.dat'], { cwd: dir });
    same(dirty, await sb.gitLfs(['unlock', 'a.dat'], { cwd: dir }), 'dirty unlock');
    expect(dirty.stderr).toBe('Cannot unlock file with uncommitted changes\n');
    expect(srv.listLocks('l2').some((l) => l.path === 'a.dat')).toBe(true);

    const none = await sb.tslfs(['unlock', 'sub/never.dat', '--json'], { cwd: dir });
    same(none, await sb.gitLfs(['unlock', 'sub/never.dat', '--json'], { cwd: dir }), 'unlock without a lock');
    expect(none.stdout).toBe('[{"path":"sub/never.dat","unlocked":false,"reason":"unable to get lock ID: no matching locks found"}]\n');

    for (const args of [['unlock'], ['unlock', 'a.dat', '--id', 'x']]) {
      const r = await sb.tslfs(args, { cwd: dir });
      same(r, await sb.gitLfs(args, { cwd: dir }), args.join(' '));
      expect(r.stderr).toBe('Exactly one of --id or a set of paths must be provided\n');
    }

    // --force removes someone else's lock and a dirty file's lock.
    const f = await sb.tslfs(['unlock', '--force', 'sub/b.dat', 'a.dat', '--json'], { cwd: dir });
    expect(f.exitCode, f.stderr).toBe(0);
    expect(f.stdout).toBe('[{"path":"sub/b.dat","unlocked":true},{"path":"a.dat","unlocked":true}]\n');
    expect(srv.listLocks('l2').map((l) => l.path)).toEqual(['c.dat']);
  });

  it('the lock ref is the current branch upstream', async () => {
    // The server refuses lock requests whose ref is not refs/heads/trunk.
    const dir = await workRepo('refs-trunk-branch-required');
    await sb.git(['config', 'branch.main.remote', 'origin'], { cwd: dir });
    await sb.git(['config', 'branch.main.merge', 'refs/heads/trunk'], { cwd: dir });
    const l = await sb.tslfs(['lock', 'a.dat'], { cwd: dir });
    expect(l.exitCode, l.stderr).toBe(0);
    const ls = await sb.tslfs(['locks'], { cwd: dir });
    expect(ls.exitCode, ls.stderr).toBe(0);
    same(ls, await sb.gitLfs(['locks'], { cwd: dir }), 'locks on trunk');
    expect(srv.requests.some((r) => r.url.includes('refspec=refs%2Fheads%2Ftrunk'))).toBe(true);
    // Unlock by path looks the id up without a refspec (as git-lfs), which this server refuses.
    const byPath = await sb.tslfs(['unlock', 'a.dat'], { cwd: dir });
    same(byPath, await sb.gitLfs(['unlock', 'a.dat'], { cwd: dir }), 'unlock by path');
    const id = srv.listLocks('refs-trunk-branch-required')[0]!.id;
    const u = await sb.tslfs(['unlock', '--id', id], { cwd: dir });
    expect(u.exitCode, u.stderr).toBe(0);
    // Without the upstream the branch itself is the ref, which this server refuses.
    await sb.git(['config', '--unset', 'branch.main.merge'], { cwd: dir });
    const bad = await sb.tslfs(['lock', 'a.dat'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('Locking a.dat failed: Expected ref "refs/heads/trunk", got "refs/heads/main"\n');
  });

  describe('pre-push lock verification', () => {
    /** Commit a change to `files`, and the pre-push stdin line for pushing main. */
    async function change(dir: string, files: string[]): Promise<string> {
      const old = (await sb.git(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
      for (const f of files) {
        chmodWritable(join(dir, f));
        writeFileSync(join(dir, f), `${f} ${Math.random()}\n`);
      }
      await sb.git(['commit', '-qam', 'change'], { cwd: dir });
      const now = (await sb.git(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
      return `refs/heads/main ${now} refs/heads/main ${old}\n`;
    }
    async function pushed(name: string): Promise<string> {
      const dir = await workRepo(name);
      const p = await sb.git(['push', '-q', 'origin', 'main'], { cwd: dir });
      expect(p.exitCode, p.stderr).toBe(0);
      await sb.git(['fetch', '-q', 'origin'], { cwd: dir });
      return dir;
    }
    const url = (name: string) => srv.lfsUrl(name);

    it('a file locked by someone else halts the push with locksverify=true, as git-lfs', async () => {
      const dir = await pushed('pp1');
      srv.addLock('pp1', 'a.dat');
      const input = await change(dir, ['a.dat']);
      await sb.git(['config', `lfs.${url('pp1')}.locksverify`, 'true'], { cwd: dir });
      const ours = await sb.tslfs(['pre-push', 'origin', srv.gitUrl('pp1')], { cwd: dir, input });
      const theirs = await sb.gitLfs(['pre-push', 'origin', srv.gitUrl('pp1')], { cwd: dir, input });
      expect(ours.stdout).toBe('Unable to push locked files:\n* a.dat - Other User (refs: main)\n');
      expect(ours.stdout).toBe(theirs.stdout);
      expect(ours.stderr).toBe('Cannot update locked files.\n');
      expect(theirs.stderr).toContain('Cannot update locked files.');
      expect(ours.exitCode).toBe(2);
      expect(theirs.exitCode).not.toBe(0);
      // Nothing was uploaded after the first push's three objects.
      expect(srv.requests.filter((r) => r.method === 'PUT' && r.url.startsWith('/storage/pp1/')).length).toBe(3);

      // Through git: the push is refused and the remote branch does not move.
      const before = (await sb.git(['ls-remote', 'origin', 'main'], { cwd: dir })).stdout;
      const g = await sb.git(['push', 'origin', 'main'], { cwd: dir });
      expect(g.exitCode).not.toBe(0);
      expect(g.stderr).toContain('Cannot update locked files.');
      expect((await sb.git(['ls-remote', 'origin', 'main'], { cwd: dir })).stdout).toBe(before);
    });

    it('tslfs push of a ref verifies locks as git lfs push does; --object-id does not', async () => {
      const dir = await pushed('pp4');
      srv.addLock('pp4', 'a.dat');
      await change(dir, ['a.dat']);
      await sb.git(['config', `lfs.${url('pp4')}.locksverify`, 'true'], { cwd: dir });
      const puts = () => srv.requests.filter((r) => r.method === 'PUT' && r.url.startsWith('/storage/pp4/')).length;
      const before = puts();
      const ours = await sb.tslfs(['push', 'origin', 'main'], { cwd: dir });
      const theirs = await sb.gitLfs(['push', 'origin', 'main'], { cwd: dir });
      expect(ours.stdout).toBe('Unable to push locked files:\n* a.dat - Other User (refs: main)\n');
      expect(ours.stdout).toBe(theirs.stdout);
      expect(ours.stderr).toContain('Cannot update locked files.');
      expect(theirs.stderr).toContain('Cannot update locked files.');
      expect(ours.exitCode).not.toBe(0);
      expect(theirs.exitCode).not.toBe(0);
      expect(puts()).toBe(before);
      // Explicit objects update no ref: nothing to verify, the object is uploaded.
      const oid = (await sb.tslfs(['ls-files', '--long'], { cwd: dir })).stdout.split('\n').find((l) => l.endsWith(' a.dat'))!.split(' ')[0]!;
      const byId = await sb.tslfs(['push', '--object-id', 'origin', oid], { cwd: dir });
      expect(byId.exitCode, byId.stderr).toBe(0);
      expect(puts()).toBe(before + 1);
    });

    it('unset locksverify warns and pushes; our own locks are a hint', async () => {
      const dir = await pushed('pp2');
      srv.addLock('pp2', 'a.dat');
      const input = await change(dir, ['a.dat']);
      const r = await sb.tslfs(['pre-push', 'origin', srv.gitUrl('pp2')], { cwd: dir, input });
      expect(r.exitCode, r.stderr).toBe(0);
      const hint = `Locking support detected on remote "origin". Consider enabling it with:\n  $ git config lfs.${url('pp2')}.locksverify true\n`;
      expect(r.stdout.startsWith(`${hint}Unable to push locked files:\n* a.dat - Other User (refs: main)\n`)).toBe(true);
      expect(r.stderr).toContain('warning: The above files would have halted this push.\n');
      const g = await sb.gitLfs(['pre-push', 'origin', srv.gitUrl('pp2')], { cwd: dir, input });
      expect(g.stdout.split('\n').filter((l) => !l.startsWith('Uploading'))).toEqual(r.stdout.split('\n').filter((l) => !l.startsWith('Uploading')));

      // Our own lock on a pushed file: a hint to unlock it.
      await sb.tslfs(['unlock', '--force', 'a.dat'], { cwd: dir });
      await sb.git(['push', '-q', 'origin', 'main'], { cwd: dir, env: { GIT_LFS_SKIP_PUSH: '1' } });
      expect((await sb.tslfs(['lock', 'sub/b.dat'], { cwd: dir })).exitCode).toBe(0);
      const input2 = await change(dir, ['sub/b.dat']);
      const r2 = await sb.tslfs(['pre-push', 'origin', srv.gitUrl('pp2')], { cwd: dir, input: input2 });
      expect(r2.exitCode, r2.stderr).toBe(0);
      expect(r2.stdout).toContain(`${hint}Consider unlocking your own locked files: (\`git lfs unlock <path>\`)\n* sub/b.dat\n`);
    });

    it('501 writes locksverify=false; other failures warn unless locksverify=true', async () => {
      const dir = await pushed('pp3');
      const input = await change(dir, ['c.dat']);
      const rule = srv.failNext({ kind: 'locks-verify', repo: 'pp3', status: 501, times: Infinity });
      const r = await sb.tslfs(['pre-push', 'origin', srv.gitUrl('pp3')], { cwd: dir, input });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('locking API');
      expect((await sb.git(['config', '--local', `lfs.${url('pp3')}.locksverify`], { cwd: dir })).stdout).toBe('false\n');
      const seen = rule.seen;
      expect((await sb.tslfs(['pre-push', 'origin', srv.gitUrl('pp3')], { cwd: dir, input })).exitCode).toBe(0);
      expect(rule.seen).toBe(seen); // not asked again
      rule.remove();

      await sb.git(['config', '--unset', `lfs.${url('pp3')}.locksverify`], { cwd: dir });
      const r500 = srv.failNext({ kind: 'locks-verify', repo: 'pp3', status: 500, times: Infinity });
      const w = await sb.tslfs(['pre-push', 'origin', srv.gitUrl('pp3')], { cwd: dir, input });
      expect(w.exitCode, w.stderr).toBe(0);
      expect(w.stdout).toContain(`Remote "origin" does not support the Git LFS locking API. Consider disabling it with:\n  $ git config lfs.${url('pp3')}.locksverify false\n`);
      await sb.git(['config', `lfs.${url('pp3')}.locksverify`, 'true'], { cwd: dir });
      const input2 = await change(dir, ['c.dat']);
      const h = await sb.tslfs(['pre-push', 'origin', srv.gitUrl('pp3')], { cwd: dir, input: input2 });
      expect(h.exitCode).toBe(2);
      r500.remove();
    });
  });

  it('hostile lock servers (HS21): cursor loops stop, ids stay one URL segment, text is escaped', async () => {
    const dir = await workRepo('h1');
    srv.addLock('h1', 'x.dat');
    const loop = srv.failNext({ kind: 'locks', repo: 'h1', cursorLoop: true, times: Infinity });
    const r = await sb.tslfs(['locks'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^Error while retrieving locks: the server repeated the lock list cursor "loop"/);
    expect(loop.seen).toBeLessThanOrEqual(3);
    loop.remove();

    srv.clearRequests();
    const u = await sb.tslfs(['unlock', '--id', '../a/b%2F'], { cwd: dir });
    expect(u.exitCode).toBe(2);
    expect(srv.requests.map((q) => q.url)).toEqual(['/h1.git/info/lfs/locks/..%2Fa%2Fb%252F/unlock']);
    expect((await sb.tslfs(['unlock', '--id', '..'], { cwd: dir })).exitCode).toBe(2);
    expect(srv.requests).toHaveLength(1);

    srv.addLock('h1', 'evil\x1b]0;pwn\x07\nO forged.dat', 'Eve\x1b[31m');
    const l = await sb.tslfs(['locks'], { cwd: dir });
    expect(l.exitCode, l.stderr).toBe(0);
    expect(l.stdout).not.toMatch(/[\x1b\x07]/);
    expect(l.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    const j = JSON.parse((await sb.tslfs(['locks', '--json'], { cwd: dir })).stdout) as Array<{ path: string }>;
    expect(j[1]!.path).toBe('evil\x1b]0;pwn\x07\nO forged.dat');

    // A 10 MB lock path is refused as a bad reply, not printed or used.
    srv.addLock('h1', `../../${'p'.repeat(10 * 1024 * 1024)}`);
    const big = await sb.tslfs(['locks'], { cwd: dir });
    expect(big.exitCode).toBe(2);
    expect(big.stderr).toBe('Error while retrieving locks: lock response: a lock path longer than 4096 bytes\n');
    expect(big.stdout).toBe('');
  });
});

function chmodReadOnly(p: string): void {
  chmodSync(p, statSync(p).mode & ~0o222);
}
function chmodWritable(p: string): void {
  chmodSync(p, statSync(p).mode | 0o200);
}

/**
 * File locking over the pure SSH protocol (git-lfs docs/proposals/ssh_adapter.md "Locks")
 * through a real sshd (test/support/sshServer.ts) and the test git-lfs-transfer server, whose
 * locks live in <bare>/lfs/locks.json: lock (201, 409), list-lock with paging, ours/theirs,
 * unlock (foreign 403, force), cursor loops (HS21), pre-push verification, and the fallback to
 * git-lfs-authenticate + HTTP (lfs.sshtransfer=never, or negotiate without git-lfs-transfer).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSshFixture } from '../support/sshFixture.js';

interface StoredLock {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
}

describe('locking over the pure SSH protocol (real sshd)', () => {
  const fx = useSshFixture(2);
  const locksFile = (bare: string) => join(bare, 'lfs', 'locks.json');
  const stored = (bare: string): StoredLock[] => {
    try {
      return JSON.parse(readFileSync(locksFile(bare), 'utf8')) as StoredLock[];
    } catch {
      return [];
    }
  };
  const seed = (bare: string, path: string, owner = 'Other User', id = `seed-${path.replace(/\W/g, '')}`): StoredLock => {
    const l = { id, path, locked_at: '2026-01-02T03:04:05+00:00', owner: { name: owner } };
    mkdirSync(join(bare, 'lfs'), { recursive: true });
    writeFileSync(locksFile(bare), JSON.stringify([...stored(bare), l]));
    return l;
  };

  it('lock, locks (paged, --verify, --json) and unlock go through git-lfs-transfer only', async () => {
    const bare = await fx.srv.createRepo('s1');
    const work = await fx.workRepo('s1work', fx.sshd.url(bare));
    await fx.sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
    const before = fx.sshd.commands().length;

    const l = await fx.sb.tslfs(['lock', 'f0.bin'], { cwd: work });
    expect(l.stdout).toBe('Locked f0.bin\n');
    expect(l.exitCode, l.stderr).toBe(0);
    expect(stored(bare).map((x) => [x.path, x.owner.name])).toEqual([['f0.bin', 'Test User']]);
    expect(fx.sshd.commands().slice(before)).toEqual([`git-lfs-transfer ${bare} upload`]);
    expect(fx.sshd.transferLog().some((x) => x.endsWith(' lock'))).toBe(true);

    const c = await fx.sb.tslfs(['lock', 'f0.bin'], { cwd: work });
    expect(c.exitCode).toBe(2);
    expect(c.stderr).toBe('Locking f0.bin failed: lock already created\n');

    // Someone else's locks; 3 per page on this server, so 6 locks take two list-lock pages.
    for (let i = 0; i < 5; i++) seed(bare, `dir/o${i}.bin`);
    const ls = await fx.sb.tslfs(['locks'], { cwd: work });
    expect(ls.exitCode, ls.stderr).toBe(0);
    const own = stored(bare)[0]!;
    expect(ls.stdout).toBe(
      ['dir/o0.bin', 'dir/o1.bin', 'dir/o2.bin', 'dir/o3.bin', 'dir/o4.bin'].map((p) => `${p}\tOther User\tID:seed-${p.replace(/\W/g, '')}\n`).join('') + `f0.bin    \tTest User \tID:${own.id}\n`,
    );
    expect(fx.sshd.commands()).toContain(`git-lfs-transfer ${bare} download`);
    expect(fx.sshd.transferLog().filter((x) => x.endsWith(' list-lock')).length).toBeGreaterThanOrEqual(2);
    const v = await fx.sb.tslfs(['locks', '--verify'], { cwd: work });
    expect(v.stdout.split('\n').filter((x) => x.startsWith('O '))).toEqual([`O f0.bin    \tTest User \tID:${own.id}`]);
    const j = JSON.parse((await fx.sb.tslfs(['locks', '--json', '--limit', '2'], { cwd: work })).stdout) as unknown[];
    expect(j).toEqual([
      { id: own.id, path: 'f0.bin', owner: { name: 'Test User' }, locked_at: own.locked_at },
      { id: 'seed-diro0bin', path: 'dir/o0.bin', owner: { name: 'Other User' }, locked_at: '2026-01-02T03:04:05Z' },
    ]);

    // Unlock: someone else's needs --force; ours by path and by id.
    const f = await fx.sb.tslfs(['unlock', '--id', 'seed-diro1bin'], { cwd: work });
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toBe('Unable to unlock seed-diro1bin: lock seed-diro1bin is owned by Other User\n');
    expect((await fx.sb.tslfs(['unlock', '--force', '--id', 'seed-diro1bin'], { cwd: work })).stdout).toBe('Unlocked Lock seed-diro1bin\n');
    const u = await fx.sb.tslfs(['unlock', 'f0.bin'], { cwd: work });
    expect(u.stdout).toBe('Unlocked f0.bin\n');
    expect(u.exitCode, u.stderr).toBe(0);
    expect(stored(bare).map((x) => x.path)).toEqual(['dir/o0.bin', 'dir/o2.bin', 'dir/o3.bin', 'dir/o4.bin']);
    // Nothing went through HTTP.
    expect(fx.srv.requests.filter((r) => r.repo === 's1')).toEqual([]);
  });

  it('a list-lock cursor that repeats is stopped (HS21)', async () => {
    const bare = await fx.srv.createRepo('s2');
    const work = await fx.workRepo('s2work', fx.sshd.url(bare));
    seed(bare, 'x.bin');
    fx.sshd.setTransferFault('lock-cursor-loop');
    try {
      const r = await fx.sb.tslfs(['locks'], { cwd: work });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/^Error while retrieving locks: the server repeated the lock list cursor "loop"/);
    } finally {
      fx.sshd.setTransferFault('');
    }
  });

  it('pre-push halts on a file locked by someone else (locksverify=true)', async () => {
    const bare = await fx.srv.createRepo('s3');
    const work = await fx.workRepo('s3work', fx.sshd.url(bare));
    expect((await fx.sb.git(['push', '-q', 'origin', 'main'], { cwd: work })).exitCode).toBe(0);
    seed(bare, 'f1.bin');
    writeFileSync(join(work, 'f1.bin'), 'changed\n');
    await fx.sb.git(['commit', '-qam', 'change'], { cwd: work });
    await fx.sb.git(['config', 'lfs.locksverify', 'true'], { cwd: work });
    const p = await fx.sb.git(['push', 'origin', 'main'], { cwd: work });
    expect(p.exitCode).not.toBe(0);
    expect(p.stdout + p.stderr).toContain('Unable to push locked files:\n* f1.bin - Other User (refs: main)\n');
    expect(p.stderr).toContain('Cannot update locked files.');
    await fx.sb.git(['config', 'lfs.locksverify', 'false'], { cwd: work });
    expect((await fx.sb.git(['push', '-q', 'origin', 'main'], { cwd: work })).exitCode).toBe(0);
  });

  it('falls back to git-lfs-authenticate + HTTP: lfs.sshtransfer=never, or negotiate without git-lfs-transfer', async () => {
    const bare = await fx.srv.createRepo('s4');
    const work = await fx.workRepo('s4work', fx.sshd.url(bare));
    await fx.sb.git(['config', 'lfs.sshtransfer', 'never'], { cwd: work });
    const before = fx.sshd.commands().length;
    const l = await fx.sb.tslfs(['lock', 'f0.bin'], { cwd: work });
    expect(l.exitCode, l.stderr).toBe(0);
    expect(fx.srv.listLocks('s4').map((x) => x.path)).toEqual(['f0.bin']);
    expect(stored(bare)).toEqual([]);
    expect(fx.sshd.commands().slice(before)).toEqual([`git-lfs-authenticate ${bare} upload`]);
    const lockReq = fx.srv.requests.find((r) => r.repo === 's4' && r.kind === 'locks')!;
    expect(lockReq.headers.extra).toEqual({ 'x-ssh-token': 'tok-upload' });

    await fx.sb.git(['config', '--unset', 'lfs.sshtransfer'], { cwd: work });
    fx.sshd.removeTransfer();
    try {
      const ls = await fx.sb.tslfs(['locks'], { cwd: work });
      expect(ls.exitCode, ls.stderr).toBe(0);
      expect(ls.stdout).toMatch(/^f0\.bin\tTest User\tID:/);
      const u = await fx.sb.tslfs(['unlock', 'f0.bin'], { cwd: work });
      expect(u.exitCode, u.stderr).toBe(0);
      expect(fx.srv.listLocks('s4')).toEqual([]);
    } finally {
      fx.sshd.restoreTransfer();
    }
  });
});

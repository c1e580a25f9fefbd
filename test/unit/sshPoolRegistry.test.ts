/**
 * SshPoolRegistry: one pool per target and operation for a run; closed when its last user lets
 * go unless the run holds the registry; a failed start is forgotten. Fake connections stand in
 * for ssh (SshPoolOptions.open), counting opens and quits.
 */
import { describe, expect, it } from 'vitest';
import { SshPoolRegistry } from '../../src/ssh/SshPoolRegistry.js';
import type { SshPoolOptions } from '../../src/ssh/SshTransferPool.js';
import type { SshPktConnection } from '../../src/ssh/SshPktConnection.js';
import { SshStartError } from '../../src/ssh/SshPktConnection.js';

function harness(failOpens = 0) {
  const stats = { opened: 0, quit: 0 };
  let failures = failOpens;
  const open = async (): Promise<SshPktConnection> => {
    if (failures > 0) {
      failures--;
      throw new SshStartError('ssh: connect refused (fake)', 255, '');
    }
    stats.opened++;
    const c = {
      broken: false,
      setRef: () => {},
      exclusive: <T>(f: () => Promise<T>) => f(),
      quit: async () => {
        stats.quit++;
      },
      kill: () => {},
    };
    return c as unknown as SshPktConnection;
  };
  const config = { get: () => undefined, getAll: () => [], getBool: (_k: string, d: boolean) => d, getInt: (_k: string, d: number) => d };
  const opts = (operation: 'upload' | 'download', maxConnections = 1): SshPoolOptions =>
    ({ env: { GIT_SSH: '/bin/true', PATH: process.env['PATH'] }, config, cwd: '/', target: { userAndHost: 'git@example.invalid', path: 'repo.git' }, operation, maxConnections, open }) as unknown as SshPoolOptions;
  return { stats, opts };
}

describe('SshPoolRegistry', () => {
  it('shares one pool per target and operation, and closes it with its last user', async () => {
    const { stats, opts } = harness();
    const reg = new SshPoolRegistry();
    const a = reg.acquire(opts('upload'));
    const b = reg.acquire(opts('upload'));
    expect(await a.pool).toBe(await b.pool);
    const other = reg.acquire(opts('download'));
    expect(await other.pool).not.toBe(await a.pool);
    expect(stats.opened).toBe(2);
    await a.release();
    expect(stats.quit).toBe(0);
    await b.release();
    await b.release(); // idempotent
    expect(stats.quit).toBe(1);
    await other.release();
    expect(stats.quit).toBe(2);
    // Released and closed: the next user starts a new pool.
    const again = reg.acquire(opts('upload'));
    await again.pool;
    expect(stats.opened).toBe(3);
    await again.release();
  });

  it('a hold keeps a released pool open for the next phase of the run', async () => {
    const { stats, opts } = harness();
    const reg = new SshPoolRegistry();
    const letGo = reg.hold();
    const verify = reg.acquire(opts('upload', 1));
    const first = await verify.pool;
    await verify.release();
    expect(stats.quit).toBe(0);
    const upload = reg.acquire(opts('upload', 8));
    expect(await upload.pool).toBe(first);
    expect(stats.opened).toBe(1);
    await upload.release();
    expect(stats.quit).toBe(0);
    await letGo();
    expect(stats.quit).toBe(1);
  });

  it('forgets a pool that failed to start, so the next user tries again', async () => {
    const { stats, opts } = harness(1);
    const reg = new SshPoolRegistry();
    const a = reg.acquire(opts('upload'));
    await expect(a.pool).rejects.toBeInstanceOf(SshStartError);
    await a.release();
    const b = reg.acquire(opts('upload'));
    await b.pool;
    expect(stats.opened).toBe(1);
    await b.release();
    expect(stats.quit).toBe(1);
  });
});

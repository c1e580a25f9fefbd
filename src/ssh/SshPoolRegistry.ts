/**
 * The git-lfs-transfer connection pools of one run, shared by everything the run does over SSH
 * (lock verification and the upload of one push use one connection, as in git-lfs).
 *
 * acquire() returns the pool for a target and operation, starting it on first use (SshStartError
 * as SshTransferPool.start); a later caller that wants more connections widens it. Each
 * acquire() is paired with a release(); a pool is closed when its last user releases it and
 * nobody holds the registry. hold() keeps released pools open until its own release, for runs
 * whose phases use SSH one after another (verify locks, then upload). A pool that failed to
 * start is forgotten, so the next caller tries again. Safe for concurrent use.
 */
import { SshTransferPool, type SshPoolOptions } from './SshTransferPool.js';

interface Slot {
  pool: Promise<SshTransferPool>;
  users: number;
}

export class SshPoolRegistry {
  private readonly slots = new Map<string, Slot>();
  private holds = 0;

  private static keyOf(o: SshPoolOptions): string {
    return JSON.stringify([o.target.userAndHost, o.target.port ?? '', o.target.path, o.operation]);
  }

  /** The shared pool for `o` (its target and operation), and the release for this use. */
  acquire(o: SshPoolOptions): { pool: Promise<SshTransferPool>; release: () => Promise<void> } {
    const key = SshPoolRegistry.keyOf(o);
    let slot = this.slots.get(key);
    if (!slot) {
      const s: Slot = { pool: SshTransferPool.start(o), users: 0 };
      s.pool.catch(() => {
        if (this.slots.get(key) === s) this.slots.delete(key);
      });
      this.slots.set(key, s);
      slot = s;
    } else {
      void slot.pool.then((p) => p.widen(o.maxConnections), () => {});
    }
    slot.users++;
    const s = slot;
    let released = false;
    return {
      pool: s.pool,
      release: async () => {
        if (released) return;
        released = true;
        s.users--;
        if (s.users === 0 && this.holds === 0) await this.closeSlot(key, s);
      },
    };
  }

  /** Keep pools open across phases; the returned release closes those nobody uses. */
  hold(): () => Promise<void> {
    this.holds++;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.holds--;
      if (this.holds > 0) return;
      await Promise.all([...this.slots].filter(([, s]) => s.users === 0).map(([k, s]) => this.closeSlot(k, s)));
    };
  }

  private async closeSlot(key: string, s: Slot): Promise<void> {
    if (this.slots.get(key) === s) this.slots.delete(key);
    await s.pool.then((p) => p.close(), () => {});
  }
}

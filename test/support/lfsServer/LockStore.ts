/**
 * In-memory locks per repo, in creation order. Cursors are lock ids: a page starts at the lock
 * whose id is the cursor. Synchronous, so concurrent requests see consistent state.
 */
import { randomBytes } from 'node:crypto';
import type { LockRecord } from './types.js';

export class LockStore {
  private readonly byRepo = new Map<string, LockRecord[]>();

  list(repo: string): LockRecord[] {
    return [...(this.byRepo.get(repo) ?? [])];
  }

  find(repo: string, pred: (l: LockRecord) => boolean): LockRecord | undefined {
    return this.byRepo.get(repo)?.find(pred);
  }

  /** Create a lock, or return the existing one for that path ({created: false}). */
  create(repo: string, path: string, owner: string): { created: boolean; lock: LockRecord } {
    const existing = this.find(repo, (l) => l.path === path);
    if (existing) return { created: false, lock: existing };
    const lock: LockRecord = {
      id: randomBytes(8).toString('hex'),
      path,
      locked_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      owner: { name: owner },
    };
    let list = this.byRepo.get(repo);
    if (!list) this.byRepo.set(repo, (list = []));
    list.push(lock);
    return { created: true, lock };
  }

  remove(repo: string, id: string): LockRecord | undefined {
    const list = this.byRepo.get(repo);
    const i = list?.findIndex((l) => l.id === id) ?? -1;
    if (!list || i < 0) return undefined;
    return list.splice(i, 1)[0];
  }

  /** One page of `locks` starting at `cursor` (a lock id); next_cursor when more remain. */
  static page(locks: LockRecord[], cursor: string | undefined, limit: number): { page: LockRecord[]; next?: string } | { badCursor: true } {
    let start = 0;
    if (cursor) {
      start = locks.findIndex((l) => l.id === cursor);
      if (start < 0) return { badCursor: true };
    }
    const page = locks.slice(start, start + limit);
    const nextLock = locks[start + limit];
    return nextLock ? { page, next: nextLock.id } : { page };
  }
}

/**
 * The lock client the commands use, over one LockTransport (HTTP or pure SSH):
 *   create(path)              one lock on `refName`
 *   search(filters, limit)    list locks, following next_cursor until `limit` locks (0: all)
 *   verify()                  ours/theirs for `refName`, every page
 *   unlockById / unlockByPath (the path is looked up first: "unable to get lock ID: no matching
 *                             locks found" when there is none)
 * Paging is bounded (HS21, git-lfs O3): a cursor seen before, or more than MAX_LOCK_PAGES pages,
 * stops with LockPagingError instead of looping forever. Not safe for concurrent use of one
 * instance (commands call it sequentially).
 */
import { TslfsError } from '../errors/TslfsError.js';
import { LockPagingError } from './lockErrors.js';
import type { Lock, LockListQuery, LockTransport, VerifyPage } from './types.js';

export const MAX_LOCK_PAGES = 1000;
/** Page size asked for when verifying: 0 sends none (the server's default), as git-lfs does. */
export const VERIFY_PAGE_SIZE = 0;

export interface LockFilters {
  path?: string;
  id?: string;
}

export class NoMatchingLockError extends TslfsError {
  constructor() {
    super('unable to get lock ID: no matching locks found', { code: 'ENOLOCK' });
  }
}

/** Calls `page(cursor)` until there is no next cursor, `enough()` says stop, or paging misbehaves. */
async function follow<P extends { nextCursor?: string }>(page: (cursor: string | undefined) => Promise<P>, take: (p: P) => boolean): Promise<void> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let n = 0; ; n++) {
    if (n >= MAX_LOCK_PAGES) throw new LockPagingError(`the server sent more than ${MAX_LOCK_PAGES} pages of locks; giving up`);
    const p = await page(cursor);
    if (!take(p) || !p.nextCursor) return;
    if (seen.has(p.nextCursor) || p.nextCursor === cursor) {
      throw new LockPagingError(`the server repeated the lock list cursor ${JSON.stringify(p.nextCursor.slice(0, 80))}; giving up`);
    }
    seen.add(p.nextCursor);
    cursor = p.nextCursor;
  }
}

export class LockClient {
  constructor(
    readonly transport: LockTransport,
    /** The lock ref (the current branch's upstream), sent with every request; null: none. */
    readonly refName: string | null,
  ) {}

  create(path: string): Promise<Lock> {
    return this.transport.create(path, this.refName);
  }

  /** Locks matching `filters`, at most `limit` of them (0 or undefined: all). */
  async search(filters: LockFilters = {}, limit = 0): Promise<Lock[]> {
    const out: Lock[] = [];
    await follow(
      (cursor) => {
        const q: LockListQuery = { ...filters };
        if (cursor) q.cursor = cursor;
        if (limit > 0) q.limit = limit - out.length;
        if (this.refName) q.refspec = this.refName;
        return this.transport.list(q);
      },
      (p) => {
        for (const l of p.locks) {
          if (limit > 0 && out.length >= limit) return false;
          out.push(l);
        }
        return !(limit > 0 && out.length >= limit);
      },
    );
    return out;
  }

  /** Lookup for unlock by path: no refspec, as git-lfs asks. */
  async idForPath(path: string): Promise<string> {
    let found: Lock | undefined;
    try {
      await this.findPath(path, (l) => (found = l));
    } catch (e) {
      if (e instanceof TslfsError) throw new TslfsError(`unable to get lock ID: ${e.message}`, { code: e.code, cause: e });
      throw e;
    }
    if (!found) throw new NoMatchingLockError();
    return found.id;
  }

  private async findPath(path: string, onFound: (l: Lock) => void): Promise<void> {
    let found: Lock | undefined;
    await follow(
      (cursor) => this.transport.list({ path, ...(cursor ? { cursor } : {}) }),
      (p) => {
        found = p.locks.find((l) => l.path === path);
        if (found) onFound(found);
        return !found;
      },
    );
  }

  /** All of ours/theirs for `refName` (default: the lock ref), `limit` per page (0: server default). */
  async verify(limit = VERIFY_PAGE_SIZE, refName: string | null = this.refName): Promise<VerifyPage> {
    const all: VerifyPage = { ours: [], theirs: [] };
    await follow(
      (cursor) => this.transport.verify(refName, cursor, limit),
      (p) => {
        all.ours.push(...p.ours);
        all.theirs.push(...p.theirs);
        return true;
      },
    );
    return all;
  }

  unlockById(id: string, force: boolean): Promise<Lock | null> {
    return this.transport.unlock(id, force, this.refName);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

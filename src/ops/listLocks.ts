/**
 * `locks`: list locks from the server (filters --path/--id, --limit), from the local cache of our
 * own locks (--local), or from the last full server answer (--cached); --verify asks the server
 * which locks are ours. Option conflicts are refused with git-lfs's messages. A full listing
 * (no filter, no limit) is saved for --cached.
 */
import { TslfsError, UsageError } from '../errors/TslfsError.js';
import type { Lock } from '../lock/types.js';
import { repoRelativePath } from './lockPaths.js';
import type { LockSession } from './lockSession.js';

export interface ListLocksOptions {
  path?: string;
  id?: string;
  /** 0 or undefined: no limit. */
  limit?: number;
  local?: boolean;
  cached?: boolean;
  verify?: boolean;
}

export interface ListLocksResult {
  locks: Lock[];
  /** With verify: the ids of our locks among `locks`. */
  ours?: Set<string>;
}

/** Throws UsageError for combinations git-lfs refuses. */
export function checkListOptions(o: ListLocksOptions): void {
  if (o.cached && o.local) throw new UsageError("--cached option can't be combined with --local");
  if (o.verify && o.local) throw new UsageError("--verify option can't be combined with --local");
  if (o.cached && (o.path || o.id)) throw new UsageError("--cached option can't be combined with filters");
  if (o.cached && o.limit) throw new UsageError("--cached option can't be combined with --limit");
  if (o.limit !== undefined && (!Number.isSafeInteger(o.limit) || o.limit < 0)) throw new UsageError(`invalid limit: ${o.limit}`);
}

function filtered(locks: Lock[], path: string | undefined, id: string | undefined, limit: number): Lock[] {
  const out = locks.filter((l) => (path === undefined || l.path === path) && (id === undefined || l.id === id));
  return limit > 0 ? out.slice(0, limit) : out;
}

function retrieving(e: unknown): never {
  if (e instanceof TslfsError) throw new TslfsError(`Error while retrieving locks: ${e.message}`, { code: e.code, cause: e, ...(e.hint ? { hint: e.hint } : {}) });
  throw e;
}

export async function listLocks(s: LockSession, o: ListLocksOptions): Promise<ListLocksResult> {
  checkListOptions(o);
  const limit = o.limit ?? 0;
  const path = o.path !== undefined && o.path !== '' ? await repoRelativePath(s.ctx, o.path) : undefined;
  const id = o.id || undefined;
  try {
    if (o.local) return { locks: filtered((await s.cache.local()).sort(byPath), path, id, limit) };
    if (o.cached) {
      if (o.verify) {
        const v = await s.cache.cachedVerifiable(s.refName);
        if (!v) retrieving(new TslfsError('no cached locks present'));
        return { locks: [...v.ours, ...v.theirs].sort(byPath), ours: new Set(v.ours.map((l) => l.id)) };
      }
      const c = await s.cache.cachedRemote(s.refName);
      if (!c) retrieving(new TslfsError('no cached locks present'));
      return { locks: c };
    }
    const full = path === undefined && id === undefined && limit === 0;
    let locks: Lock[];
    try {
      locks = await s.client.search({ ...(path !== undefined ? { path } : {}), ...(id !== undefined ? { id } : {}) }, limit);
    } catch (e) {
      retrieving(e);
    }
    if (full) await s.cache.saveRemote(s.refName, locks);
    if (!o.verify) return { locks };
    let v;
    try {
      v = await s.client.verify();
    } catch (e) {
      retrieving(e);
    }
    if (full) await s.cache.saveVerifiable(s.refName, v);
    return { locks, ours: new Set(v.ours.map((l) => l.id)) };
  } finally {
    await s.client.close();
  }
}

function byPath(a: Lock, b: Lock): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * "Locked by us" for the lockable read-only hooks, from the local lock cache (our own locks,
 * written by `lock` and cleared by `unlock`; lock/LockCache.ts). No server call, as in git-lfs.
 * The cache file is read once, on the first question, so hooks with nothing lockable never
 * read it.
 */
import { LockCache } from '../lock/LockCache.js';
import type { LockOwnership } from './lockableReadonly.js';
import type { RepoContext } from './repoContext.js';

export function localLockOwnership(ctx: RepoContext): LockOwnership {
  let paths: Promise<Set<string>> | null = null;
  return {
    async isLockedByUs(path: string): Promise<boolean> {
      paths ??= new LockCache(ctx.store.layout.lfsDir).local().then((ls) => new Set(ls.map((l) => l.path)));
      return (await paths).has(path);
    },
  };
}

/**
 * `lock <path>...`: each path (relative to the current directory) is made repo-root-relative,
 * must not be a directory, and is locked on the lock ref. Successful locks go into the local
 * lock cache and make a lockable file writable. Per-path failures are results, not throws
 * (git-lfs goes on with the next path and exits 2 at the end); `message` is the text git-lfs
 * prints ("Locking <p> failed: <cause>", "cannot lock directory: <p>", ...).
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import type { Lock } from '../lock/types.js';
import { fixLockableAfter, repoRelativePath } from './lockPaths.js';
import type { LockSession } from './lockSession.js';

export interface LockFileResult {
  /** The argument as given. */
  arg: string;
  /** Repo-root-relative path (when it could be worked out). */
  path?: string;
  lock?: Lock;
  /** Why it failed (already worded for the user). */
  message?: string;
}

export async function lockFiles(s: LockSession, args: readonly string[]): Promise<LockFileResult[]> {
  const out: LockFileResult[] = [];
  try {
    for (const arg of args) {
      const r: LockFileResult = { arg };
      out.push(r);
      try {
        r.path = await repoRelativePath(s.ctx, arg);
      } catch (e) {
        if (!(e instanceof TslfsError)) throw e;
        r.message = e.message;
        continue;
      }
      const st = await lstat(join(s.ctx.repo.workTree!, r.path)).catch(() => null);
      if (st?.isDirectory()) {
        r.message = `cannot lock directory: ${arg}`;
        continue;
      }
      try {
        r.lock = await s.client.create(r.path);
      } catch (e) {
        if (!(e instanceof TslfsError)) throw e;
        r.message = `Locking ${r.path} failed: ${e.message}`;
        continue;
      }
      await s.cache.addLocal(r.lock);
      await fixLockableAfter(s.ctx, [r.path], true);
    }
  } finally {
    await s.client.close();
  }
  return out;
}

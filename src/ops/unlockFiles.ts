/**
 * `unlock <path>... | --id <id>` (git-lfs docs/man/git-lfs-unlock.adoc). By path: the lock id
 * is looked up on the server ("unable to get lock ID: no matching locks found"); without force
 * the file must exist and have no uncommitted changes ("Cannot unlock file with uncommitted
 * changes"), checked before anything is unlocked. By id: "Unable to unlock <id>: <cause>" on
 * failure. A successful unlock drops the lock from the local cache and makes a lockable file
 * read-only again. Per-item failures are results, not throws.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import { git } from '../git/exec.js';
import type { Lock } from '../lock/types.js';
import { fixLockableAfter, repoRelativePath } from './lockPaths.js';
import type { LockSession } from './lockSession.js';

export interface UnlockResult {
  /** Set when unlocking by path (repo-root-relative, or the argument when it had none). */
  path?: string;
  /** Set when unlocking by id. */
  id?: string;
  unlocked: boolean;
  lock?: Lock | null;
  message?: string;
}

async function hasUncommittedChanges(s: LockSession, path: string): Promise<boolean> {
  // With the filters: the work tree holds content, the index a pointer; the clean filter decides.
  const r = await git(['status', '--porcelain', '--untracked-files=no', '--', `:(top,literal)${path}`], { cwd: s.ctx.repo.workTree!, env: s.ctx.env, allowFailure: true });
  return r.status !== 0 || r.stdout.toString('utf8').trim() !== '';
}

async function unlockPath(s: LockSession, arg: string, force: boolean): Promise<UnlockResult> {
  let path: string;
  try {
    path = await repoRelativePath(s.ctx, arg);
  } catch (e) {
    if (!(e instanceof TslfsError)) throw e;
    return { path: arg, unlocked: false, message: `Unable to determine path: ${e.message}` };
  }
  const r: UnlockResult = { path, unlocked: false };
  try {
    const id = await s.client.idForPath(path);
    if (!force) {
      const abs = join(s.ctx.repo.workTree!, path);
      if (!(await lstat(abs).catch(() => null))) {
        r.message = `stat ${abs}: no such file or directory`;
        return r;
      }
      if (await hasUncommittedChanges(s, path)) {
        r.message = 'Cannot unlock file with uncommitted changes';
        return r;
      }
    }
    r.lock = await s.client.unlockById(id, force);
    r.unlocked = true;
    await s.cache.removeLocal({ id, path });
    await fixLockableAfter(s.ctx, [path], false);
  } catch (e) {
    if (!(e instanceof TslfsError)) throw e;
    r.message = e.message;
  }
  return r;
}

export async function unlockFiles(s: LockSession, target: { paths: readonly string[] } | { id: string }, force: boolean): Promise<UnlockResult[]> {
  try {
    if ('id' in target) {
      const r: UnlockResult = { id: target.id, unlocked: false };
      try {
        r.lock = await s.client.unlockById(target.id, force);
        r.unlocked = true;
        await s.cache.removeLocal({ id: target.id });
        // Only index paths are ever chmod-ed, so the server's path cannot point us elsewhere.
        if (r.lock?.path) await fixLockableAfter(s.ctx, [r.lock.path], false);
      } catch (e) {
        if (!(e instanceof TslfsError)) throw e;
        r.message = `Unable to unlock ${target.id}: ${e.message}`;
      }
      return [r];
    }
    const out: UnlockResult[] = [];
    for (const p of target.paths) out.push(await unlockPath(s, p, force));
    return out;
  } finally {
    await s.client.close();
  }
}

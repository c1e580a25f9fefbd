/**
 * Paths for the lock commands: an argument relative to the current directory becomes the
 * repo-root-relative, forward-slash path git-lfs sends to the server; anything outside the work
 * tree is refused with git-lfs's message. And the lockable-file follow-up: after lock/unlock a
 * file whose `lockable` attribute is set becomes writable/read-only (ops/lockableReadonly.ts),
 * unless lfs.setlockablereadonly / GIT_LFS_SET_LOCKABLE_READONLY turn that off.
 *
 * Only paths git lists in the index are ever chmod-ed (lockablePaths), so a path from a server
 * reply can never make us touch a file outside the repository (HS21).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import { applyLockableModes, lockablePaths, mayHaveLockable, setLockableReadonlyEnabled } from './lockableReadonly.js';
import type { RepoContext } from './repoContext.js';

/** Throws TslfsError("unable to canonicalize path ...") for paths outside the work tree. */
export async function repoRelativePath(ctx: RepoContext, arg: string): Promise<string> {
  const top = ctx.repo.workTree;
  if (!top) throw new TslfsError('This operation must be run in a work tree.', { exitCode: 128, code: 'ENOWORKTREE' });
  const cwd = await realpath(ctx.cwd).catch(() => ctx.cwd);
  const abs = resolve(cwd, arg);
  const rel = relative(top, abs);
  const fwd = rel.split(sep).join('/');
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new TslfsError(`unable to canonicalize path ${JSON.stringify(fwd)}`, { code: 'EBADPATH' });
  }
  return fwd;
}

/** Make `paths` writable (ours) or read-only, where the lockable attribute applies. Never throws for a file. */
export async function fixLockableAfter(ctx: RepoContext, paths: readonly string[], ours: boolean): Promise<string[]> {
  const workTree = ctx.repo.workTree;
  if (!workTree || paths.length === 0) return [];
  if (!setLockableReadonlyEnabled(ctx.config, ctx.env)) return [];
  const lctx = { repo: ctx.repo, config: ctx.config, env: ctx.env };
  if (!(await mayHaveLockable(lctx))) return [];
  const lockable = await lockablePaths(lctx, paths);
  return applyLockableModes(workTree, lockable, { isLockedByUs: () => ours });
}

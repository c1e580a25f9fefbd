/**
 * The work of the post-checkout, post-commit and post-merge hooks: make `lockable` files
 * read-only (see ops/lockableReadonly.ts). Cheap when nothing is lockable: one rev-parse, one
 * config read and one ls-files of .gitattributes files. Outside a repository, in a bare one or
 * when disabled (GIT_LFS_SET_LOCKABLE_READONLY=0 is checked before anything runs) it does
 * nothing. Returns the paths whose mode changed. Hooks do not check lfs.repositoryformatversion
 * (they change no configuration); git failures throw GitError.
 */
import type { Env } from '../git/exec.js';
import { fixLockableFiles, setLockableReadonlyEnabled, type LockableScope, type LockOwnership } from '../ops/lockableReadonly.js';
import { localLockOwnership } from '../ops/localLockOwnership.js';
import { tryOpenRepo } from '../ops/repoContext.js';

export type LockableHook =
  | { hook: 'post-checkout'; prev: string; next: string; branchCheckout: boolean }
  | { hook: 'post-commit' }
  | { hook: 'post-merge' };

export interface LockableHookOptions {
  cwd: string;
  env: Env;
  event: LockableHook;
  locks?: LockOwnership;
}

const NULL_OID = /^0+$/;

/** Which files a hook event may have touched. */
export function scopeFor(event: LockableHook): LockableScope {
  switch (event.hook) {
    case 'post-checkout':
      // A file checkout (flag 0) tells us nothing about which files; a clone (null prev) wrote all.
      if (!event.branchCheckout || NULL_OID.test(event.prev)) return { kind: 'all' };
      return { kind: 'diff', from: event.prev, to: event.next };
    case 'post-commit':
      return { kind: 'commit', rev: 'HEAD' };
    case 'post-merge':
      return { kind: 'all' };
  }
}

export async function runLockableHook(opts: LockableHookOptions): Promise<string[]> {
  if (!setLockableReadonlyEnabled(null, opts.env)) return [];
  const ctx = await tryOpenRepo({ cwd: opts.cwd, env: opts.env });
  if (!ctx || !ctx.repo.workTree) return [];
  // Our own locks (the local lock cache) stay writable.
  return fixLockableFiles(ctx, scopeFor(opts.event), opts.locks ?? localLockOwnership(ctx));
}

/**
 * The work of the post-checkout, post-commit and post-merge hooks: make `lockable` files
 * read-only (see ops/lockableReadonly.ts). Cheap when nothing is lockable: one rev-parse, one
 * config read and one ls-files of .gitattributes files, run at the same time. Outside a repository, in a bare one or
 * when disabled (GIT_LFS_SET_LOCKABLE_READONLY=0 is checked before anything runs) it does
 * nothing. Returns the paths whose mode changed. Hooks do not check lfs.repositoryformatversion
 * (they change no configuration); git failures throw GitError.
 */
import { Config } from '../config/Config.js';
import { readGitConfig } from '../config/load.js';
import { NotARepositoryError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { discoverRepo } from '../git/repo.js';
import { listAttributeFiles, mayHaveLockable, setLockableReadonlyEnabled, type LockableScope, type LockOwnership } from '../ops/lockableReadonly.js';

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
  // The common case is a repository where nothing says `lockable`: find that out with three git
  // processes run at once (repository, config, .gitattributes files), and open the repository
  // fully (.lfsconfig, store) only when some attributes file mentions it.
  const [repo, gitEntries, attributeFiles] = await Promise.all([
    discoverRepo(opts.cwd, opts.env).catch((e: unknown) => {
      if (e instanceof NotARepositoryError) return null;
      throw e;
    }),
    readGitConfig(opts.cwd, opts.env),
    listAttributeFiles(opts.cwd, opts.env).catch(() => null),
  ]);
  if (!repo?.workTree || attributeFiles === null) return [];
  if (!(await mayHaveLockable({ repo, config: new Config(gitEntries, [], opts.env), env: opts.env }, attributeFiles))) return [];
  // Loaded only now: a hook runs on every checkout, and these modules (the store, .lfsconfig,
  // the lock cache) cost more to load than the whole check above when nothing is lockable.
  const [{ tryOpenRepo }, { fixLockableFiles }, { localLockOwnership }] = await Promise.all([
    import('../ops/repoContext.js'),
    import('../ops/lockableReadonly.js'),
    import('../ops/localLockOwnership.js'),
  ]);
  const ctx = await tryOpenRepo({ cwd: opts.cwd, env: opts.env });
  if (!ctx || !ctx.repo.workTree) return [];
  // Our own locks (the local lock cache) stay writable.
  return fixLockableFiles(ctx, scopeFor(opts.event), opts.locks ?? localLockOwnership(ctx));
}

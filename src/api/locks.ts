/**
 * Library entry point for `locks`: the locks on the server of `remote` (default: the
 * repository's default remote), optionally filtered by path (relative to `cwd`) or id and
 * limited; or our own cached locks (`local`), or the last full answer (`cached`). With `verify`,
 * `ours` holds the ids of our own locks. Throws UsageError for option combinations git-lfs
 * refuses and TslfsError("Error while retrieving locks: ...") when the server fails.
 */
import type { Env } from '../git/exec.js';
import { checkListOptions, listLocks, type ListLocksOptions, type ListLocksResult } from '../ops/listLocks.js';
import { openLockSession } from '../ops/lockSession.js';
import { openRepo } from '../ops/repoContext.js';

export type { ListLocksResult };

export interface LocksOptions extends ListLocksOptions {
  cwd: string;
  env: Env;
  remote?: string;
  onWarning?: (message: string) => void;
}

export async function locks(opts: LocksOptions): Promise<ListLocksResult> {
  checkListOptions(opts);
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  const s = await openLockSession(ctx, { remote: opts.remote ?? null, operation: 'download', ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  return listLocks(s, opts);
}

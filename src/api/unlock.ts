/**
 * Library entry point for `unlock`: remove locks by path (relative to `cwd`) or by id. Without
 * `force`, a path must exist and be unmodified, and the server refuses other users' locks.
 * Per-item outcomes are in the result (`message` in git-lfs's wording). Throws UsageError unless
 * exactly one of `id` and `paths` is given.
 */
import { UsageError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { openLockSession } from '../ops/lockSession.js';
import { openRepo } from '../ops/repoContext.js';
import { unlockFiles, type UnlockResult } from '../ops/unlockFiles.js';

export type { UnlockResult };

export interface UnlockOptions {
  cwd: string;
  env: Env;
  paths?: string[];
  id?: string;
  force?: boolean;
  remote?: string;
  onWarning?: (message: string) => void;
}

export async function unlock(opts: UnlockOptions): Promise<UnlockResult[]> {
  const hasPaths = (opts.paths?.length ?? 0) > 0;
  if (hasPaths === (opts.id !== undefined && opts.id !== '')) throw new UsageError('Exactly one of --id or a set of paths must be provided');
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env, requireWorkTree: true });
  const s = await openLockSession(ctx, { remote: opts.remote ?? null, operation: 'upload', ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  return unlockFiles(s, hasPaths ? { paths: opts.paths! } : { id: opts.id! }, Boolean(opts.force));
}

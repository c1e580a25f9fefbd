/**
 * Library entry point for `lock`: lock paths (relative to `cwd`) on the LFS server of `remote`
 * (default: the repository's default remote). Per-path outcomes are in the result; a path that
 * failed has `message` (git-lfs's wording). Throws TslfsError when there is no repository,
 * remote or endpoint.
 */
import type { Env } from '../git/exec.js';
import { lockFiles, type LockFileResult } from '../ops/lockFiles.js';
import { openLockSession } from '../ops/lockSession.js';
import { openRepo } from '../ops/repoContext.js';

export type { LockFileResult };

export interface LockOptions {
  cwd: string;
  env: Env;
  paths: string[];
  remote?: string;
  onWarning?: (message: string) => void;
}

export async function lock(opts: LockOptions): Promise<LockFileResult[]> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env, requireWorkTree: true });
  if (opts.paths.length === 0) return [];
  const s = await openLockSession(ctx, { remote: opts.remote ?? null, operation: 'upload', ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  return lockFiles(s, opts.paths);
}

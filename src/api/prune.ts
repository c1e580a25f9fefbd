/**
 * Library entry point for `prune`: delete local LFS objects that no worktree index or HEAD,
 * stash, unpushed commit or recent ref/commit needs (see ops/prune.ts for the rules). Throws
 * PruneUnverifiedError (nothing deleted) when `verifyRemote` finds objects missing on the remote
 * and `whenUnverified` is 'halt'.
 */
import type { Env } from '../git/exec.js';
import { runPrune, type PruneOptions as OpsPruneOptions, type PruneResult } from '../ops/prune.js';
import { openRepo } from '../ops/repoContext.js';

export { PruneUnverifiedError, type PruneResult, type LocalObject, type WhenUnverified } from '../ops/prune.js';

export interface PruneOptions extends Omit<OpsPruneOptions, 'transport'> {
  cwd: string;
  env: Env;
}

export async function prune(opts: PruneOptions): Promise<PruneResult> {
  const { cwd, env, ...rest } = opts;
  const ctx = await openRepo({ cwd, env });
  return runPrune(ctx, rest);
}

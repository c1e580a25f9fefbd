/**
 * Library entry for `untrack`: remove LFS patterns from the current directory's .gitattributes
 * (see ops/untrack.ts). Opens the repository (a work tree is required), checks/writes
 * lfs.repositoryformatversion and installs missing hooks when `self` is given, as git-lfs does.
 * Throws NotARepositoryError, RepoFormatError, UnsafePathError (symlinked .gitattributes).
 */
import type { Env } from '../git/exec.js';
import { installHooksQuietly } from '../ops/hooks.js';
import { openRepo } from '../ops/repoContext.js';
import type { TslfsSelf } from '../ops/tslfsCommand.js';
import { untrackPatterns, type UntrackResult } from '../ops/untrack.js';

export type { UntrackResult } from '../ops/untrack.js';

export interface UntrackOptions {
  cwd: string;
  env: Env;
  patterns: readonly string[];
  dryRun?: boolean;
  self?: TslfsSelf;
  onUntrack?: (pattern: string) => void;
}

export async function untrack(opts: UntrackOptions): Promise<UntrackResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env, requireWorkTree: true, writeFormatVersion: true });
  if (opts.self) await installHooksQuietly(ctx, opts.self);
  if (opts.patterns.length === 0) return { untracked: [], written: null };
  return untrackPatterns(ctx, opts);
}

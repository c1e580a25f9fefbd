/**
 * Library entry for `track`: add LFS patterns to the current directory's .gitattributes (see
 * ops/track.ts for the rules). Opens the repository (a work tree is required), checks and first
 * writes the local lfs.repositoryformatversion, and installs missing hooks as git-lfs does unless
 * GIT_LFS_TRACK_NO_INSTALL_HOOKS is set or `self` is not given.
 * Throws NotARepositoryError, RepoFormatError, UnsafePathError (symlinked .gitattributes).
 */
import { envTruthy } from '../config/Config.js';
import type { Env } from '../git/exec.js';
import { installHooksQuietly } from '../ops/hooks.js';
import { openRepo } from '../ops/repoContext.js';
import { trackPatterns, type TrackMessage, type TrackResult } from '../ops/track.js';
import type { TslfsSelf } from '../ops/tslfsCommand.js';

export type { TrackMessage, TrackResult } from '../ops/track.js';

export interface TrackOptions {
  cwd: string;
  env: Env;
  /** Patterns, relative to `cwd`. */
  patterns: readonly string[];
  lockable?: boolean;
  notLockable?: boolean;
  verbose?: boolean;
  dryRun?: boolean;
  noModifyAttrs?: boolean;
  /** Treat patterns as literal file names. */
  filename?: boolean;
  /** The tslfs the hooks should run; without it no hooks are installed. */
  self?: TslfsSelf;
  onMessage?: (m: TrackMessage) => void;
}

export async function track(opts: TrackOptions): Promise<TrackResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env, requireWorkTree: true, writeFormatVersion: true });
  if (opts.self && !envTruthy(opts.env['GIT_LFS_TRACK_NO_INSTALL_HOOKS'])) await installHooksQuietly(ctx, opts.self);
  return trackPatterns(ctx, opts);
}

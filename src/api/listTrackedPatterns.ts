/**
 * Library entry for `track` without arguments: every pattern with a `filter` or `lockable`
 * attribute, from the repository's attribute files (most specific first), then the global and
 * system files, in git-lfs's form ({pattern, source, lockable, tracked}). Opens the repository
 * (a work tree is required), checks/writes lfs.repositoryformatversion, and installs missing
 * hooks unless GIT_LFS_TRACK_NO_INSTALL_HOOKS is set or `self` is not given.
 */
import { envTruthy } from '../config/Config.js';
import type { Env } from '../git/exec.js';
import type { KnownPattern } from '../git/attributes.js';
import { installHooksQuietly } from '../ops/hooks.js';
import { openRepo } from '../ops/repoContext.js';
import { listPatterns } from '../ops/track.js';
import type { TslfsSelf } from '../ops/tslfsCommand.js';

export type { KnownPattern } from '../git/attributes.js';

export interface ListTrackedPatternsOptions {
  cwd: string;
  env: Env;
  self?: TslfsSelf;
}

export async function listTrackedPatterns(opts: ListTrackedPatternsOptions): Promise<KnownPattern[]> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env, requireWorkTree: true, writeFormatVersion: true });
  if (opts.self && !envTruthy(opts.env['GIT_LFS_TRACK_NO_INSTALL_HOOKS'])) await installHooksQuietly(ctx, opts.self);
  return listPatterns(ctx, true);
}

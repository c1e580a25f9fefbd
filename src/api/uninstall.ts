/**
 * `uninstall`: remove the `filter.lfs` section from one scope (global by default) and, inside a
 * repository unless skipRepo, the hooks that tslfs or git-lfs wrote (foreign hooks stay).
 * Returns what was done; prints nothing. Throws UsageError, NotARepositoryError (for
 * --local/--worktree outside a repository) and RepoFormatError.
 */
import type { Env } from '../git/exec.js';
import { uninstallFilters, selectScope, type ConfigScope } from '../ops/installFilters.js';
import { uninstallHooks, type HookType } from '../ops/hooks.js';
import { openRepo, tryOpenRepo, type RepoContext } from '../ops/repoContext.js';

export interface UninstallOptions {
  cwd: string;
  env: Env;
  local?: boolean;
  worktree?: boolean;
  system?: boolean;
  file?: string;
  skipRepo?: boolean;
}

export interface UninstallResult {
  scope: ConfigScope;
  /** Whether the repository's hooks were looked at. */
  hooksChecked: boolean;
  hooksRemoved: HookType[];
}

export async function uninstall(opts: UninstallOptions): Promise<UninstallResult> {
  const { scope, args: scopeArgs } = selectScope(opts);
  let ctx: RepoContext | null;
  if (opts.local || opts.worktree) ctx = await openRepo({ cwd: opts.cwd, env: opts.env, writeFormatVersion: true });
  else ctx = opts.skipRepo ? null : await tryOpenRepo({ cwd: opts.cwd, env: opts.env, writeFormatVersion: true });
  await uninstallFilters({ cwd: opts.cwd, env: opts.env, scopeArgs });
  const doHooks = !opts.skipRepo && ctx !== null;
  const hooksRemoved = doHooks && ctx ? await uninstallHooks(ctx) : [];
  return { scope, hooksChecked: doHooks, hooksRemoved };
}

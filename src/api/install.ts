/**
 * `install`: write the `filter.lfs.*` configuration (global by default) and, inside a repository
 * (or with --local/--worktree), install the hooks, after checking `lfs.repositoryformatversion`.
 * Returns what happened; prints nothing. Throws UsageError, NotARepositoryError,
 * RepoFormatError (128), FilterConfigConflictError and HookExistsError (2).
 */
import { UsageError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { installFilters, selectScope } from '../ops/installFilters.js';
import { installHooks, manualHookInstructions, type HookType } from '../ops/hooks.js';
import { openRepo, tryOpenRepo, type RepoContext } from '../ops/repoContext.js';
import { tslfsCommand, type TslfsSelf } from '../ops/tslfsCommand.js';

export interface InstallOptions {
  cwd: string;
  env: Env;
  /** The tslfs that git should run (node binary and bin/tslfs.js). */
  self: TslfsSelf;
  local?: boolean;
  worktree?: boolean;
  system?: boolean;
  file?: string;
  force?: boolean;
  skipSmudge?: boolean;
  /** Do not touch the current repository's hooks. */
  skipRepo?: boolean;
  /** Return hook instructions instead of writing hooks. */
  manual?: boolean;
}

export interface InstallResult {
  /** The `<cmd>` written into the filter commands. */
  command: string;
  /** 'updated': hooks installed (or already current); 'manual': see manualInstructions. */
  hooks: 'updated' | 'manual' | 'skipped';
  hooksWritten: HookType[];
  manualInstructions?: string;
}

export async function install(opts: InstallOptions): Promise<InstallResult> {
  const { args: scopeArgs } = selectScope(opts);
  const repoScoped = Boolean(opts.local || opts.worktree);
  let ctx: RepoContext | null;
  if (repoScoped) ctx = await openRepo({ cwd: opts.cwd, env: opts.env, writeFormatVersion: true });
  else ctx = opts.skipRepo ? null : await tryOpenRepo({ cwd: opts.cwd, env: opts.env, writeFormatVersion: true });
  const doHooks = !opts.skipRepo && ctx !== null;
  if (doHooks && opts.force && opts.manual) throw new UsageError('You cannot use --force and --manual options together');

  const command = tslfsCommand(opts.self, opts.env);
  await installFilters({ cwd: opts.cwd, env: opts.env, scopeArgs, cmd: command, force: opts.force, skipSmudge: opts.skipSmudge });

  if (!doHooks || !ctx) return { command, hooks: 'skipped', hooksWritten: [] };
  if (opts.manual) {
    return { command, hooks: 'manual', hooksWritten: [], manualInstructions: manualHookInstructions({ ...ctx, self: opts.self }) };
  }
  const hooksWritten = await installHooks({ ...ctx, self: opts.self, force: opts.force });
  return { command, hooks: 'updated', hooksWritten };
}

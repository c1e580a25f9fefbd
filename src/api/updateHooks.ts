/**
 * `update`: (re)install the four hooks in the current repository (after the
 * `lfs.repositoryformatversion` check), or with `manual` return instructions instead.
 * Throws NotARepositoryError, RepoFormatError, UsageError and HookExistsError.
 */
import { UsageError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { installHooks, manualHookInstructions, type HookType } from '../ops/hooks.js';
import { openRepo } from '../ops/repoContext.js';
import type { TslfsSelf } from '../ops/tslfsCommand.js';

export interface UpdateHooksOptions {
  cwd: string;
  env: Env;
  self: TslfsSelf;
  force?: boolean;
  manual?: boolean;
}

export interface UpdateHooksResult {
  hooksWritten: HookType[];
  manualInstructions?: string;
}

export async function updateHooks(opts: UpdateHooksOptions): Promise<UpdateHooksResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env, writeFormatVersion: true });
  if (opts.force && opts.manual) throw new UsageError('You cannot use --force and --manual options together');
  if (opts.manual) return { hooksWritten: [], manualInstructions: manualHookInstructions({ ...ctx, self: opts.self }) };
  return { hooksWritten: await installHooks({ ...ctx, self: opts.self, force: opts.force }) };
}

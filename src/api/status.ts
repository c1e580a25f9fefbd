/**
 * `status`: LFS objects to push, staged and unstaged changes (see ops/status.ts). Read-only
 * apart from what git itself does while diffing (running the clean filter on new files).
 * Throws NotARepositoryError and, in a bare repository, "This operation must be run in a work
 * tree." (exit 128).
 */
import type { Env } from '../git/exec.js';
import { computeStatus, type StatusReport } from '../ops/status.js';
import { openRepo } from '../ops/repoContext.js';

export type { StatusReport, StatusEntry, SideInfo, PushEntry } from '../ops/status.js';

export interface StatusOptions {
  cwd: string;
  env: Env;
  /** What the caller will show: 'plain' needs everything, 'json' the source side, 'porcelain' neither. */
  format?: 'plain' | 'porcelain' | 'json';
}

export interface StatusResult {
  report: StatusReport;
  /** The caller's directory relative to the work tree root ("" or "a/b/"). */
  prefix: string;
  /** The repository's core.quotePath. */
  quotePath: boolean;
}

export async function status(opts: StatusOptions): Promise<StatusResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env, requireWorkTree: true });
  const format = opts.format ?? 'plain';
  const report = await computeStatus(ctx, {
    describe: format === 'plain' ? 'both' : format === 'json' ? 'from' : 'none',
    push: format === 'plain',
  });
  return { report, prefix: ctx.repo.prefix, quotePath: ctx.config.getBool('core.quotepath', true) };
}

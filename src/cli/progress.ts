/**
 * When and where the commands show progress.
 *
 * - Live redraws go to stderr, and only when stderr is a terminal, or when GIT_LFS_FORCE_PROGRESS
 *   or lfs.forceprogress is set (so stdout stays clean for scripts and pipes).
 * - The final `..., done.` line goes where git-lfs 3.3.0 prints it when nothing is a terminal:
 *   stdout for push, pre-push and checkout (always), nowhere for fetch and pull unless live (then
 *   it finishes the live line on stderr). Before a final line goes to stdout the live line is
 *   erased from stderr, so a terminal showing both ends with exactly one line.
 * - GIT_LFS_PROGRESS (an absolute path) always gets git-lfs's per-update lines.
 */
import { envTruthy } from '../config/Config.js';
import { git } from '../git/exec.js';
import { ProgressMeter } from '../ui/ProgressMeter.js';
import type { SummaryVerb } from '../ui/transferSummary.js';
import type { CliContext } from './context.js';

export interface ProgressMode {
  live: boolean;
  progressFile: string | undefined;
}

/** Whether progress is forced by the environment or lfs.forceprogress (git config). */
export async function progressForced(ctx: CliContext): Promise<boolean> {
  if (envTruthy(ctx.env['GIT_LFS_FORCE_PROGRESS'])) return true;
  const r = await git(['config', '--type=bool', '--get', 'lfs.forceprogress'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true }).catch(() => null);
  return r?.status === 0 && r.stdout.toString('utf8').trim() === 'true';
}

export async function progressMode(ctx: CliContext): Promise<ProgressMode> {
  const file = ctx.env['GIT_LFS_PROGRESS'];
  return { live: ctx.stderrIsTTY || (await progressForced(ctx)), progressFile: file || undefined };
}

/** A meter for a command, drawing live on stderr per `mode`. */
export function commandMeter(ctx: CliContext, mode: ProgressMode, verb: SummaryVerb): ProgressMeter {
  return new ProgressMeter({ verb, live: mode.live, write: (s) => void ctx.stderr.write(s), progressFile: mode.progressFile });
}

/**
 * `tslfs filter-process [--skip]`: git's long-running filter (filter.lfs.process). stdout
 * carries the pkt-line protocol only; per-file problems and the end-of-run "should have been
 * pointers" warning go to stderr.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { openFilter, parseFilterArgs } from '../../filter/filterCli.js';
import { malformedWarning, runFilterProcess } from '../../filter/FilterProcess.js';
import { escapeForTerminal, quotePath } from '../../ui/escape.js';
import { installHooksQuietly } from '../../ops/hooks.js';
import { envTruthy, parseGitBool } from '../../config/Config.js';
import type { Config } from '../../config/Config.js';
import { LazyQueueFetcher } from '../../filter/LazyQueueFetcher.js';
import { FilterProgress } from '../../ui/FilterProgress.js';
import { ProgressMeter } from '../../ui/ProgressMeter.js';
import type { TransferListener } from '../../events/TransferEvents.js';

/**
 * Whether to show the download meter while git waits (see ui/FilterProgress.ts): on a terminal,
 * or when forced (TSLFS_FILTER_PROGRESS=1, GIT_LFS_FORCE_PROGRESS, lfs.forceprogress);
 * TSLFS_FILTER_PROGRESS=0 turns it off.
 */
export function filterProgressWanted(ctx: CliContext, config: Config): boolean {
  const own = ctx.env['TSLFS_FILTER_PROGRESS'];
  if (own !== undefined && own !== '') return parseGitBool(own) ?? envTruthy(own);
  return ctx.stderrIsTTY || envTruthy(ctx.env['GIT_LFS_FORCE_PROGRESS']) || config.getBool('lfs.forceprogress', false);
}

/**
 * How long filter-process polls git's pipe before blocking (see FdPktReader): 250 µs when there
 * is a CPU for git besides ours, else 0; TSLFS_FILTER_SPIN_US sets it (0 turns it off).
 */
export function filterSpinMicros(ctx: CliContext): number {
  const own = ctx.env['TSLFS_FILTER_SPIN_US'];
  if (own !== undefined && /^\d+$/.test(own.trim())) return Math.min(Number(own.trim()), 100_000);
  return availableParallelism() >= 2 ? 250 : 0;
}

async function run(skip: boolean, ctx: CliContext): Promise<number> {
  const settings = await openFilter(ctx.cwd, ctx.env, skip);
  // As git-lfs: the filters also put missing hooks in place (never replacing any).
  const hooks = installHooksQuietly(settings.ctx, ctx);
  let progress: FilterProgress | null = null;
  if (settings.fetcher instanceof LazyQueueFetcher) {
    const listeners: TransferListener[] = [];
    if (filterProgressWanted(ctx, settings.ctx.config)) {
      progress = new FilterProgress({ write: (text, done) => void ctx.stderr.write(text, () => done()) });
      listeners.push(progress.listener);
    }
    // GIT_LFS_PROGRESS: git-lfs's per-update lines for the downloads, whatever the terminal.
    const file = ctx.env['GIT_LFS_PROGRESS'];
    if (file) listeners.push(new ProgressMeter({ verb: 'Downloading', live: false, write: () => {}, progressFile: file }).listener);
    if (listeners.length > 0) settings.fetcher.onEvent = (e) => listeners.forEach((l) => l(e));
  }
  const r = await runFilterProcess({
    // Read git's pipe directly (see FdPktReader); ctx.stdin is never touched, so fd 0 stays
    // a blocking descriptor.
    input: { fd: ctx.stdinFd, spinMicros: filterSpinMicros(ctx) },
    output: ctx.stdout,
    ...(ctx.stdoutFd >= 0 ? { outputFd: ctx.stdoutFd } : {}),
    settings,
    log: (line) => {
      progress?.clear();
      ctx.stderr.write(escapeForTerminal(line) + '\n');
    },
    ...(progress ? { waitHooks: progress } : {}),
  });
  progress?.clear();
  await settings.fetcher?.close?.();
  await hooks;
  // As git-lfs at the end of a command: temp files older than an hour are leftovers of killed runs.
  await settings.store.cleanupTmp();
  const warn = malformedWarning(r.malformed, quotePath);
  if (warn) ctx.stderr.write(warn);
  if (r.error) {
    ctx.stderr.write(escapeForTerminal(r.error.message) + '\n');
    return 2;
  }
  return 0;
}

export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  const a = parseFilterArgs(args, true);
  if (a.needsCommander || a.path !== '') return undefined;
  return run(a.skip, ctx);
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description("Git filter process: git's long-running clean/smudge protocol (filter.lfs.process).")
    .option('-s, --skip', 'write pointers instead of content on smudge (GIT_LFS_SKIP_SMUDGE)')
    .action(async (o: { skip?: boolean }) => {
      ctx.exitCode = await run(Boolean(o.skip), ctx);
    });
}

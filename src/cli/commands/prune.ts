/**
 * `tslfs prune`: delete old local LFS objects (see ops/prune.ts for what is kept). Output is
 * git-lfs's, on stdout: `prune: N local objects, M retained, done.`, then either
 * `prune: K files would be pruned (X), done.` (dry run) or `prune: Deleting objects: 100% (K/K), done.`;
 * --verbose lists ` * <oid> (<size>)` per object.
 */
import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { UsageError } from '../../errors/TslfsError.js';
import type { PruneResult, WhenUnverified } from '../../api/prune.js';
import { formatBytes } from '../../ui/transferSummary.js';
import { ProgressMeter } from '../../ui/ProgressMeter.js';
import { progressMode } from '../progress.js';

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** The summary line(s) before anything is deleted. Pure. */
export function pruneSummary(res: PruneResult, verbose: boolean): string {
  let head = `prune: ${res.localObjects} ${plural(res.localObjects, 'local object', 'local objects')}, ${res.retained} retained`;
  if (res.verifyRemote) head += `, ${res.verified} verified with remote`;
  if (res.notOnRemote.length > 0) head += `, ${res.notOnRemote.length} not on remote`;
  let out = `${head}, done.\n`;
  const n = res.prunable.length;
  if (n === 0) return out;
  const list = res.prunable.map((o) => ` * ${o.oid} (${formatBytes(o.size)})`);
  if (res.dryRun) {
    const line = `prune: ${n} ${plural(n, 'file would be pruned', 'files would be pruned')} (${formatBytes(res.prunableBytes)})`;
    out += verbose ? `${line}\n${list.join('\n')}, done.\n` : `${line}, done.\n`;
  } else if (verbose) {
    out += `${list.join('\n')}\n`;
  }
  return out;
}

export interface PruneFlags {
  dryRun?: boolean;
  verbose?: boolean;
  recent?: boolean;
  force?: boolean;
  verifyRemote?: boolean;
  verifyUnreachable?: boolean;
  whenUnverified?: string;
}

/** Run prune and print its output (unless `quiet`: `fetch --prune --json`); shared with `fetch --prune`. */
export async function runPruneCommand(ctx: CliContext, o: PruneFlags, quiet = false): Promise<void> {
  const when = o.whenUnverified ?? 'halt';
  if (when !== 'halt' && when !== 'continue') throw new UsageError(`Invalid value for --when-unverified: ${JSON.stringify(when)} (use halt or continue)`);
  const { prune } = await import('../../api/prune.js');
  const mode = await progressMode(ctx);
  // Deletion progress as git-lfs's percentage task: redrawn live, the final line always.
  let meter: ProgressMeter | null = null;
  await prune({
    cwd: ctx.cwd,
    env: ctx.env,
    dryRun: Boolean(o.dryRun),
    recent: Boolean(o.recent),
    force: Boolean(o.force),
    ...(o.verifyRemote !== undefined ? { verifyRemote: o.verifyRemote } : {}),
    ...(o.verifyUnreachable !== undefined ? { verifyUnreachable: o.verifyUnreachable } : {}),
    whenUnverified: when as WhenUnverified,
    onPlan: async (plan) => {
      if (!quiet) await writeOut(ctx.stdout, pruneSummary(plan, Boolean(o.verbose)));
    },
    onDelete: (done, total) => {
      if (quiet) return;
      if (!meter) {
        meter = new ProgressMeter({ verb: 'Deleting', label: 'prune: Deleting objects', counterOnly: true, live: mode.live, write: (s) => void ctx.stderr.write(s) });
        meter.setTotal(total);
      }
      meter.fileDone('', 0, done);
    },
  });
  const m = meter as ProgressMeter | null;
  if (m) {
    m.clear();
    await writeOut(ctx.stdout, m.finalLine());
  }
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Delete old Git LFS files from local storage')
    .option('-d, --dry-run', "don't delete anything, just report what would be deleted")
    .option('-v, --verbose', 'report the full detail of what is (or would be) deleted')
    .option('--recent', 'also prune objects kept only by the fetch-recent settings')
    .option('-f, --force', 'prune everything except unpushed, staged and stashed objects (implies --recent)')
    .option('-c, --verify-remote', 'check that the remote has each object before deleting it')
    .option('--no-verify-remote', 'do not check with the remote (overrides lfs.pruneverifyremotealways)')
    .option('--verify-unreachable', 'with --verify-remote, also check objects no commit references')
    .option('--no-verify-unreachable', 'do not check unreachable objects (overrides lfs.pruneverifyunreachablealways)')
    .option('--when-unverified <mode>', 'when the remote lacks objects: halt (delete nothing, the default) or continue (keep those)')
    .action(async (o: PruneFlags) => {
      await runPruneCommand(ctx, o);
    });
}

import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { UsageError } from '../../errors/TslfsError.js';
import { escapeForTerminal } from '../../ui/escape.js';
import { summaryLine } from '../../ui/transferSummary.js';
import type { CheckoutEvent } from '../../ops/checkout.js';
import { commandMeter, progressMode } from '../progress.js';

const q = (p: string) => `"${escapeForTerminal(p)}"`;

/** The stderr line for a checkout event (also for `pull`), or null for events that print nothing. */
export function formatCheckoutEvent(e: CheckoutEvent): string | null {
  if (e.type === 'not-local') return `Skipped checkout for ${q(e.path)}, content not local. Use fetch to download.\n`;
  if (e.type === 'error') return `could not check out ${q(e.path)}: ${escapeForTerminal(e.message)}\n`;
  return null;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Populate working copy with real content from Git LFS files')
    .argument('[glob-pattern...]', 'limit to files matching these gitignore-style patterns')
    .option('--to <path>', 'write the conflict stage given by --base/--ours/--theirs to <path>')
    .option('--base', 'check out the merge base of the specified file')
    .option('--ours', 'check out our side of the conflict for the specified file')
    .option('--theirs', 'check out their side of the conflict for the specified file')
    .action(async (globs: string[], o: { to?: string; base?: boolean; ours?: boolean; theirs?: boolean }) => {
      const { checkout } = await import('../../api/checkout.js');
      const stages = (['base', 'ours', 'theirs'] as const).filter((s) => o[s]);
      if (stages.length > 1) throw new UsageError('Error parsing args: at most one of --base, --theirs, and --ours is allowed');
      if (o.to !== undefined || stages.length > 0) {
        if (o.to === undefined || stages.length !== 1) throw new UsageError('--to and exactly one of --theirs, --ours, and --base must be used together');
        if (globs.length !== 1) throw new UsageError('--to requires exactly one Git LFS object file path');
        await checkout({ cwd: ctx.cwd, env: ctx.env, conflict: { to: o.to, stage: stages[0]!, path: globs[0]! } });
        return;
      }
      // Live "Checking out LFS objects" on stderr (terminal or forced); the final line below.
      const meter = commandMeter(ctx, await progressMode(ctx), 'Checking out');
      let written: { path: string; bytes: number } | null = null;
      const res = await checkout({
        cwd: ctx.cwd,
        env: ctx.env,
        globs,
        onEvent: (e) => {
          if (e.type === 'written') {
            written = { path: e.path, bytes: e.bytes };
          } else if (e.type === 'progress') {
            if (meter.count !== e.total) meter.setTotal(e.total);
            const w = written as { path: string; bytes: number } | null;
            meter.fileDone(w?.path ?? '', w?.bytes ?? 0, e.done);
            written = null;
          } else {
            const line = formatCheckoutEvent(e);
            if (line) {
              meter.clear();
              ctx.stderr.write(line);
            }
          }
        },
      });
      meter.clear();
      if (!res.hasWorkTree) {
        await writeOut(ctx.stderr, 'This operation must be run in a work tree.\n');
        return;
      }
      if (res.total > 0) {
        await writeOut(ctx.stdout, summaryLine('Checking out', res.total, res.total, res.totalBytes, 0));
      }
      for (const p of res.refreshProblems) {
        await writeOut(ctx.stderr, `warning: ${q(p)} does not clean to its pointer (is the LFS filter installed?); its index entry was left for git to re-check\n`);
      }
      if (res.refreshError !== undefined) {
        await writeOut(ctx.stderr, `Error updating the Git index:\n${escapeForTerminal(res.refreshError)}\n`);
        ctx.exitCode = 2;
      }
    });
}

import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { TransferTally } from '../../events/TransferEvents.js';
import { escapeForTerminal } from '../../ui/escape.js';
import { summaryLine } from '../../ui/transferSummary.js';
import { showProgress } from './fetch.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Download all Git LFS files for the current ref and check them out')
    .argument('[remote]', 'remote name, URL or path (default: the tracked remote, else origin)')
    .option('-I, --include <paths>', 'comma-separated paths to fetch (overrides lfs.fetchinclude)')
    .option('-X, --exclude <paths>', 'comma-separated paths not to fetch (overrides lfs.fetchexclude)')
    .action(async (remote: string | undefined, o: { include?: string; exclude?: string }) => {
      const { pull } = await import('../../api/pull.js');
      const tally = new TransferTally();
      const started = Date.now();
      const res = await pull({
        cwd: ctx.cwd,
        env: ctx.env,
        remote: remote ?? null,
        ...(o.include !== undefined ? { include: [o.include] } : {}),
        ...(o.exclude !== undefined ? { exclude: [o.exclude] } : {}),
        onProgress: tally.listener,
        onCheckout: (e) => {
          if (e.type === 'error') ctx.stderr.write(`could not check out "${escapeForTerminal(e.path)}": ${escapeForTerminal(e.message)}\n`);
        },
      });
      const f = res.fetch;
      if (f.objects.length > 0 && showProgress(ctx)) {
        const ok = f.results.filter((r) => r.status !== 'failed').length;
        await writeOut(ctx.stderr, summaryLine('Downloading', ok, f.objects.length, tally.bytesDone, Date.now() - started));
      }
      if (res.checkout?.refreshError !== undefined) {
        await writeOut(ctx.stderr, `Error updating the Git index:\n${escapeForTerminal(res.checkout.refreshError)}\n`);
        ctx.exitCode = 2;
      }
      if (f.failed.length) {
        for (const x of f.failed) await writeOut(ctx.stderr, `error transferring ${JSON.stringify(x.oid)}: ${escapeForTerminal(x.error?.message ?? 'failed')}\n`);
        await writeOut(ctx.stderr, `Failed to fetch some objects from '${escapeForTerminal(f.endpoint.url)}'\n`);
        ctx.exitCode = 2;
      }
    });
}

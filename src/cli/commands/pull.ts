import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { escapeForTerminal } from '../../ui/escape.js';
import { commandMeter, progressMode } from '../progress.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Download all Git LFS files for the current ref and check them out')
    .argument('[remote]', 'remote name, URL or path (default: the tracked remote, else origin)')
    .option('-I, --include <paths>', 'comma-separated paths to fetch (overrides lfs.fetchinclude)')
    .option('-X, --exclude <paths>', 'comma-separated paths not to fetch (overrides lfs.fetchexclude)')
    .action(async (remote: string | undefined, o: { include?: string; exclude?: string }) => {
      const { pull } = await import('../../api/pull.js');
      const mode = await progressMode(ctx);
      const meter = commandMeter(ctx, mode, 'Downloading');
      // The checkout that follows: live only (git-lfs 3.3.0's pull prints no checkout line).
      const checkoutMeter = commandMeter(ctx, { live: mode.live, progressFile: undefined }, 'Checking out');
      let written = 0;
      // The download ends when the checkout starts: finish the meter before anything else prints.
      let fetchEnded = false;
      const endFetch = () => {
        if (fetchEnded) return;
        fetchEnded = true;
        // As git-lfs 3.3.0: the download meter (and its final line) only on a terminal or when forced.
        if (mode.live && meter.count > 0) meter.finish();
        else meter.clear();
        checkoutMeter.resetThrottle();
      };
      const res = await pull({
        cwd: ctx.cwd,
        env: ctx.env,
        remote: remote ?? null,
        ...(o.include !== undefined ? { include: [o.include] } : {}),
        ...(o.exclude !== undefined ? { exclude: [o.exclude] } : {}),
        onProgress: meter.listener,
        onCheckout: (e) => {
          endFetch();
          if (e.type === 'written') written = e.bytes;
          if (e.type === 'progress') {
            if (checkoutMeter.count !== e.total) checkoutMeter.setTotal(e.total);
            checkoutMeter.fileDone('', written, e.done);
            written = 0;
          }
          if (e.type === 'error') {
            checkoutMeter.clear();
            ctx.stderr.write(`could not check out "${escapeForTerminal(e.path)}": ${escapeForTerminal(e.message)}\n`);
          }
        },
      });
      endFetch();
      checkoutMeter.clear();
      const f = res.fetch;
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

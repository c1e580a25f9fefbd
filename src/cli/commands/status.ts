import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Show the status of Git LFS files in the working tree')
    .option('-p, --porcelain', 'Give the output in an easy-to-parse format for scripts')
    .option('-j, --json', 'Give the output in a stable JSON format for scripts')
    .action(async (o: { porcelain?: boolean; json?: boolean }) => {
      const { status } = await import('../../api/status.js');
      const fmt = await import('../../ui/statusFormat.js');
      const { withRepoErrorsOnStdout } = await import('../repoErrors.js');
      // git-lfs checks --porcelain before --json.
      const format = o.porcelain ? 'porcelain' : o.json ? 'json' : 'plain';
      await withRepoErrorsOnStdout(ctx, async () => {
        const r = await status({ cwd: ctx.cwd, env: ctx.env, format });
        const style = { quotePath: r.quotePath, prefix: r.prefix };
        const text =
          format === 'porcelain'
            ? fmt.formatStatusPorcelain(r.report, style)
            : format === 'json'
              ? fmt.formatStatusJson(r.report, style)
              : fmt.formatStatusPlain(r.report, style);
        await writeOut(ctx.stdout, text);
      });
    });
}

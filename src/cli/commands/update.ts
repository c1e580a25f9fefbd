import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Update Git hooks for the current repository')
    .option('-f, --force', 'Overwrite existing hooks')
    .option('-m, --manual', 'Print instructions for manual install')
    .action(async (o: { force?: boolean; manual?: boolean }) => {
      const { updateHooks } = await import('../../api/updateHooks.js');
      const r = await updateHooks({ cwd: ctx.cwd, env: ctx.env, self: ctx, ...o });
      if (r.manualInstructions !== undefined) await writeOut(ctx.stdout, r.manualInstructions);
      else await writeOut(ctx.stdout, 'Updated Git hooks.\n');
    });
}

import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Install Git LFS configuration (the lfs filter, and the hooks in the current repository)')
    .option('-f, --force', 'Set the Git LFS config, overwriting previous values')
    .option('-l, --local', "Set the Git LFS config for the local Git repository only")
    .option('-w, --worktree', 'Set the Git LFS config for the current Git working tree')
    .option('--system', 'Set the Git LFS config in system-wide scope')
    .option('--file <file>', 'Set the Git LFS config in the given file')
    .option('-s, --skip-smudge', 'Skip automatic downloading of objects on clone or pull')
    .option('--skip-repo', 'Skip repo setup, just install the filters')
    .option('-m, --manual', 'Print instructions for manual hook install')
    .action(async (o: { force?: boolean; local?: boolean; worktree?: boolean; system?: boolean; file?: string; skipSmudge?: boolean; skipRepo?: boolean; manual?: boolean }) => {
      const { install } = await import('../../api/install.js');
      const r = await install({ cwd: ctx.cwd, env: ctx.env, self: ctx, ...o });
      if (r.hooks === 'manual') await writeOut(ctx.stdout, r.manualInstructions!);
      else if (r.hooks === 'updated') await writeOut(ctx.stdout, 'Updated Git hooks.\n');
      await writeOut(ctx.stdout, 'Git LFS initialized.\n');
    });
}

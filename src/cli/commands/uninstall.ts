import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Remove Git LFS configuration (the lfs filter, and tslfs/git-lfs hooks in the current repository)')
    .option('-l, --local', 'Remove the Git LFS config from the local Git repository only')
    .option('-w, --worktree', 'Remove the Git LFS config from the current Git working tree')
    .option('--system', 'Remove the Git LFS config from the system-wide scope')
    .option('--file <file>', 'Remove the Git LFS config from the given file')
    .option('--skip-repo', 'Skip repo cleanup, just remove the filters')
    .action(async (o: { local?: boolean; worktree?: boolean; system?: boolean; file?: string; skipRepo?: boolean }) => {
      const { uninstall } = await import('../../api/uninstall.js');
      const r = await uninstall({ cwd: ctx.cwd, env: ctx.env, ...o });
      if (r.hooksChecked) await writeOut(ctx.stdout, 'Hooks for this repository have been removed.\n');
      if (r.scope === 'system') await writeOut(ctx.stdout, 'System Git LFS configuration has been removed.\n');
      else if (r.scope === 'global') await writeOut(ctx.stdout, 'Global Git LFS configuration has been removed.\n');
    });
}

/**
 * `tslfs post-commit`, run by git's post-commit hook: makes the lockable files changed by the new
 * commit read-only. `fast` handles it without commander.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

async function run(ctx: CliContext): Promise<number> {
  const { runLockableHook } = await import('../../api/lockableHook.js');
  await runLockableHook({ cwd: ctx.cwd, env: ctx.env, event: { hook: 'post-commit' } });
  return 0;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Git post-commit hook implementation')
    .argument('[args...]')
    .action(async () => {
      ctx.exitCode = await run(ctx);
    });
}

export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  if (args.some((a) => a.startsWith('-'))) return undefined;
  return run(ctx);
}

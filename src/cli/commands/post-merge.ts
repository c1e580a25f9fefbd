/**
 * `tslfs post-merge <squash>`, run by git's post-merge hook: makes lockable files read-only.
 * `fast` handles it without commander.
 */
import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

async function run(args: string[], ctx: CliContext): Promise<number> {
  if (args.length !== 1) {
    await writeOut(ctx.stderr, "This should be run through Git's post-merge hook.  Run `tslfs update` to install it.\n");
    return 1;
  }
  const { runLockableHook } = await import('../../api/lockableHook.js');
  await runLockableHook({ cwd: ctx.cwd, env: ctx.env, event: { hook: 'post-merge' } });
  return 0;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Git post-merge hook implementation')
    .argument('[args...]')
    .action(async (args: string[]) => {
      ctx.exitCode = await run(args, ctx);
    });
}

export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  if (args.some((a) => a.startsWith('-'))) return undefined;
  return run(args, ctx);
}

/**
 * The shape shared by the lockable-file hook commands (post-checkout, post-commit, post-merge):
 * git's arguments checked by count, the work done by runLockableHook, and a `fast` handler so a
 * hook that runs on every checkout never loads commander.
 */
import type { Command } from 'commander';
import { writeOut, type CliContext, type CommandModule } from './context.js';
import type { LockableHook } from '../api/lockableHook.js';

export function hookCommand(hook: string, argCount: number | null, eventOf: (args: string[]) => LockableHook): CommandModule {
  const run = async (args: string[], ctx: CliContext): Promise<number> => {
    if (argCount !== null && args.length !== argCount) {
      await writeOut(ctx.stderr, `This should be run through Git's ${hook} hook.  Run \`tslfs update\` to install it.\n`);
      return 1;
    }
    const { runLockableHook } = await import('../api/lockableHook.js');
    await runLockableHook({ cwd: ctx.cwd, env: ctx.env, event: eventOf(args) });
    return 0;
  };
  return {
    define(cmd: Command, ctx: CliContext): void {
      cmd
        .description(`Git ${hook} hook implementation`)
        .argument('[args...]')
        .action(async (args: string[]) => {
          ctx.exitCode = await run(args, ctx);
        });
    },
    async fast(args: string[], ctx: CliContext): Promise<number | undefined> {
      if (args.some((a) => a.startsWith('-'))) return undefined;
      return run(args, ctx);
    },
  };
}

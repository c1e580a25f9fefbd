import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd.description('Display the Git LFS environment').action(async () => {
    const { lfsEnv } = await import('../../api/env.js');
    const lines = await lfsEnv({ cwd: ctx.cwd, env: ctx.env, self: ctx });
    await writeOut(ctx.stdout, lines.join('\n') + '\n');
  });
}

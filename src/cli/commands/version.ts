import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { versionString } from '../../version.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd.description('Show the version number').action(async () => {
    await writeOut(ctx.stdout, versionString() + '\n');
  });
}

/** `tslfs version` without commander: the startup floor. */
export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  if (args.length > 0) return undefined;
  await writeOut(ctx.stdout, versionString() + '\n');
  return 0;
}

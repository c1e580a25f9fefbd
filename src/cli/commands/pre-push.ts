/**
 * `tslfs pre-push <remote> [url]`, run by git's pre-push hook with ref lines on stdin. Until the
 * transfer work lands it only refuses pushes that carry LFS objects (see api/prePush.ts).
 */
import type { Command } from 'commander';
import type { Readable } from 'node:stream';
import { writeOut, type CliContext } from '../context.js';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8');
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  if (args.length < 1 || args.length > 2) {
    await writeOut(ctx.stderr, "This should be run through Git's pre-push hook.  Run `tslfs update` to install it.\n");
    return 1;
  }
  const input = await readAll(ctx.stdin);
  const { prePush } = await import('../../api/prePush.js');
  await prePush({ cwd: ctx.cwd, env: ctx.env, remote: args[0]!, input });
  return 0;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Git pre-push hook implementation')
    .argument('[args...]')
    .action(async (args: string[]) => {
      ctx.exitCode = await run(args, ctx);
    });
}

export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  if (args.some((a) => a.startsWith('-'))) return undefined;
  return run(args, ctx);
}

/**
 * `tslfs pre-push <remote> [url]`, run by git's pre-push hook with ref lines on stdin: uploads
 * the LFS objects of the pushed commits that the remote lacks (see api/prePush.ts). A non-zero
 * exit stops git's push, so the remote never gets pointers without their content.
 */
import type { Command } from 'commander';
import type { Readable } from 'node:stream';
import { writeOut, type CliContext } from '../context.js';
import { commandMeter, progressMode } from '../progress.js';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8');
}

async function run(args: string[], dryRun: boolean, ctx: CliContext): Promise<number> {
  if (args.length < 1 || args.length > 2) {
    await writeOut(ctx.stderr, "This should be run through Git's pre-push hook.  Run `tslfs update` to install it.\n");
    return 1;
  }
  const input = await readAll(ctx.stdin);
  const [{ prePush }, { reportPush, lockNoticePrinter }] = await Promise.all([import('../../api/prePush.js'), import('./push.js')]);
  const meter = commandMeter(ctx, await progressMode(ctx), 'Uploading');
  const res = await prePush({ cwd: ctx.cwd, env: ctx.env, remote: args[0]!, input, dryRun, onProgress: meter.listener, onLockNotice: lockNoticePrinter(ctx) });
  if (!res) {
    meter.clear();
    return 0;
  }
  // git shows hook output on the terminal; keep stdout for the summary as git-lfs does.
  return reportPush(res, dryRun, meter, ctx);
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Git pre-push hook implementation')
    .argument('[args...]')
    .option('-d, --dry-run', 'print the files that would be pushed, without pushing')
    .action(async (args: string[], o: { dryRun?: boolean }) => {
      ctx.exitCode = await run(args, Boolean(o.dryRun), ctx);
    });
}

export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  if (args.some((a) => a.startsWith('-'))) return undefined;
  return run(args, false, ctx);
}

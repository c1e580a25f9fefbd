import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { UsageError } from '../../errors/TslfsError.js';
import type { ProgressMeter } from '../../ui/ProgressMeter.js';
import { commandMeter, progressMode } from '../progress.js';
import { escapeForTerminal } from '../../ui/escape.js';
import { summaryLine } from '../../ui/transferSummary.js';
import { readWords } from './fetch.js';
import type { PushResult } from '../../api/push.js';

/**
 * Print a push's outcome as git-lfs does (dry-run lines, missing objects, the summary line,
 * failures) and return the exit code. Shared by `push` and the pre-push hook.
 */
export async function reportPush(res: PushResult, dryRun: boolean, meter: ProgressMeter, ctx: CliContext): Promise<number> {
  // The live meter (stderr) gives way to the final line, which goes to stdout as in git-lfs.
  meter.clear();
  if (dryRun) {
    for (const x of res.objects) await writeOut(ctx.stdout, `push ${x.oid} => ${escapeForTerminal(x.name)}\n`);
    return 0;
  }
  if (res.missing.length) {
    const lines = res.missing.map((m) => `  (missing) ${escapeForTerminal(m.name)} (${m.oid})\n`).join('');
    await writeOut(ctx.stderr, `Git LFS upload missing objects:\n${lines}`);
  }
  const sent = res.results.filter((r) => r.status !== 'skipped');
  if (sent.length > 0) {
    const ok = sent.filter((r) => r.status === 'transferred').length;
    await writeOut(ctx.stdout, summaryLine('Uploading', ok, sent.length, meter.bytes, meter.elapsedMs));
  }
  if (res.failed.length) {
    await writeOut(ctx.stderr, 'LFS upload failed:\n');
    for (const f of res.failed) {
      await writeOut(ctx.stderr, `  (error) ${escapeForTerminal(f.names[0] ?? f.oid)} (${f.oid}): ${escapeForTerminal(f.error?.message ?? 'failed')}\n`);
    }
    await writeOut(ctx.stderr, `error: failed to push some objects to '${escapeForTerminal(res.endpoint.url)}'\n`);
    return 2;
  }
  return 0;
}

interface PushFlags {
  dryRun?: boolean;
  all?: boolean;
  objectId?: boolean;
  stdin?: boolean;
}

/** Prints lock verification's hints and warnings on the stream git-lfs uses for each. */
export function lockNoticePrinter(ctx: CliContext): (stream: 'stdout' | 'stderr', text: string) => void {
  return (stream, text) => void writeOut(stream === 'stdout' ? ctx.stdout : ctx.stderr, `${escapeForTerminal(text)}\n`);
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Push local Git LFS files to a remote')
    .argument('[remote]', 'remote name, URL or path')
    .argument('[refs...]', 'refs (or, with --object-id, object ids) to push')
    .option('-d, --dry-run', 'print the files that would be pushed, without pushing')
    .option('-a, --all', 'push every object reachable from the refs (default: all refs)')
    .option('-o, --object-id', 'the arguments are object ids, not refs')
    .option('--stdin', 'read refs or object ids from standard input')
    .action(async (remote: string | undefined, args: string[], o: PushFlags) => {
      if (!remote) {
        await writeOut(ctx.stderr, 'Specify a remote and a remote branch name (`git lfs push origin main`)\n');
        ctx.exitCode = 1;
        return;
      }
      if (o.stdin) {
        if (args.length) throw new UsageError('tslfs push: --stdin cannot be combined with refs or object ids as arguments');
        args = await readWords(ctx.stdin);
      }
      const { push } = await import('../../api/push.js');
      const meter = commandMeter(ctx, await progressMode(ctx), 'Uploading');
      const res = await push({
        cwd: ctx.cwd,
        env: ctx.env,
        remote,
        refs: o.objectId ? [] : args,
        all: Boolean(o.all),
        ...(o.objectId ? { objectIds: args } : {}),
        dryRun: Boolean(o.dryRun),
        onProgress: meter.listener,
        onLockNotice: lockNoticePrinter(ctx),
      });
      ctx.exitCode = await reportPush(res, Boolean(o.dryRun), meter, ctx);
    });
}

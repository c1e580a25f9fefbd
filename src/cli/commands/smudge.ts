/**
 * `tslfs smudge [--skip] [-- <path>]`: git's one-shot smudge filter. A pointer on stdin, the
 * object's content on stdout; anything that is not a pointer passes through unchanged
 * (streamed). When the object cannot be obtained the pointer is written and the exit status
 * is 2, unless lfs.skipdownloaderrors / GIT_LFS_SKIP_DOWNLOAD_ERRORS (then 0), as git-lfs does.
 */
import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { sourceOf, withHead } from '../../filter/byteSource.js';
import { openFilter, parseFilterArgs } from '../../filter/filterCli.js';
import { missingMessage, planSmudge, readSmudgeInput, writeObject } from '../../filter/smudgeContent.js';
import { encodePointerBuffer } from '../../model/pointer.js';
import { escapeForTerminal } from '../../ui/escape.js';
import { installHooksQuietly } from '../../ops/hooks.js';

async function run(path: string, skip: boolean, ctx: CliContext): Promise<number> {
  const s = await openFilter(ctx.cwd, ctx.env, skip);
  await installHooksQuietly(s.ctx, ctx);
  const out = (c: Buffer) => writeOut(ctx.stdout, c);
  const input = await readSmudgeInput(sourceOf(ctx.stdin));
  if (input.kind === 'passthrough') {
    for await (const c of withHead(input.head, input.rest)) await out(c);
    // git-lfs's wording (the path is escaped, never opened).
    ctx.stderr.write(`Pointer file error: Unable to parse pointer at: ${JSON.stringify(escapeForTerminal(path || '<unknown file>'))}\n`);
    return 0;
  }
  const p = input.pointer;
  let plan = await planSmudge(p, path, s);
  let cause: unknown;
  if (plan === 'missing' && s.fetcher) {
    try {
      await s.fetcher.fetch({ oid: p.oid, size: p.size, path });
      plan = 'local';
    } catch (e) {
      cause = e;
    } finally {
      await s.fetcher.close?.();
    }
  }
  switch (plan) {
    case 'empty':
      return 0;
    case 'skip':
    case 'excluded':
      await out(encodePointerBuffer(p));
      return 0;
    case 'local':
      await writeObject(p, path, s, out);
      return 0;
    case 'missing':
      await out(encodePointerBuffer(p));
      ctx.stderr.write(escapeForTerminal(missingMessage(path || '<unknown file>', p.oid, cause)) + '\n');
      return s.skipDownloadErrors ? 0 : 2;
  }
}

export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  const a = parseFilterArgs(args, true);
  if (a.needsCommander) return undefined;
  return run(a.path, a.skip, ctx);
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Git smudge filter: read a pointer on stdin and write the object content to stdout.')
    .argument('[path]', 'the file name git passes as %f')
    .option('-s, --skip', 'write the pointer instead of the content (GIT_LFS_SKIP_SMUDGE)')
    .action(async (path: string | undefined, o: { skip?: boolean }) => {
      ctx.exitCode = await run(path ?? '', Boolean(o.skip), ctx);
    });
}

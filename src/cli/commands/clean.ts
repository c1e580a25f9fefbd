/**
 * `tslfs clean [-- <path>]`: git's one-shot clean filter. Content on stdin, pointer on stdout.
 * Nothing is written to stdout unless the object was stored, so a failure makes git fail the
 * add instead of recording a pointer without its object.
 */
import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { sourceOf } from '../../filter/byteSource.js';
import { cleanContent } from '../../filter/cleanContent.js';
import { openFilter, parseFilterArgs } from '../../filter/filterCli.js';
import { installHooksQuietly } from '../../ops/hooks.js';

async function run(path: string, ctx: CliContext): Promise<number> {
  const s = await openFilter(ctx.cwd, ctx.env, false);
  await installHooksQuietly(s.ctx, ctx);
  const r = await cleanContent({ store: s.store, input: sourceOf(ctx.stdin), path, extensions: s.extensions, cwd: s.cwd, env: s.env });
  await writeOut(ctx.stdout, r.pointer);
  return 0;
}

export async function fast(args: string[], ctx: CliContext): Promise<number | undefined> {
  const a = parseFilterArgs(args, false);
  if (a.needsCommander) return undefined;
  return run(a.path, ctx);
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Git clean filter: read file content on stdin, store it as an LFS object and write its pointer to stdout.')
    .argument('[path]', 'the file name git passes as %f (used for extensions)')
    .action(async (path: string | undefined) => {
      ctx.exitCode = await run(path ?? '', ctx);
    });
}

import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

/** `tslfs untrack <pattern>...`: prints `Untracking "<pattern>"` (Go %q quoting) per removed line. */
export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Remove Git LFS paths from Git Attributes')
    .argument('[pattern...]', 'patterns to stop tracking')
    .action(async (patterns: string[]) => {
      const { untrack } = await import('../../api/untrack.js');
      const { goQuote } = await import('../../model/goQuote.js');
      const self = { nodePath: ctx.nodePath, binPath: ctx.binPath };
      const lines: Promise<void>[] = [];
      await untrack({
        cwd: ctx.cwd,
        env: ctx.env,
        patterns,
        self,
        onUntrack: (p) => lines.push(writeOut(ctx.stdout, `Untracking ${goQuote(p)}\n`)),
      });
      if (patterns.length === 0) lines.push(writeOut(ctx.stdout, 'git lfs untrack <path> [path]*\n'));
      await Promise.all(lines);
    });
}

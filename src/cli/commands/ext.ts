import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { UsageError } from '../../errors/TslfsError.js';
import { escapeForTerminal } from '../../ui/escape.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('View extension details')
    .argument('[list]', '"list" (the default)')
    .argument('[name...]', 'only these extensions')
    .action(async (sub: string | undefined, names: string[]) => {
      if (sub !== undefined && sub !== 'list') {
        // git-lfs ignores anything but `list` here and lists everything; so do we.
        names = [];
      }
      if (sub === undefined && names.length > 0) throw new UsageError('Usage: tslfs ext [list [<name>...]]');
      const { ext } = await import('../../api/ext.js');
      const res = await ext({ cwd: ctx.cwd, env: ctx.env, names });
      const e = escapeForTerminal;
      let out = '';
      for (const x of res.extensions) {
        out += `Extension: ${e(x.name)}\n    clean = ${e(x.clean)}\n    smudge = ${e(x.smudge)}\n    priority = ${x.priority}\n`;
      }
      await writeOut(ctx.stdout, out);
      if (res.missing.length > 0) {
        await writeOut(ctx.stderr, res.missing.map((n) => `Extension ${JSON.stringify(n)} is not configured\n`).join(''));
        ctx.exitCode = 2;
      }
    });
}

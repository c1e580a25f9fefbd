import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { UsageError } from '../../errors/TslfsError.js';
import { escapeForTerminal } from '../../ui/escape.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Show errors from the Git LFS command')
    .argument('[file|last|clear|boomtown]', 'a log to show, "last", "clear" or "boomtown"')
    .argument('[extra...]')
    .action(async (what: string | undefined, extra: string[]) => {
      if (extra.length > 0) throw new UsageError('Usage: tslfs logs [<file>|last|clear|boomtown]');
      const { logs } = await import('../../api/logs.js');
      const base = { cwd: ctx.cwd, env: ctx.env };
      const res =
        what === undefined
          ? await logs({ ...base, action: 'list' })
          : what === 'last' || what === 'clear' || what === 'boomtown'
            ? await logs({ ...base, action: what })
            : await logs({ ...base, action: 'show', name: what });
      switch (res.kind) {
        case 'list':
          await writeOut(ctx.stdout, res.names.map((n) => escapeForTerminal(n) + '\n').join(''));
          break;
        case 'show':
          await writeOut(ctx.stdout, res.text === null ? 'No logs to show\n' : escapeForTerminal(res.text));
          break;
        case 'cleared':
          await writeOut(ctx.stdout, `Cleared ${escapeForTerminal(res.dir)}\n`);
          break;
        case 'crashed':
          await writeOut(ctx.stderr, `${res.message}\n\nErrors logged to '${escapeForTerminal(res.logPath)}'.\nUse \`tslfs logs last\` to view the log.\n`);
          ctx.exitCode = 2;
          break;
      }
    });
}

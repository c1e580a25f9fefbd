import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { escapeForTerminal } from '../../ui/escape.js';

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Deduplicate Git LFS files')
    .option('-t, --test', 'only check whether this system and repository support de-duplication')
    .action(async (o: { test?: boolean }) => {
      const { dedup } = await import('../../api/dedup.js');
      const e = escapeForTerminal;
      const res = await dedup({
        cwd: ctx.cwd,
        env: ctx.env,
        test: Boolean(o.test),
        onEvent: (ev) => {
          if (ev.type === 'success') ctx.stdout.write(`Success: ${e(ev.path)} (Size: ${ev.size})\n`);
          else ctx.stderr.write(`Skipped: ${e(ev.path)} (Size: ${ev.size})${ev.reason ? `\n          ${e(ev.reason)}` : ''}\n`);
        },
      });
      if (res === null) {
        await writeOut(ctx.stdout, 'OK: This platform and repository support file de-duplication.\n');
        return;
      }
      await writeOut(ctx.stdout, `\n\nSuccessfully finished.\n  De-duplicated  size: ${res.bytes} bytes\n                count: ${res.count}\n`);
    });
}

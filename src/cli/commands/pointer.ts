import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

interface Flags {
  file?: string;
  pointer?: string;
  stdin?: boolean;
  check?: boolean;
}

export function define(cmd: Command, ctx: CliContext): void {
  // commander folds --strict and --no-strict into one value; git-lfs rejects giving both.
  let sawStrict = false;
  let sawNoStrict = false;
  cmd.on('option:strict', () => (sawStrict = true));
  cmd.on('option:no-strict', () => (sawNoStrict = true));
  cmd
    .description('Build, compare, and check pointers')
    .option('--file <path>', 'A local file to build the pointer from')
    .option('--pointer <path>', 'A local file including the contents of a pointer generated from another implementation')
    .option('--stdin', 'Read the pointer from STDIN to compare with the pointer generated from --file')
    .option('--check', 'Exit 0 if the data read from --file or --stdin is a valid Git LFS pointer, 1 otherwise')
    .option('--strict', 'With --check, exit 2 when the pointer is not canonical')
    .option('--no-strict', 'With --check, accept non-canonical pointers (the default)')
    .action(async (o: Flags) => {
      if (o.stdin && !o.check && (ctx.stdin as { isTTY?: boolean }).isTTY) {
        // Nothing was piped in: say so instead of waiting for the terminal (as git-lfs does).
        await writeOut(ctx.stderr, 'Cannot read from STDIN: The --stdin flag expects a pointer file from STDIN.\n');
        ctx.exitCode = 1;
        return;
      }
      const { pointer } = await import('../../api/pointer.js');
      const { escapeForTerminal } = await import('../../ui/escape.js');
      const r = await pointer({
        cwd: ctx.cwd,
        env: ctx.env,
        file: o.file,
        pointer: o.pointer,
        stdin: o.stdin ? ctx.stdin : undefined,
        check: o.check,
        strict: sawStrict,
        noStrict: sawNoStrict,
      });
      if (r.mode === 'check') {
        ctx.exitCode = r.exitCode;
        return;
      }
      const err = (s: string) => writeOut(ctx.stderr, s);
      // Pointer text is printed as read; only a CR that ends a line is left as is.
      const showRaw = (b: Buffer) => b.toString('utf8').split('\r\n').map(escapeForTerminal).join('\r\n');
      if (r.built) {
        await err(`Git LFS pointer for ${escapeForTerminal(r.built.path)}\n\n`);
        await writeOut(ctx.stdout, r.built.text);
        if (r.built.blobOid) await err(`\nGit blob OID: ${r.built.blobOid}\n\n`);
      }
      if (r.lateError) await err(`${r.lateError}\n`);
      if (r.other) {
        await err(`Pointer from ${escapeForTerminal(r.other.source)}\n\n`);
        if (r.other.error !== undefined) await err(`${escapeForTerminal(r.other.error)}\n`);
        else {
          await err(showRaw(r.other.raw!));
          if (r.other.blobOid) await err(`\nGit blob OID: ${r.other.blobOid}\n`);
          if (r.mismatch) await err('\nPointers do not match\n');
        }
      }
      if (r.nothingToDo) await err('Nothing to do!\n');
      ctx.exitCode = r.exitCode;
    });
}


/**
 * git-lfs prints "Not in a Git repository." and "This operation must be run in a work tree."
 * on stdout (exit 128), unlike its other errors. Commands that want byte-compatible output run
 * their action through this.
 */
import { TslfsError } from '../errors/TslfsError.js';
import { escapeForTerminal } from '../ui/escape.js';
import { writeOut, type CliContext } from './context.js';

const ON_STDOUT = new Set(['ENOTREPO', 'ENOWORKTREE']);

export async function withRepoErrorsOnStdout(ctx: CliContext, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (e) {
    if (e instanceof TslfsError && ON_STDOUT.has(e.code)) {
      await writeOut(ctx.stdout, `${escapeForTerminal(e.message)}\n`);
      ctx.exitCode = e.exitCode;
      return;
    }
    throw e;
  }
}

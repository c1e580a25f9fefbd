/**
 * Run a CLI command module in-process as cli/main.ts would (commander, a captured CliContext,
 * errors formatted by formatError): for commands not registered in commandList yet, and for
 * TTY/forced-progress cases a child process cannot fake.
 */
import { Readable, Writable } from 'node:stream';
import type { CliContext, CommandModule } from '../../src/cli/context.js';
import { formatError } from '../../src/ui/formatError.js';
import { TSLFS_BIN } from './sandbox.js';

export interface InProcessResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface InProcessOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  stdin?: string;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
}

export async function runCommand(mod: CommandModule, name: string, args: string[], o: InProcessOptions): Promise<InProcessResult> {
  const { Command, CommanderError } = await import('commander');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (a: Buffer[]) =>
    new Writable({
      write(c, _e, cb) {
        a.push(Buffer.from(c));
        cb();
      },
    });
  const ctx: CliContext = {
    cwd: o.cwd,
    env: o.env,
    stdin: Readable.from([Buffer.from(o.stdin ?? '')]),
    // In-process commands never read fd 0 (only filter-process does, in its own process).
    stdinFd: -1,
    stdoutFd: -1,
    stdout: sink(out),
    stderr: sink(err),
    stdoutIsTTY: Boolean(o.stdoutIsTTY),
    stderrIsTTY: Boolean(o.stderrIsTTY),
    nodePath: process.execPath,
    binPath: TSLFS_BIN,
    exitCode: 0,
  };
  const program = new Command('tslfs').exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  const cmd = program.command(name);
  mod.define(cmd, ctx);
  cmd.exitOverride();
  try {
    await program.parseAsync([name, ...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) ctx.exitCode = e.exitCode === 0 ? 0 : 2;
    else {
      const f = formatError(e);
      err.push(Buffer.from(f.text));
      ctx.exitCode = f.exitCode;
    }
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: ctx.exitCode };
}

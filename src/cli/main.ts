/**
 * The tslfs entry point and the only module that reads process.argv/env/cwd, writes to the
 * process's streams and sets the exit code. It loads commander and the invoked command only;
 * hot commands (filters, hooks) may skip commander through their `fast` handler.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { COMMANDS } from './commandList.js';
import type { CliContext } from './context.js';
import { formatError } from '../ui/formatError.js';
import { envTruthy } from '../config/Config.js';
import { TslfsError } from '../errors/TslfsError.js';
import { cleanupLiveTempFilesSync } from '../store/liveTempFiles.js';
import { VERSION } from '../version.js';

/**
 * SIGINT/SIGTERM: keep resumable download bytes, delete other temp files, and exit with git's
 * convention (128 + signal number). Child processes (git cat-file, helpers) see their pipes
 * close and exit; a terminal's Ctrl-C reaches them too.
 */
function installSignalHandlers(): void {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(sig, () => {
      cleanupLiveTempFilesSync();
      process.exit(code);
    });
  }
}

function binPath(): string {
  // dist/cli/main.js -> bin/tslfs.js; under vitest (src/cli/main.ts) the same relative layout.
  const here = dirname(fileURLToPath(import.meta.url));
  const p = join(here, '..', '..', 'bin', 'tslfs.js');
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function makeContext(): CliContext {
  return {
    cwd: process.cwd(),
    env: { ...process.env },
    get stdin() {
      return process.stdin;
    },
    stdinFd: 0,
    stdout: process.stdout,
    stdoutFd: 1,
    stderr: process.stderr,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    nodePath: process.execPath,
    binPath: binPath(),
    exitCode: 0,
  };
}

async function runCommander(argv: string[], ctx: CliContext, only?: string): Promise<void> {
  const { Command, CommanderError } = await import('commander');
  const program = new Command('tslfs');
  program
    .usage('<command> [<args>]')
    .description('tslfs: a Git LFS client in TypeScript, compatible with git-lfs.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .helpCommand(true)
    .showSuggestionAfterError(true);
  const names = only ? [only] : Object.keys(COMMANDS);
  for (const name of names) {
    const entry = COMMANDS[name]!;
    const cmd = program.command(name, { hidden: Boolean(entry.plumbing) && !only }).summary(entry.summary);
    const mod = await entry.load();
    mod.define(cmd, ctx);
    cmd.exitOverride();
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version output are not errors; usage errors were already printed by commander.
      ctx.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    throw e;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const ctx = makeContext();
  installSignalHandlers();
  try {
    const name = argv[0];
    const entry = name !== undefined ? COMMANDS[name] : undefined;
    if (entry && name) {
      const mod = await entry.load();
      if (mod.fast) {
        const code = await mod.fast(argv.slice(1), ctx);
        if (code !== undefined) {
          process.exitCode = code;
          return;
        }
      }
      await runCommander(argv, ctx, name);
    } else if (name === '--version' || name === '-v') {
      await runCommander(['version'], ctx, 'version');
    } else {
      await runCommander(argv.length ? argv : ['help'], ctx);
    }
    process.exitCode = ctx.exitCode;
  } catch (e) {
    const { text, exitCode } = formatError(e, envTruthy(ctx.env['TSLFS_DEBUG']));
    process.stderr.write(text);
    process.exitCode = exitCode;
    if (!(e instanceof TslfsError)) {
      // An unexpected failure is a bug: keep the details where `tslfs logs last` finds them.
      const { writeCrashLogForRepo } = await import('../ops/logs.js');
      const log = await writeCrashLogForRepo({ cwd: ctx.cwd, env: ctx.env, version: VERSION, argv, message: String((e as Error)?.message ?? e), error: e });
      if (log) process.stderr.write(`Errors logged to '${log}'.\nUse \`tslfs logs last\` to view the log.\n`);
    }
  }
}

await main();

/**
 * What a command action gets from cli/main.ts: the process's streams, cwd and env, read once
 * here so that nothing below cli/ touches `process`.
 */
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Env } from '../git/exec.js';
import { encodePathBytes, hasEscapedBytes } from '../model/pathBytes.js';

export interface CliContext {
  cwd: string;
  env: Env;
  /** Created on first use: filter-process reads fd 0 directly and must not turn it into a stream. */
  stdin: Readable;
  stdinFd: number;
  stdout: Writable;
  /** The descriptor behind stdout (1), or -1 when stdout is not a process descriptor (tests). */
  stdoutFd: number;
  stderr: Writable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The absolute path of the node binary running tslfs and of bin/tslfs.js. */
  nodePath: string;
  binPath: string;
  /** Set by actions; main.ts applies it when the action returns. */
  exitCode: number;
}

/**
 * A command module (cli/commands/<name>.ts). `define` adds options, arguments and the action to
 * the commander subcommand it is given. `fast`, when present, may handle the arguments without
 * commander (hot paths: filters and hooks) and returns the exit code, or undefined to fall back
 * to commander.
 */
export interface CommandModule {
  define(cmd: Command, ctx: CliContext): void;
  fast?(args: string[], ctx: CliContext): Promise<number | undefined>;
}

/** Write text to a stream and resolve once it has been handed to the OS (or failed). */
export function writeOut(stream: Writable, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (text.length === 0) return resolve();
    // File names that are not UTF-8 travel as escaped strings (model/pathBytes.ts): print their bytes.
    stream.write(typeof text === 'string' && hasEscapedBytes(text) ? encodePathBytes(text) : text, () => resolve());
  });
}

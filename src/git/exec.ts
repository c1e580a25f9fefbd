/**
 * Running git subprocesses. Node's child_process directly (not execa): it is on every hot path
 * (filters, hooks) and execa costs ~70 ms to import and ~1 ms per spawn.
 *
 * Every call passes an argv array (no shell). `git` is looked up on PATH by the OS.
 */
import { isUtf8 } from 'node:buffer';
import { spawn, type SpawnOptions } from 'node:child_process';
import { GitError } from '../errors/TslfsError.js';
import { decodePathBytes } from '../model/pathBytes.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * git-lfs prefixes its internal git calls with these so that git never re-enters the LFS filter
 * (for example `update-index --refresh` re-cleaning files).
 */
export const NO_FILTER_ARGS: readonly string[] = [
  '-c', 'filter.lfs.smudge=',
  '-c', 'filter.lfs.clean=',
  '-c', 'filter.lfs.process=',
  '-c', 'filter.lfs.required=false',
];

export interface GitRunOptions {
  cwd: string;
  env: Env;
  /** Bytes written to git's stdin, then closed. */
  input?: Uint8Array | string;
  /** Resolve with the status instead of throwing GitError on a non-zero exit. */
  allowFailure?: boolean;
  /** Prefix NO_FILTER_ARGS. */
  noFilters?: boolean;
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  status: number;
}

/** The environment without undefined values, as child_process wants it. */
export function cleanEnv(env: Env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Run git to completion, buffering its output (only for commands with bounded output). */
export function git(args: readonly string[], opts: GitRunOptions): Promise<GitResult> {
  const fullArgs = opts.noFilters ? [...NO_FILTER_ARGS, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const child = spawn('git', fullArgs, {
      cwd: opts.cwd,
      env: cleanEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new GitError(fullArgs, null, `failed to run git: ${e.message}`)));
    child.on('close', (code, signal) => {
      const status = code ?? (signal ? 128 : 1);
      const res: GitResult = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), status };
      if (status !== 0 && !opts.allowFailure) reject(new GitError(fullArgs, status, res.stderr));
      else resolve(res);
    });
    child.stdin!.on('error', () => {
      /* git may exit before reading all input; its exit status tells what happened */
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** Run git and return stdout as text, trailing newline removed. */
export async function gitText(args: readonly string[], opts: GitRunOptions): Promise<string> {
  const r = await git(args, opts);
  return r.stdout.toString('utf8').replace(/\n$/, '');
}

/** Spawn git with streams for long-running conversations (cat-file --batch, check-attr --stdin). */
export function spawnGit(args: readonly string[], opts: { cwd: string; env: Env; noFilters?: boolean; stdio?: SpawnOptions['stdio'] }) {
  const fullArgs = opts.noFilters ? [...NO_FILTER_ARGS, ...args] : [...args];
  return spawn('git', fullArgs, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: opts.stdio ?? ['pipe', 'pipe', 'pipe'] });
}

/**
 * Split NUL-terminated path records keeping every name's exact bytes: names that are not UTF-8
 * come back escaped as decodePathBytes does (model/pathBytes.ts), so they can be matched with
 * and written back as the names they are. For UTF-8 output the same as splitNul.
 */
export function splitNulPaths(buf: Buffer): string[] {
  if (isUtf8(buf)) return splitNul(buf);
  const out: string[] = [];
  let start = 0;
  while (start < buf.length) {
    const nul = buf.indexOf(0, start);
    const end = nul < 0 ? buf.length : nul;
    out.push(decodePathBytes(buf.subarray(start, end)));
    start = end + 1;
  }
  return out;
}

/** Split NUL-terminated output (the -z formats). */
export function splitNul(buf: Buffer): string[] {
  const s = buf.toString('utf8');
  const parts = s.split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

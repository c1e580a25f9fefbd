/**
 * Run a short-lived command (ssh ... git-lfs-authenticate) to completion with bounded output and
 * a time limit: stdout beyond `maxStdout` bytes or a run longer than `timeoutMs` kills the
 * process (SIGKILL) and is reported in the result, never buffered further. stdin is closed.
 */
import { spawn } from 'node:child_process';
import type { Env } from '../git/exec.js';
import { cleanEnv } from '../git/exec.js';

export interface CappedResult {
  /** Exit status; null when killed by a signal (or never started). */
  code: number | null;
  stdout: Buffer;
  /** At most `maxStderr` bytes (the first ones). */
  stderr: string;
  /** stdout exceeded maxStdout (the process was killed). */
  overflow: boolean;
  timedOut: boolean;
  /** The program could not be started (ENOENT, EACCES). */
  spawnError?: Error;
}

export interface CappedOptions {
  cwd: string;
  env: Env;
  maxStdout: number;
  maxStderr?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export function runCapped(file: string, args: readonly string[], o: CappedOptions): Promise<CappedResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let outLen = 0;
    let err = '';
    const maxErr = o.maxStderr ?? 16 * 1024;
    let overflow = false;
    let timedOut = false;
    let done = false;
    const child = spawn(file, args, { cwd: o.cwd, env: cleanEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = () => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    const onAbort = () => kill();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (r: CappedResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    child.stdout!.on('data', (c: Buffer) => {
      if (overflow) return;
      if (outLen + c.length > o.maxStdout) {
        overflow = true;
        kill();
        return;
      }
      out.push(c);
      outLen += c.length;
    });
    child.stderr!.on('data', (c: Buffer) => {
      if (err.length < maxErr) err += c.toString('utf8').slice(0, maxErr - err.length);
    });
    child.on('error', (e) => finish({ code: null, stdout: Buffer.alloc(0), stderr: err, overflow, timedOut, spawnError: e }));
    child.on('close', (code) => finish({ code, stdout: Buffer.concat(out), stderr: err, overflow, timedOut }));
  });
}

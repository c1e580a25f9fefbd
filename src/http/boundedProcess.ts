/**
 * Running a short-lived helper program (`git credential`, an askpass program) with bounds, for
 * the credential code (CR10): stdout is capped (a helper printing garbage forever is killed), and
 * an optional timeout kills a helper that hangs.
 *
 * When `detached` is set the program runs in its own process group and a kill ends the whole
 * group (git, the shell it started, the helper itself). Use it only when no terminal prompt is
 * possible (GIT_TERMINAL_PROMPT=0): a process outside the foreground group cannot read the
 * terminal. Otherwise the program shares tslfs's group, so Ctrl-C reaches it too.
 *
 * Never throws: the outcome says what happened.
 */
import { spawn } from 'node:child_process';
import { cleanEnv, type Env } from '../git/exec.js';

export interface BoundedRunOptions {
  cwd: string;
  env: Env;
  input?: string;
  /** 0: no limit. */
  timeoutMs: number;
  maxStdout?: number;
  detached?: boolean;
}

export type BoundedRunResult =
  | { kind: 'exit'; status: number; stdout: string; stderr: string }
  | { kind: 'timeout' | 'overflow' | 'spawn-error'; message: string };

export const DEFAULT_MAX_STDOUT = 64 * 1024;

export function runBounded(file: string, args: readonly string[], opts: BoundedRunOptions): Promise<BoundedRunResult> {
  const max = opts.maxStdout ?? DEFAULT_MAX_STDOUT;
  return new Promise((resolve) => {
    let settled = false;
    const detached = opts.detached === true && process.platform !== 'win32';
    let child;
    try {
      child = spawn(file, [...args], {
        cwd: opts.cwd,
        env: cleanEnv(opts.env),
        stdio: ['pipe', 'pipe', 'pipe'], // stdin: `input`, never ours (in filter-process it is git's)
        detached,
      });
    } catch (e) {
      resolve({ kind: 'spawn-error', message: (e as Error).message });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    const kill = (): void => {
      try {
        if (detached && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const finish = (r: BoundedRunResult): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(r);
    };
    const timer =
      opts.timeoutMs > 0
        ? setTimeout(() => {
            kill();
            child.stdout?.destroy();
            child.stderr?.destroy();
            finish({ kind: 'timeout', message: `no answer after ${Math.round(opts.timeoutMs / 1000)} s` });
          }, opts.timeoutMs)
        : null;
    child.stdout!.on('data', (c: Buffer) => {
      outLen += c.length;
      if (outLen > max) {
        kill();
        child.stdout?.destroy();
        finish({ kind: 'overflow', message: `more than ${max} bytes of output` });
        return;
      }
      out.push(c);
    });
    child.stderr!.on('data', (c: Buffer) => {
      if (errLen < 16 * 1024) err.push(c);
      errLen += c.length;
    });
    child.on('error', (e) => finish({ kind: 'spawn-error', message: e.message }));
    child.on('close', (code, signal) => {
      finish({ kind: 'exit', status: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (child.stdin) {
      child.stdin.on('error', () => {
        /* the helper may exit without reading */
      });
      child.stdin.end(opts.input ?? '');
    }
  });
}

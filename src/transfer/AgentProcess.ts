/**
 * One running custom transfer agent: line-delimited JSON over its stdin/stdout (reference 4.7).
 *
 * - Started as git-lfs starts it: `sh -c "'<path>' <args>"` when args are configured (the args
 *   are a shell string from local git config), otherwise the program itself with no shell.
 *   It runs in its own process group so kill() also ends anything it started.
 * - Reading: every stdout line must be one JSON object of at most MAX_LINE bytes; anything else
 *   is a protocol error and the process is killed. next() waits for the next message with a
 *   timeout; it rejects with an AgentFailure when the process exits, times out, or misbehaves.
 * - stderr is not shown (tslfs's core never prints); its last few KB are kept for messages.
 *
 * Not safe for concurrent next() calls: one conversation at a time (the adapter guarantees it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cleanEnv, type Env } from '../git/exec.js';

export const MAX_LINE = 1 << 20;
const STDERR_TAIL = 4096;

/** Why a conversation with an agent ended abnormally. */
export class AgentFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'exit' | 'timeout' | 'protocol' | 'spawn' | 'aborted',
  ) {
    super(message);
  }
}

export interface AgentProcessOptions {
  path: string;
  args: string;
  cwd: string;
  env: Env;
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class AgentProcess {
  private readonly child: ChildProcess;
  private partial: Buffer[] = [];
  private partialLen = 0;
  private readonly lines: string[] = [];
  private waiter: { resolve: () => void } | null = null;
  private failure: AgentFailure | null = null;
  private stderrTail = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  constructor(opts: AgentProcessOptions) {
    const useShell = opts.args.trim() !== '';
    const file = useShell ? 'sh' : opts.path;
    const argv = useShell ? ['-c', `${shq(opts.path)} ${opts.args}`] : [];
    this.child = spawn(file, argv, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
        // Lines written just before exiting still count: fail once stdout is closed ('close'),
        // or shortly after the exit if a grandchild keeps the pipe open.
        setTimeout(() => this.fail(new AgentFailure(this.exitText(), 'exit')), 500).unref();
      });
      this.child.on('close', () => this.fail(new AgentFailure(this.exitText(), 'exit')));
    });
    this.child.on('error', (e) => {
      this.fail(new AgentFailure(`could not start: ${e.message}`, 'spawn'));
    });
    this.child.stdin!.on('error', () => {
      /* the agent may exit before reading; its exit tells what happened */
    });
    this.child.stdout!.on('data', (c: Buffer) => this.onData(c));
    this.child.stderr!.on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString('utf8')).slice(-STDERR_TAIL);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.failure === null;
  }

  /** The last non-empty stderr line (for messages), control characters removed. */
  lastStderrLine(): string {
    const l = this.stderrTail.split('\n').map((s) => s.trim()).filter(Boolean);
    const last = l[l.length - 1] ?? '';
    return last.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 300);
  }

  private exitText(): string {
    const e = this.exitInfo;
    const how = e?.signal ? `was killed by ${e.signal}` : `exited with status ${e?.code ?? 'unknown'}`;
    const err = this.lastStderrLine();
    return err ? `${how}: ${err}` : how;
  }

  private onData(c: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = c.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = c.subarray(start, nl);
      if (this.partialLen + piece.length > MAX_LINE) return this.protocol(`sent a line longer than ${MAX_LINE} bytes`);
      this.partial.push(piece);
      this.lines.push(Buffer.concat(this.partial).toString('utf8'));
      this.partial = [];
      this.partialLen = 0;
      start = nl + 1;
    }
    const rest = c.subarray(start);
    if (rest.length) {
      if (this.partialLen + rest.length > MAX_LINE) return this.protocol(`sent a line longer than ${MAX_LINE} bytes`);
      this.partial.push(rest);
      this.partialLen += rest.length;
    }
    this.wake();
  }

  private protocol(what: string): void {
    this.fail(new AgentFailure(what, 'protocol'));
    this.kill();
  }

  private fail(f: AgentFailure): void {
    if (!this.failure) this.failure = f;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.resolve();
  }

  /** Write one message as a single line. Throws AgentFailure when the agent is gone. */
  send(msg: Record<string, unknown>): void {
    if (this.failure) throw this.failure;
    this.child.stdin!.write(JSON.stringify(msg) + '\n');
  }

  /**
   * The next message (a JSON object). Rejects with AgentFailure on exit, on a line that is not a
   * JSON object, after `timeoutMs` without a line (0: no limit; the process is killed), or when
   * `signal` aborts (killed too).
   */
  async next(timeoutMs: number, signal?: AbortSignal): Promise<Record<string, unknown>> {
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        if (line.trim() === '') continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          this.protocol(`sent a line that is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
          throw this.failure!;
        }
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          this.protocol('sent a message that is not a JSON object');
          throw this.failure!;
        }
        return v as Record<string, unknown>;
      }
      if (this.failure) throw this.failure;
      if (signal?.aborted) {
        this.fail(new AgentFailure('aborted', 'aborted'));
        this.kill();
        throw this.failure!;
      }
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const done = (): void => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.waiter = null;
          resolve();
        };
        const onAbort = (): void => done();
        this.waiter = { resolve: done };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (timeoutMs > 0) {
          timer = setTimeout(() => {
            this.fail(new AgentFailure(`sent nothing for ${Math.round(timeoutMs / 1000)} s`, 'timeout'));
            this.kill();
            done();
          }, timeoutMs);
        }
      });
    }
  }

  /** Kill the agent and its process group. Idempotent. */
  kill(): void {
    if (this.exitInfo) return;
    try {
      if (this.child.pid !== undefined && process.platform !== 'win32') process.kill(-this.child.pid, 'SIGKILL');
      else this.child.kill('SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }

  /** Send `terminate`, close stdin, and wait up to graceMs for the exit; then kill. */
  async terminate(graceMs: number): Promise<void> {
    if (!this.exitInfo && !this.failure) {
      try {
        this.child.stdin!.write(JSON.stringify({ event: 'terminate' }) + '\n');
      } catch {
        /* gone already */
      }
    }
    this.child.stdin!.end();
    let timer: NodeJS.Timeout | null = null;
    await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    if (timer) clearTimeout(timer);
    this.kill();
    this.fail(new AgentFailure('terminated', 'exit'));
  }
}

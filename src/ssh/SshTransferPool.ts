/**
 * The git-lfs-transfer connections of one run and operation (reference 4.5).
 *
 * With OpenSSH and lfs.ssh.automultiplex (default true), the first connection is an SSH
 * ControlMaster (`-oControlMaster=yes -oControlPath=<private tmpdir>/lfs.sock`) and the others
 * (`-oControlMaster=no`, same path) ride on its TCP connection, up to `maxConnections`
 * (lfs.concurrenttransfers) at once. Without multiplexing (another variant, or it is turned off)
 * there is exactly one connection, so transfers run one at a time, as in git-lfs.
 *
 * start() opens the first connection and throws SshStartError when that fails (the caller may
 * fall back to HTTPS). use(fn) lends a connection to one request at a time; a connection that
 * broke is dropped and replaced on demand. Idle connections do not keep the process alive.
 * close() sends `quit` on every connection (the master last), waits for them (bounded) and
 * removes the control directory. Safe for concurrent use().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../git/exec.js';
import { sshInvocation, sshProgram, type ConfigLike, type SshTarget } from './sshCommand.js';
import { SshPktConnection, type OpenOptions } from './SshPktConnection.js';

export interface SshPoolConfig extends ConfigLike {
  getBool(key: string, dflt: boolean): boolean;
  getInt(key: string, dflt: number): number;
}

export interface SshPoolOptions {
  env: Env;
  config: SshPoolConfig;
  cwd: string;
  target: SshTarget;
  operation: 'download' | 'upload';
  /** Upper bound of connections when multiplexing (lfs.concurrenttransfers). */
  maxConnections: number;
  /** Test hook. */
  open?: (o: OpenOptions) => Promise<SshPktConnection>;
}

/** A private directory for the control socket: $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp. */
function makeControlDir(env: Env): string | null {
  for (const base of [env['XDG_RUNTIME_DIR'], env['TMPDIR'], '/tmp']) {
    if (!base || !base.startsWith('/')) continue;
    // Unix socket paths are limited to ~104 bytes.
    if (base.length > 60) continue;
    try {
      return mkdtempSync(join(base, 'sock-'));
    } catch {
      /* try the next */
    }
  }
  return null;
}

export class SshTransferPool {
  private readonly all = new Set<SshPktConnection>();
  private readonly idle: SshPktConnection[] = [];
  private readonly waiters: Array<() => void> = [];
  private creating = 0;
  private size: number;
  private master: SshPktConnection | null = null;
  private closed = false;
  readonly multiplexing: boolean;
  private readonly controlDir: string | null;

  private constructor(private readonly o: SshPoolOptions) {
    const program = sshProgram(o.env, o.config);
    const want = program.variant === 'ssh' && o.config.getBool('lfs.ssh.automultiplex', process.platform !== 'win32');
    this.controlDir = want ? makeControlDir(o.env) : null;
    this.multiplexing = this.controlDir !== null;
    this.size = this.multiplexing ? Math.max(1, o.maxConnections) : 1;
  }

  /** Open the first connection; throws SshStartError (or SshCommandError for unsafe input). */
  static async start(o: SshPoolOptions): Promise<SshTransferPool> {
    const pool = new SshTransferPool(o);
    try {
      const c = await pool.openOne(true);
      pool.master = c;
      pool.all.add(c);
      c.setRef(false);
      pool.idle.push(c);
      return pool;
    } catch (e) {
      pool.removeControlDir();
      throw e;
    }
  }

  /** How many transfers may run at once. */
  get maxConcurrency(): number {
    return this.size;
  }

  /** Allow up to `maxConnections` when multiplexing (a shared pool's later user wants more). */
  widen(maxConnections: number): void {
    if (this.multiplexing) this.size = Math.max(this.size, maxConnections);
  }

  private openOne(master: boolean): Promise<SshPktConnection> {
    const o = this.o;
    const inv = sshInvocation(
      {
        program: sshProgram(o.env, o.config),
        target: o.target,
        remoteCommand: 'git-lfs-transfer',
        operation: o.operation,
        multiplex: this.controlDir ? { controlPath: join(this.controlDir, 'lfs.sock'), master } : null,
      },
      o.env,
    );
    const t = o.config.getInt('lfs.activitytimeout', 30);
    const open = o.open ?? ((x: OpenOptions) => SshPktConnection.open(x));
    return open({ file: inv.file, args: inv.args, cwd: o.cwd, env: o.env, activityTimeoutMs: t < 1 ? 0 : t * 1000 });
  }

  private drop(c: SshPktConnection): void {
    this.all.delete(c);
    c.kill();
  }

  private async acquire(): Promise<SshPktConnection> {
    for (;;) {
      if (this.closed) throw new Error('the SSH connection pool is closed');
      const c = this.idle.pop();
      if (c) {
        if (c.broken) {
          this.drop(c);
          continue;
        }
        c.setRef(true);
        return c;
      }
      if (this.all.size + this.creating < this.size) {
        this.creating++;
        try {
          const fresh = await this.openOne(false);
          this.all.add(fresh);
          return fresh;
        } catch (e) {
          // More connections are a bonus: with one alive, wait for it instead.
          if (this.all.size === 0) throw e;
          this.size = Math.max(1, this.all.size);
        } finally {
          this.creating--;
        }
        continue;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private release(c: SshPktConnection): void {
    if (c.broken || this.closed) this.drop(c);
    else {
      c.setRef(false);
      this.idle.push(c);
    }
    this.waiters.shift()?.();
  }

  /** Run one request on a connection of its own. */
  async use<T>(fn: (c: SshPktConnection) => Promise<T>): Promise<T> {
    const c = await this.acquire();
    try {
      return await c.exclusive(() => fn(c));
    } finally {
      this.release(c);
    }
  }

  private removeControlDir(): void {
    if (this.controlDir) rmSync(this.controlDir, { recursive: true, force: true });
  }

  /** Quit every connection (the multiplexing master last). Idempotent; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
    const others = [...this.all].filter((c) => c !== this.master);
    await Promise.all(others.map((c) => c.exclusive(() => c.quit()).catch(() => {})));
    if (this.master) await this.master.exclusive(() => this.master!.quit()).catch(() => {});
    this.all.clear();
    this.idle.length = 0;
    this.removeControlDir();
  }
}

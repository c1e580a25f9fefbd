/**
 * One `ssh ... git-lfs-transfer <path> <op>` process speaking the pure SSH protocol (reference
 * 4.5, git-lfs docs/proposals/ssh_adapter.md) over pkt-lines on its stdin/stdout.
 *
 * open() spawns ssh, reads the server's capability list (must contain `version=1`), sends
 * `version 1` and expects `status 200`; it throws SshStartError (with ssh's exit code and the
 * tail of its stderr) when any of that fails, so callers can fall back to HTTPS. Requests are
 * serialised by exclusive(): one command and its whole reply at a time per connection.
 *
 * Replies are read as git-lfs reads them: `status NNN`, argument lines, optionally a delim and
 * text lines or binary data, then a flush. Every wait for the server is bounded by
 * `activityTimeoutMs` of silence (the process is killed, the request fails retriably). After a
 * protocol error mid-reply the connection is unusable: `broken` is set and the process killed.
 *
 * Object bytes are streamed: writeData() honours the pipe's back-pressure; data packets are
 * read one at a time by the caller.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { TransferError } from '../errors/TslfsError.js';
import { cleanEnv, type Env } from '../git/exec.js';
import { DELIM_PKT, encodePkt, encodeTextPkt, FLUSH_PKT, PKT_MAX_PAYLOAD, PktReader, pktText, type Packet } from '../model/pktline.js';
import { printable } from './sshAuthenticate.js';

/** The connection could not be established (no server, no git-lfs-transfer, bad version). */
export class SshStartError extends TransferError {
  constructor(
    message: string,
    readonly sshExit: number | null,
    readonly stderr: string,
  ) {
    super(message, { code: 'ESSHSTART' });
  }
}

export interface StatusReply {
  status: number;
  args: string[];
  lines: string[];
}

export interface OpenOptions {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Env;
  /** Silence allowed while waiting for the server; < 1 disables (default 30 s). */
  activityTimeoutMs?: number;
}

const MAX_STDERR = 8 * 1024;

/** Resolves after `ms` without keeping the process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
const MAX_LINES = 100_000;

export class SshPktConnection {
  readonly capabilities: string[] = [];
  broken = false;
  private readonly reader: PktReader;
  private stderr = '';
  private exited: { code: number | null } | null = null;
  private readonly exitP: Promise<void>;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;

  private constructor(
    private readonly child: ChildProcess,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
    this.reader = new PktReader(child.stdout!);
    child.stderr!.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString('utf8')).slice(-MAX_STDERR);
    });
    child.stdin!.on('error', () => {
      /* EPIPE when the server went away; reads report it */
    });
    this.exitP = new Promise((resolve) => {
      child.on('close', (code) => {
        this.exited = { code };
        resolve();
      });
      child.on('error', () => {
        this.exited ??= { code: null };
        resolve();
      });
    });
  }

  static async open(o: OpenOptions): Promise<SshPktConnection> {
    const child = spawn(o.file, [...o.args], { cwd: o.cwd, env: cleanEnv(o.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const spawnErr = new Promise<Error>((resolve) => child.once('error', resolve));
    const conn = new SshPktConnection(child, o.activityTimeoutMs ?? 30_000);
    const spawnFail = spawnErr.then((e) => {
      throw new SshStartError(`cannot run ssh (${o.file}): ${printable(e.message)}`, null, '');
    });
    spawnFail.catch(() => {}); // a late 'error' (after the race) must not be an unhandled rejection
    try {
      const caps = await Promise.race([conn.readTextList(), spawnFail]);
      if (caps === null) throw new Error('the server closed the connection');
      conn.capabilities.push(...caps);
      if (!caps.includes('version=1')) throw new Error('missing version=1');
      await conn.write(Buffer.concat([encodeTextPkt('version 1'), FLUSH_PKT]));
      const r = await conn.readStatus();
      if (r.status !== 200) throw new Error(`unexpected status ${r.status}${r.lines[0] ?? r.args[0] ? `; server said: ${JSON.stringify(printable((r.lines[0] ?? r.args[0])!.slice(0, 200)))}` : ''}`);
      return conn;
    } catch (e) {
      conn.kill();
      await Promise.race([conn.exitP, delay(2000)]);
      if (e instanceof SshStartError) throw e;
      const why = (e as Error).message.replace(/^filter protocol error: /, '');
      const err = conn.stderr.trim();
      throw new SshStartError(
        `Unable to negotiate version with remote side (${printable(why)})${err && !why.includes(err.slice(-200)) ? `: ${printable(err.slice(-2000))}` : ''}`,
        conn.exited?.code ?? null,
        err,
      );
    }
  }

  /** Run `fn` with this connection to itself (requests never interleave). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /** The tail of ssh's stderr (for messages). */
  get stderrTail(): string {
    return this.stderr;
  }

  kill(): void {
    this.broken = true;
    if (!this.exited) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  /** Let the event loop exit while this connection is idle (and keep it alive while busy). */
  setRef(ref: boolean): void {
    const f = ref ? 'ref' : 'unref';
    for (const s of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>) s?.[f]?.();
  }

  /** `quit`, wait for `status 200` and the process's exit (bounded), then make sure it is gone. */
  async quit(timeoutMs = 5_000): Promise<void> {
    // Idle connections are unref'd; waiting for the goodbye must keep the process alive.
    this.setRef(true);
    if (!this.broken && !this.exited) {
      try {
        await Promise.race([
          (async () => {
            await this.write(Buffer.concat([encodeTextPkt('quit'), FLUSH_PKT]));
            await this.readStatus();
            this.child.stdin!.end();
            await this.exitP;
          })(),
          delay(timeoutMs),
        ]);
      } catch {
        /* the process is killed below */
      }
    }
    this.kill();
    await Promise.race([this.exitP, delay(2000)]);
  }

  // ---- writing

  async write(buf: Buffer): Promise<void> {
    if (this.exited) throw this.gone();
    const stdin = this.child.stdin!;
    if (!stdin.write(buf)) {
      await Promise.race([once(stdin, 'drain'), this.exitP.then(() => Promise.reject(this.gone()))]);
    }
  }

  /** A command line, argument lines, then (with `lines`) a delim and those lines; then a flush. */
  async sendCommand(command: string, args: readonly string[], lines?: readonly string[]): Promise<void> {
    const parts = [encodeTextPkt(command), ...args.map(encodeTextPkt)];
    if (lines) parts.push(DELIM_PKT, ...lines.map(encodeTextPkt));
    parts.push(FLUSH_PKT);
    await this.write(Buffer.concat(parts));
  }

  /** A command with arguments, a delim, the stream's bytes as data packets, a flush. */
  async sendData(command: string, args: readonly string[], data: AsyncIterable<Buffer>, onBytes?: (n: number) => void): Promise<void> {
    await this.write(Buffer.concat([encodeTextPkt(command), ...args.map(encodeTextPkt), DELIM_PKT]));
    for await (const chunk of data) {
      for (let off = 0; off < chunk.length; off += PKT_MAX_PAYLOAD) {
        const part = chunk.subarray(off, Math.min(chunk.length, off + PKT_MAX_PAYLOAD));
        await this.write(encodePkt(part));
        onBytes?.(part.length);
      }
    }
    await this.write(FLUSH_PKT);
  }

  // ---- reading

  private gone(): TransferError {
    const err = this.stderr.trim();
    return new TransferError(`the SSH connection closed${this.exited?.code != null ? ` (ssh exit ${this.exited.code})` : ''}${err ? `: ${printable(err.slice(-1000))}` : ''}`, {
      code: 'ESSHCLOSED',
      retriable: true,
    });
  }

  /** One packet, or a retriable error on EOF / silence. */
  async readPacket(): Promise<Packet> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (this.timeoutMs >= 1) {
      timer = setTimeout(() => {
        timedOut = true;
        this.kill();
      }, this.timeoutMs);
    }
    try {
      const p = await this.reader.read();
      if (p === null) throw this.gone();
      return p;
    } catch (e) {
      this.broken = true;
      if (timedOut) throw new TransferError(`the SSH server sent nothing for ${Math.round(this.timeoutMs / 1000)} s`, { code: 'ESSHTIMEOUT', retriable: true });
      if (e instanceof TransferError) throw e;
      throw new TransferError(`SSH protocol error: ${(e as Error).message.replace(/^filter protocol error: /, '')}`, { code: 'ESSHPROTOCOL', retriable: true });
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private fail(message: string): never {
    this.kill();
    throw new TransferError(`SSH protocol error: ${message}`, { code: 'ESSHPROTOCOL', retriable: true });
  }

  private async readTextList(): Promise<string[] | null> {
    const out: string[] = [];
    for (;;) {
      let p: Packet;
      try {
        p = await this.readPacket();
      } catch (e) {
        if (out.length === 0 && this.exited) return null;
        throw e;
      }
      if (p.kind === 'flush') return out;
      if (p.kind !== 'data') this.fail(`unexpected ${p.kind} packet in the capability list`);
      if (out.length >= 1000) this.fail('too many capabilities');
      out.push(pktText(p)!);
    }
  }

  private parseStatus(line: string): number {
    const m = /^status (\d{3})$/.exec(line);
    if (!m) this.fail(`expected a status line, got ${JSON.stringify(printable(line.slice(0, 100)))}`);
    return Number(m[1]);
  }

  /** `status`, args, optionally delim + text lines, flush. */
  async readStatus(): Promise<StatusReply> {
    const first = await this.readPacket();
    if (first.kind !== 'data') this.fail(`expected a status line, got a ${first.kind} packet`);
    const status = this.parseStatus(pktText(first)!);
    const args: string[] = [];
    const lines: string[] = [];
    let delim = false;
    for (;;) {
      const p = await this.readPacket();
      if (p.kind === 'flush') return { status, args, lines };
      if (p.kind === 'delim') {
        if (delim) this.fail('unexpected delimiter packet');
        delim = true;
        continue;
      }
      if (p.kind !== 'data') this.fail(`unexpected ${p.kind} packet`);
      if (args.length + lines.length >= MAX_LINES) this.fail('too many lines in a reply');
      (delim ? lines : args).push(pktText(p)!);
    }
  }

  /**
   * `status`, args, delim, then data follows: returns status and args; read the data with
   * readDataPacket() until it returns null (the flush). A reply that ends (flush) before the
   * delim is returned with `ended: true`.
   */
  async readStatusWithData(): Promise<{ status: number; args: string[]; ended: boolean }> {
    const first = await this.readPacket();
    if (first.kind !== 'data') this.fail(`expected a status line, got a ${first.kind} packet`);
    const status = this.parseStatus(pktText(first)!);
    const args: string[] = [];
    for (;;) {
      const p = await this.readPacket();
      if (p.kind === 'delim') return { status, args, ended: false };
      if (p.kind === 'flush') return { status, args, ended: true };
      if (p.kind !== 'data') this.fail(`unexpected ${p.kind} packet`);
      if (args.length >= 1000) this.fail('too many arguments in a reply');
      args.push(pktText(p)!);
    }
  }

  /** The next data packet's bytes, or null at the flush that ends the data. */
  async readDataPacket(): Promise<Buffer | null> {
    const p = await this.readPacket();
    if (p.kind === 'flush') return null;
    if (p.kind !== 'data') this.fail(`unexpected ${p.kind} packet in data`);
    return p.data;
  }

  /** Read and drop data up to the flush, keeping at most `keep` bytes (for error texts). */
  async drainData(keep = 1024): Promise<string> {
    let text = '';
    for (;;) {
      const d = await this.readDataPacket();
      if (d === null) return text;
      if (text.length < keep) text += d.toString('utf8').slice(0, keep - text.length);
    }
  }
}

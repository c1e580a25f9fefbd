/**
 * A custom transfer agent as a TransferAdapter (reference 4.7, upstream docs/custom-transfers.md).
 *
 * Processes: `concurrent=false` runs one process for the whole run; otherwise up to
 * `concurrency` processes (one per queue worker). Each process gets `init` once, then one
 * upload/download request at a time (the next only after `complete`), and `terminate` at close().
 *
 * Downloads: the agent writes the object to a file and reports its path. tslfs accepts only a
 * regular file (not a symlink) inside the private temporary directory it gave the agent (TMPDIR,
 * TMP and TEMP point there; it lives under .git/lfs/tmp). Any other path is refused and left
 * untouched: tslfs never moves or deletes a file from elsewhere (O10, HS24). An accepted file is
 * streamed into the queue's writer, which checks its oid and size before it enters the store,
 * and then deleted.
 *
 * Uploads: the agent gets the path of the verified store object. A `verify` action is never sent
 * to the agent; tslfs calls it over HTTP itself after `complete` (the `verify` option).
 *
 * Failures: a per-object error in `complete` fails that object only (not retried: the agent
 * decided). An agent that exits, sends garbage, or stays silent longer than the activity timeout
 * is killed and fails the object it was working on with a message naming the agent; the next
 * object starts a fresh process, up to MAX_CRASHES crashes per run, after which every remaining
 * object fails at once. An `init` error fails every object. Safe for concurrent calls.
 */
import { constants as fsc } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, realpath, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { IntegrityError, TransferError, TslfsError } from '../errors/TslfsError.js';
import type { TransferDirection } from '../events/TransferEvents.js';
import type { Env } from '../git/exec.js';
import { AgentFailure, AgentProcess } from './AgentProcess.js';
import type { CustomAgentSpec } from './customAgents.js';
import type { AdapterRequest, BatchReply, Batcher, ByteSink, ProgressFn, TransferAction, TransferAdapter, TransferItem } from './types.js';

export const MAX_CRASHES = 3;
export const DEFAULT_INIT_TIMEOUT_MS = 60_000;
export const DEFAULT_ACTIVITY_TIMEOUT_MS = 600_000;

export interface CustomAgentAdapterOptions {
  spec: CustomAgentSpec;
  direction: TransferDirection;
  /** Sent in `init`: the remote name, or the LFS URL when there is none. */
  remote: string;
  /** lfs.concurrenttransfers. */
  concurrency: number;
  /** Where the agent runs (the work tree, or the git dir of a bare repository). */
  cwd: string;
  env: Env;
  /** The directory the agent's private temp dir is created in (.git/lfs/tmp). */
  tmpRoot: string;
  /** Calls a verify action over HTTP after an upload (HTTP endpoints only). */
  verify?: (req: AdapterRequest, signal?: AbortSignal) => Promise<void>;
  /** Called once by close(), after the agents are gone. */
  onClose?: () => Promise<void>;
  initTimeoutMs?: number;
  /** Longest silence (no progress, no complete) during one object; 0 = none. */
  activityTimeoutMs?: number;
}

interface Worker {
  proc: AgentProcess;
}

function actionForAgent(a: TransferAction | null): Record<string, unknown> | null {
  if (!a) return null;
  const out: Record<string, unknown> = { href: a.href };
  if (a.header) out['header'] = a.header;
  if (a.expiresAt !== undefined) out['expires_at'] = new Date(a.expiresAt).toISOString();
  return out;
}

function errorText(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    const msg = typeof o['message'] === 'string' ? o['message'] : '';
    return msg.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 1024) || `error ${String(o['code'] ?? '')}`.trim();
  }
  return 'unknown error';
}

export class CustomAgentAdapter implements TransferAdapter {
  readonly name: string;
  private readonly max: number;
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: Array<() => void> = [];
  private starting = 0;
  private crashes = 0;
  private broken: TransferError | null = null;
  private closed = false;
  private tmpDirP: Promise<{ dir: string; real: string }> | null = null;

  constructor(private readonly opts: CustomAgentAdapterOptions) {
    this.name = opts.spec.name;
    this.max = opts.spec.concurrent ? Math.max(1, opts.concurrency) : 1;
  }

  private label(): string {
    return `custom transfer agent "${this.name}"`;
  }

  /** The agent's private temp dir (created on first use). */
  private tmpDir(): Promise<{ dir: string; real: string }> {
    this.tmpDirP ??= (async () => {
      await mkdir(this.opts.tmpRoot, { recursive: true });
      const dir = await mkdtemp(join(this.opts.tmpRoot, `agent-${this.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-`));
      return { dir, real: await realpath(dir) };
    })();
    return this.tmpDirP;
  }

  /** Start and initialise one process; `counted()` is called when it joins `all`. */
  private async startWorker(counted: () => void): Promise<Worker> {
    const { dir } = await this.tmpDir();
    const env = { ...this.opts.env, TMPDIR: dir, TMP: dir, TEMP: dir };
    const proc = new AgentProcess({ path: this.opts.spec.path, args: this.opts.spec.args, cwd: this.opts.cwd, env });
    const w: Worker = { proc };
    this.all.add(w);
    counted();
    try {
      proc.send({
        event: 'init',
        operation: this.opts.direction,
        remote: this.opts.remote,
        concurrent: this.opts.spec.concurrent,
        concurrenttransfers: Math.max(1, this.opts.concurrency),
      });
      const reply = await proc.next(this.opts.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS);
      if (reply['error'] !== undefined && reply['error'] !== null) {
        throw new TransferError(`${this.label()} failed to initialise: ${errorText(reply['error'])}`, { code: 'EAGENT' });
      }
      return w;
    } catch (e) {
      this.all.delete(w);
      proc.kill();
      const err =
        e instanceof TransferError
          ? e
          : new TransferError(`${this.label()} failed to start: it ${e instanceof AgentFailure ? e.message : String(e)}`, { code: 'EAGENT' });
      this.breakWith(err);
      throw err;
    }
  }

  /** From now on every object fails with `err`; callers waiting for a process are woken to see it. */
  private breakWith(err: TransferError): void {
    this.broken ??= err;
    for (const r of this.waiting.splice(0)) r();
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      if (this.broken) throw this.broken;
      if (this.closed) throw new TransferError(`${this.label()}: already closed`, { code: 'EAGENT' });
      const w = this.idle.pop();
      if (w) {
        if (w.proc.alive) return w;
        this.all.delete(w);
        continue;
      }
      if (this.all.size + this.starting < this.max) {
        // The slot is reserved synchronously, so concurrent callers never start too many.
        this.starting++;
        let reserved = true;
        const release = (): void => {
          if (reserved) {
            reserved = false;
            this.starting--;
          }
        };
        try {
          return await this.startWorker(release);
        } finally {
          release();
        }
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  private release(w: Worker, ok: boolean): void {
    if (ok && w.proc.alive && !this.closed) this.idle.push(w);
    else {
      this.all.delete(w);
      w.proc.kill();
    }
    this.waiting.shift()?.();
  }

  /** Failure of the process in the middle of an object: fail it, count the crash. */
  private crashed(oid: string, f: AgentFailure): TransferError {
    if (f.kind === 'aborted') return new TransferError(`[${oid}] aborted`, { code: 'EABORTED' });
    this.crashes++;
    const what = f.kind === 'protocol' ? `broke the protocol: it ${f.message}` : f.kind === 'timeout' ? `was stopped: it ${f.message}` : f.message;
    const err = new TransferError(`[${oid}] ${this.label()} ${f.kind === 'exit' ? `died: it ${what}` : what}`, { code: 'EAGENT' });
    if (this.crashes >= MAX_CRASHES) {
      this.breakWith(new TransferError(`${this.label()} failed ${this.crashes} times; giving up on the remaining objects`, { code: 'EAGENT' }));
    }
    return err;
  }

  /** Send one request and wait for its `complete`, forwarding progress. */
  private async converse(w: Worker, req: AdapterRequest, msg: Record<string, unknown>, onProgress: ProgressFn, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const timeout = this.opts.activityTimeoutMs ?? DEFAULT_ACTIVITY_TIMEOUT_MS;
    let last = 0;
    try {
      w.proc.send(msg);
      for (;;) {
        const m = await w.proc.next(timeout, signal);
        const ev = m['event'];
        if (ev === 'progress') {
          if (m['oid'] !== req.oid) continue;
          const n = m['bytesSoFar'];
          // Forwarded only when it moves forward: progress never goes backwards for the meter.
          if (typeof n === 'number' && Number.isFinite(n) && n > last) {
            last = Math.min(Math.floor(n), req.size);
            onProgress(last);
          }
          continue;
        }
        if (ev === 'complete' && m['oid'] === req.oid) return m;
        w.proc.kill();
        const what = ev === 'complete' ? `completed an object it was not asked for (${String(m['oid']).slice(0, 80)})` : `sent an unexpected message ${JSON.stringify(String(ev ?? '')).slice(0, 60)}`;
        throw new AgentFailure(what, 'protocol');
      }
    } catch (e) {
      if (e instanceof AgentFailure) throw this.crashed(req.oid, e);
      throw e;
    }
  }

  private async run<T>(fn: (w: Worker) => Promise<T>): Promise<T> {
    const w = await this.acquire();
    let ok = false;
    try {
      const r = await fn(w);
      ok = true;
      return r;
    } catch (e) {
      // A per-object error from the agent leaves the process usable.
      ok = e instanceof TslfsError && e.code === 'EAGENTOBJECT';
      throw e;
    } finally {
      this.release(w, ok);
    }
  }

  private perObjectError(req: AdapterRequest, m: Record<string, unknown>): TransferError | null {
    const e = m['error'];
    if (e === undefined || e === null) return null;
    const code = typeof (e as Record<string, unknown>)['code'] === 'number' ? ((e as Record<string, unknown>)['code'] as number) : undefined;
    return new TransferError(`[${req.oid}] ${errorText(e)}`, { code: 'EAGENTOBJECT', ...(code !== undefined ? { status: code } : {}) });
  }

  async upload(req: AdapterRequest, localPath: string, onProgress: ProgressFn, signal?: AbortSignal): Promise<void> {
    const st = await lstat(localPath).catch(() => null);
    if (!st?.isFile()) throw new TslfsError(`[${req.oid}] Unable to find source for object ${req.oid}`, { code: 'EOBJMISSING' });
    if (st.size !== req.size) throw new IntegrityError(`[${req.oid}] local object has ${st.size} bytes, expected ${req.size}`);
    await this.run(async (w) => {
      const m = await this.converse(w, req, { event: 'upload', oid: req.oid, size: req.size, path: localPath, action: actionForAgent(req.action) }, onProgress, signal);
      const err = this.perObjectError(req, m);
      if (err) throw err;
    });
    onProgress(req.size);
    if (req.verify && this.opts.verify) await this.opts.verify(req, signal);
  }

  async download(req: AdapterRequest, out: ByteSink, onProgress: ProgressFn, signal?: AbortSignal): Promise<void> {
    const m = await this.run(async (w) => {
      const m = await this.converse(w, req, { event: 'download', oid: req.oid, size: req.size, action: actionForAgent(req.action) }, onProgress, signal);
      const err = this.perObjectError(req, m);
      if (err) throw err;
      return m;
    });
    const file = await this.acceptedFile(req, m['path']);
    try {
      await this.copyInto(file, req, out, signal);
      onProgress(req.size);
    } finally {
      await rm(file, { force: true }).catch(() => {});
    }
  }

  /** The agent's reported file, if it is a regular file inside its temp dir; else throws. */
  private async acceptedFile(req: AdapterRequest, p: unknown): Promise<string> {
    if (typeof p !== 'string' || p === '' || p.includes('\0')) {
      throw new TransferError(`[${req.oid}] ${this.label()} completed the download without a file path`, { code: 'EAGENTPATH' });
    }
    const { dir, real } = await this.tmpDir();
    const abs = isAbsolute(p) ? p : resolve(this.opts.cwd, p);
    const refuse = (): TransferError =>
      new TransferError(`[${req.oid}] ${this.label()} reported a file outside its temporary directory ${dir}: ${JSON.stringify(p.slice(0, 300))}; refused (the file was left untouched)`, {
        code: 'EAGENTPATH',
      });
    // The parent directory, with symlinks resolved, must be the temp dir or inside it; the file
    // itself must be a regular file (never a symlink).
    const parent = await realpath(resolve(abs, '..')).catch(() => null);
    if (!parent) throw refuse();
    const rel = relative(real, parent);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) throw refuse();
    const file = join(parent, basename(abs));
    const st = await lstat(file).catch(() => null);
    if (!st?.isFile()) throw new TransferError(`[${req.oid}] ${this.label()} reported ${JSON.stringify(p.slice(0, 300))}, which is not a regular file`, { code: 'EAGENTPATH' });
    if (st.size !== req.size) {
      await rm(file, { force: true }).catch(() => {});
      throw new IntegrityError(`[${req.oid}] ${this.label()} downloaded ${st.size} bytes, expected ${req.size}`);
    }
    return file;
  }

  /** Stream the accepted file into the store's writer (from the writer's resume offset). */
  private async copyInto(file: string, req: AdapterRequest, out: ByteSink, signal?: AbortSignal): Promise<void> {
    const fh = await open(file, fsc.O_RDONLY | (fsc.O_NOFOLLOW ?? 0));
    try {
      let pos = out.offset !== undefined && out.offset > 0 && out.offset < req.size ? out.offset : 0;
      const buf = Buffer.allocUnsafe(1 << 20);
      while (pos < req.size) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, req.size - pos), pos);
        if (bytesRead === 0) throw new IntegrityError(`[${req.oid}] ${this.label()}'s file ended early`);
        await out.write(Buffer.from(buf.subarray(0, bytesRead)));
        pos += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.waiting.splice(0)) r();
    await Promise.all([...this.all].map((w) => w.proc.terminate(5_000)));
    this.all.clear();
    this.idle.length = 0;
    if (this.tmpDirP) {
      const t = await this.tmpDirP.catch(() => null);
      if (t) await rm(t.dir, { recursive: true, force: true }).catch(() => {});
    }
    await this.opts.onClose?.().catch(() => {});
  }
}

/**
 * The batch step for a standalone agent (lfs.standalonetransferagent): no server is asked;
 * every object gets a null action and the agent is told where to go by `remote` in init.
 */
export class StandaloneAgentBatcher implements Batcher {
  constructor(private readonly agentName: string) {}

  async batch(_direction: TransferDirection, objects: readonly TransferItem[]): Promise<BatchReply> {
    return { transfer: this.agentName, objects: objects.map((o) => ({ oid: o.oid, action: null })) };
  }
}

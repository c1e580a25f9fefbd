/**
 * The one transfer queue every command uses (fetch, pull, push, pre-push, smudge's downloader).
 *
 * What it guarantees:
 *  - Dedupe: an oid is transferred once however many times it is added (paths are collected).
 *  - Batching: objects are handed to the Batcher in groups of at most `batchSize`, each group
 *    sorted largest first; workers start objects in that order.
 *  - Concurrency: at most `concurrency` adapter calls run at once; a download's verify-and-store
 *    step runs after its slot is freed, with at most `concurrency` of those at once.
 *  - Retries per object: a retriable failure (see isRetriable) waits backoffDelay(n) (or the
 *    server's Retry-After) through the injected `sleep`, then goes back through a new batch
 *    (fresh actions). After `maxRetries` retries the object fails. One failing object never
 *    stops the others.
 *  - Downloads go through the store's ObjectWriter: bytes are hashed while written and renamed
 *    into objects/ only when oid and size match; otherwise nothing is stored.
 *  - Events: queued, progress, retry, done (src/events/TransferEvents.ts).
 *
 * Usage: add() items (each returns a promise of that object's result; it never rejects), then
 * finish() to wait for all of them. The queue may be fed while it runs (the delayed smudge
 * downloader keeps adding). Not reusable after finish().
 */
import { IntegrityError, TransferError, TslfsError } from '../errors/TslfsError.js';
import type { ObjectStatus, TransferDirection, TransferListener } from '../events/TransferEvents.js';
import { isOid } from '../model/oid.js';
import { backoffDelay, DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, realSleep } from './backoff.js';
import type { BatchObjectReply, Batcher, TransferAdapter, TransferItem } from './types.js';

/** The parts of LfsStore the queue needs. */
export interface QueueStore {
  /**
   * With `resume`, the writer continues a partial download kept in incomplete/ (its `offset`
   * says how many bytes it already holds) and abort() keeps the bytes for the next attempt.
   */
  newWriter(opts?: { resume?: { oid: string; size: number } }): Promise<{
    readonly offset?: number;
    write(chunk: Buffer): Promise<void>;
    commit(expect?: { oid: string; size: number }): Promise<unknown>;
    abort(): Promise<void>;
  }>;
  objectPath(oid: string): string;
}

export interface TransferResult {
  oid: string;
  size: number;
  /** Every path added for this oid, in order. */
  names: string[];
  status: ObjectStatus;
  error?: Error;
  /** Adapter attempts made (0 when skipped or failed in the batch step). */
  attempts: number;
}

export interface TransferQueueOptions {
  direction: TransferDirection;
  batcher: Batcher;
  /** The adapter for the transfer name a batch reply chose; throw for an unsupported one. */
  adapterFor(name: string): TransferAdapter;
  store: QueueStore;
  batchSize?: number;
  concurrency?: number;
  maxRetries?: number;
  maxRetryDelayMs?: number;
  /** Injectable for tests; defaults to setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * For queues fed one object at a time (the delayed smudge downloader: git sends one request
   * per file): wait up to this long after the first waiting object for a full batch before
   * sending a partial one, so a clone makes batches of batchSize, not one batch per file.
   * 0 (the default) sends at once, right for callers that add everything together.
   */
  gatherMs?: number;
  onEvent?: TransferListener;
  signal?: AbortSignal;
}

interface Entry {
  item: TransferItem;
  names: string[];
  attempts: number;
  retries: number;
  settled: boolean;
  resolve: (r: TransferResult) => void;
  promise: Promise<TransferResult>;
}

interface Ready {
  entry: Entry;
  reply: BatchObjectReply;
  adapterName: string;
}

/** Whether another attempt may succeed. Unknown (non-tslfs) errors are I/O or network trouble. */
export function isRetriable(e: unknown): boolean {
  if (e instanceof TransferError) return e.retriable;
  if (e instanceof IntegrityError) return true;
  if (e instanceof TslfsError) return false;
  const name = (e as Error | undefined)?.name;
  return name !== 'AbortError';
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export class TransferQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly pending: Entry[] = [];
  private readonly ready: Ready[] = [];
  private readonly adapters = new Set<TransferAdapter>();
  private active = 0;
  /** The last writer being made (see runOne). */
  private writerOrder: Promise<unknown> = Promise.resolve();
  /** Downloads whose body has arrived and that are being verified and written (see runOne). */
  private committing = 0;
  private batching = false;
  private gatherTimer: ReturnType<typeof setTimeout> | null = null;
  private gatherDue = false;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly maxRetries: number;
  private readonly maxRetryDelayMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: TransferQueueOptions) {
    this.batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
    this.concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.maxRetries = opts.maxRetries ?? 8;
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 10_000;
    this.sleep = opts.sleep ?? realSleep;
  }

  get direction(): TransferDirection {
    return this.opts.direction;
  }

  /** Queue one object; the promise resolves with its result (it never rejects). */
  add(item: TransferItem): Promise<TransferResult> {
    const known = this.entries.get(item.oid);
    if (known) {
      if (!known.names.includes(item.name)) known.names.push(item.name);
      return known.promise;
    }
    let resolve!: (r: TransferResult) => void;
    const promise = new Promise<TransferResult>((r) => (resolve = r));
    const entry: Entry = { item, names: [item.name], attempts: 0, retries: 0, settled: false, resolve, promise };
    this.entries.set(item.oid, entry);
    this.emit({ type: 'queued', direction: this.direction, oid: item.oid, size: item.size, name: item.name });
    if (!isOid(item.oid) || !Number.isSafeInteger(item.size) || item.size < 0) {
      this.settle(entry, 'failed', new TransferError(`[${item.oid.slice(0, 80)}] invalid object id or size`, { code: 'EBADOBJECT' }));
      return promise;
    }
    this.pending.push(entry);
    queueMicrotask(() => this.pump());
    return promise;
  }

  /** Wait until every object added so far (and any added meanwhile) is finished. */
  async finish(): Promise<TransferResult[]> {
    for (;;) {
      const all = [...this.entries.values()];
      await Promise.all(all.map((e) => e.promise));
      if (this.entries.size === all.length) break;
    }
    await Promise.all([...this.adapters].map((a) => a.close?.().catch(() => {})));
    return [...this.entries.values()].map((e) => this.resultOf(e));
  }

  private readonly results = new Map<string, TransferResult>();

  private resultOf(e: Entry): TransferResult {
    return this.results.get(e.item.oid)!;
  }

  private emit(e: Parameters<TransferListener>[0]): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      /* a listener must not break transfers */
    }
  }

  private settle(entry: Entry, status: ObjectStatus, error?: Error): void {
    if (entry.settled) return;
    entry.settled = true;
    const r: TransferResult = { oid: entry.item.oid, size: entry.item.size, names: entry.names, status, attempts: entry.attempts };
    if (error) r.error = error;
    this.results.set(entry.item.oid, r);
    const done: Parameters<TransferListener>[0] = { type: 'done', direction: this.direction, oid: entry.item.oid, size: entry.item.size, name: entry.item.name, status };
    if (error) done.message = error.message;
    this.emit(done);
    entry.resolve(r);
  }

  /** Start batches and workers as limits allow. Called whenever something changes. */
  private pump(): void {
    if (this.opts.signal?.aborted) {
      const reason = asError(this.opts.signal.reason ?? new Error('aborted'));
      for (const e of this.pending.splice(0)) this.settle(e, 'failed', reason);
      for (const r of this.ready.splice(0)) this.settle(r.entry, 'failed', reason);
      return;
    }
    if (!this.batching && this.pending.length > 0 && this.ready.length < this.concurrency && this.batchIsDue()) {
      const batch = this.pending.splice(0, this.batchSize).sort((a, b) => b.item.size - a.item.size);
      this.gatherDue = false;
      this.batching = true;
      void this.runBatch(batch).finally(() => {
        this.batching = false;
        this.pump();
      });
    }
    while (this.active < this.concurrency && this.ready.length > 0) {
      const r = this.ready.shift()!;
      this.active++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.active--;
        this.pump();
      };
      void this.runOne(r, release).finally(release);
    }
  }

  /** A full batch is always due; a partial one after the gather window (see gatherMs). */
  private batchIsDue(): boolean {
    const gather = this.opts.gatherMs ?? 0;
    if (gather <= 0 || this.pending.length >= this.batchSize || this.gatherDue) return true;
    this.gatherTimer ??= setTimeout(() => {
      this.gatherTimer = null;
      this.gatherDue = true;
      this.pump();
    }, gather);
    return false;
  }

  private async runBatch(batch: Entry[]): Promise<void> {
    let reply;
    try {
      reply = await this.opts.batcher.batch(this.direction, batch.map((e) => e.item), this.opts.signal);
    } catch (e) {
      for (const entry of batch) this.failOrRetry(entry, asError(e));
      return;
    }
    const byOid = new Map<string, BatchObjectReply>();
    for (const o of reply.objects) {
      // Replies for oids we did not ask about are ignored: nothing is built from them.
      if (typeof o?.oid === 'string' && batch.some((b) => b.item.oid === o.oid) && !byOid.has(o.oid)) byOid.set(o.oid, o);
    }
    for (const entry of batch) {
      const o = byOid.get(entry.item.oid);
      if (!o) {
        this.settle(entry, 'failed', new TransferError(`[${entry.item.oid}] the server did not return this object`, { code: 'ENOTRETURNED' }));
      } else if (o.error) {
        this.settle(entry, 'failed', new TransferError(`[${entry.item.oid}] ${o.error.message}`, { status: o.error.code, code: 'EOBJECTERROR' }));
      } else if (o.skip && this.direction === 'upload') {
        this.settle(entry, 'skipped');
      } else {
        this.ready.push({ entry, reply: o, adapterName: reply.transfer });
      }
    }
  }

  /**
   * Transfer one object. `release` frees its worker slot early: a download calls it once the
   * body has arrived, so the next request starts while this object is verified and written
   * (at most `concurrency` such early-released commits run at once).
   */
  private async runOne(r: Ready, release: () => void): Promise<void> {
    const { entry } = r;
    const item = entry.item;
    let adapter: TransferAdapter;
    try {
      adapter = this.opts.adapterFor(r.adapterName);
      this.adapters.add(adapter);
    } catch (e) {
      this.settle(entry, 'failed', asError(e));
      return;
    }
    entry.attempts++;
    let last = 0;
    const onProgress = (bytesSoFar: number) => {
      const since = bytesSoFar - last;
      last = bytesSoFar;
      this.emit({ type: 'progress', direction: this.direction, oid: item.oid, bytesSoFar, bytesSinceLast: since });
    };
    const req = { ...item, direction: this.direction, action: r.reply.action, verify: r.reply.verify ?? null };
    try {
      if (this.direction === 'download') {
        // Writers are made one after another, so adapters see downloads in the order the
        // workers started them (largest first), however the store's file operations interleave.
        const made = this.writerOrder.then(() => this.opts.store.newWriter({ resume: { oid: item.oid, size: item.size } }));
        this.writerOrder = made.catch(() => {});
        const w = await made;
        try {
          await adapter.download(req, w, onProgress, this.opts.signal);
        } catch (e) {
          await w.abort();
          throw e;
        }
        // Free the slot for the next request unless `concurrency` stores already run.
        const early = this.committing < this.concurrency;
        if (early) {
          this.committing++;
          release();
        }
        try {
          await w.commit({ oid: item.oid, size: item.size });
        } catch (e) {
          await w.abort();
          throw e;
        } finally {
          if (early) {
            this.committing--;
            this.pump();
          }
        }
      } else {
        await adapter.upload(req, this.opts.store.objectPath(item.oid), onProgress, this.opts.signal);
      }
      this.settle(entry, 'transferred');
    } catch (e) {
      this.failOrRetry(entry, asError(e));
    }
  }

  private failOrRetry(entry: Entry, err: Error): void {
    if (!isRetriable(err) || entry.retries >= this.maxRetries || this.opts.signal?.aborted) {
      this.settle(entry, 'failed', err);
      return;
    }
    entry.retries++;
    const after = err instanceof TransferError ? err.retryAfterMs : undefined;
    const delayMs = after ?? backoffDelay(entry.retries, this.maxRetryDelayMs);
    this.emit({ type: 'retry', direction: this.direction, oid: entry.item.oid, attempt: entry.retries, delayMs, message: err.message });
    this.sleep(delayMs, this.opts.signal).then(
      () => {
        this.pending.push(entry);
        this.pump();
      },
      (e) => this.settle(entry, 'failed', asError(e ?? err)),
    );
  }
}

/**
 * The ObjectFetcher the smudge filters use (src/filter/ObjectFetcher.ts), backed by one
 * TransferQueue for the whole filter run: every missing object git asks for (delayed or not)
 * goes through the same batching, concurrency, retries and verification as `fetch`.
 *
 * The remote and endpoint are resolved on the first fetch (so a run that needs nothing never
 * touches the remote). fetch() may be called many times without awaiting; close() waits for
 * what is in flight and releases adapters.
 */
import { TslfsError } from '../errors/TslfsError.js';
import type { TransferListener } from '../events/TransferEvents.js';
import type { FetchRequest, ObjectFetcher } from '../filter/ObjectFetcher.js';
import { createTransferQueue, transportFor } from '../transfer/createQueue.js';
import { transportContext } from './transportContext.js';
import type { TransferQueue } from '../transfer/TransferQueue.js';
import { resolveRemoteEndpoint } from './fetchEndpoint.js';
import type { RepoContext } from './repoContext.js';

export interface QueueObjectFetcherOptions {
  /** Remote name, URL or path; default as git-lfs chooses. */
  remote?: string | null;
  onEvent?: TransferListener;
  signal?: AbortSignal;
}

/**
 * How long a partial batch waits for more objects. git answers each delayed smudge in well
 * under a millisecond, so 100 requests arrive in a few milliseconds; 50 ms fills batches without
 * making a single missing file wait noticeably.
 */
const GATHER_MS = 50;

export class QueueObjectFetcher implements ObjectFetcher {
  private queueP: Promise<TransferQueue> | null = null;

  constructor(
    private readonly ctx: RepoContext,
    private readonly opts: QueueObjectFetcherOptions = {},
  ) {}

  private queue(): Promise<TransferQueue> {
    this.queueP ??= (async () => {
      const { endpoint } = await resolveRemoteEndpoint(this.ctx, this.opts.remote ?? null, 'download');
      return createTransferQueue({
        endpoint,
        direction: 'download',
        config: this.ctx.config,
        env: this.ctx.env,
        store: this.ctx.store,
        ...(this.opts.onEvent ? { onEvent: this.opts.onEvent } : {}),
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        // git asks for delayed files one request at a time: gather them into full batches.
        gatherMs: GATHER_MS,
      }, transportFor(endpoint, transportContext(this.ctx, 'download')));
    })();
    return this.queueP;
  }

  /** Resolves when the object is in the store (verified); rejects with a TslfsError otherwise. */
  async fetch(req: FetchRequest): Promise<void> {
    const q = await this.queue();
    const r = await q.add({ oid: req.oid, size: req.size, name: req.path });
    if (r.status !== 'failed') return;
    const e = r.error;
    if (e instanceof TslfsError) throw e;
    throw new TslfsError(`Error downloading object: ${req.path} (${req.oid.slice(0, 7)}): ${e?.message ?? 'failed'}`, { code: 'EDOWNLOAD', cause: e });
  }

  /** Wait for outstanding transfers and release the adapters. Never throws. */
  async close(): Promise<void> {
    if (!this.queueP) return;
    const q = await this.queueP.catch(() => null);
    await q?.finish().catch(() => []);
  }
}

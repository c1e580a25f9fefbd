/**
 * The filters' downloader: the shared transfer queue (ops/fetchObjectFetcher.ts), loaded with a
 * dynamic import on the first missing object, so that a filter run that finds every object
 * local never loads the transfer code (and, through it, the HTTP client). Safe to call fetch()
 * concurrently; close() waits for what is in flight.
 */
import type { TransferListener } from '../events/TransferEvents.js';
import type { RepoContext } from '../ops/repoContext.js';
import type { FetchRequest, ObjectFetcher } from './ObjectFetcher.js';

export class LazyQueueFetcher implements ObjectFetcher {
  private inner: Promise<ObjectFetcher & { close(): Promise<void> }> | null = null;

  /** Transfer events of the queue (progress); set before the first fetch. */
  onEvent: TransferListener | null = null;

  constructor(private readonly ctx: RepoContext) {}

  private load() {
    this.inner ??= import('../ops/fetchObjectFetcher.js').then(
      (m) => new m.QueueObjectFetcher(this.ctx, this.onEvent ? { onEvent: this.onEvent } : {}),
    );
    return this.inner;
  }

  async fetch(req: FetchRequest): Promise<void> {
    return (await this.load()).fetch(req);
  }

  async close(): Promise<void> {
    if (!this.inner) return;
    await (await this.inner.catch(() => null))?.close();
  }
}

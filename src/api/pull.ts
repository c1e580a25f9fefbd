/**
 * Library entry point for `pull`: fetch the objects of the current HEAD (honouring -I/-X and
 * lfs.fetchinclude/exclude), then check out the LFS files whose content is now local. In a bare
 * repository it only fetches. Per-object failures are in the result; the checkout still runs
 * for everything that did arrive.
 */
import type { TransferListener } from '../events/TransferEvents.js';
import type { Env } from '../git/exec.js';
import { runCheckout, type CheckoutEvent, type CheckoutResult } from '../ops/checkout.js';
import { fetchObjects, type FetchObjectsResult } from '../ops/fetchObjects.js';
import { openRepo } from '../ops/repoContext.js';

export interface PullOptions {
  cwd: string;
  env: Env;
  remote?: string | null;
  include?: string[];
  exclude?: string[];
  onProgress?: TransferListener;
  onCheckout?: (e: CheckoutEvent) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  fetch: FetchObjectsResult;
  /** Null in a bare repository. */
  checkout: CheckoutResult | null;
}

export async function pull(opts: PullOptions): Promise<PullResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  try {
    const fetched = await fetchObjects(ctx, {
      remote: opts.remote ?? null,
      include: opts.include,
      exclude: opts.exclude,
      ...(opts.onProgress ? { onEvent: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (!ctx.repo.workTree) return { fetch: fetched, checkout: null };
    const checkout = await runCheckout(ctx, { globs: [], ...(opts.onCheckout ? { onEvent: opts.onCheckout } : {}) });
    return { fetch: fetched, checkout };
  } finally {
    await ctx.store.cleanupTmp().catch(() => 0);
  }
}

/**
 * Move a known set of objects through one TransferQueue for a repository and wait for all of
 * them: the shared last step of fetch and push. Per-object outcomes are in the results; only
 * whole-run problems throw.
 */
import type { TransferDirection, TransferListener } from '../events/TransferEvents.js';
import type { Endpoint } from '../http/endpoint.js';
import { createTransferQueue, type Transport } from '../transfer/createQueue.js';
import type { TransferItem } from '../transfer/types.js';
import type { TransferResult } from '../transfer/TransferQueue.js';
import type { RepoContext } from './repoContext.js';

export async function runTransfers(
  ctx: RepoContext,
  endpoint: Endpoint,
  direction: TransferDirection,
  transport: Transport,
  items: Iterable<TransferItem>,
  opts: { onEvent?: TransferListener; signal?: AbortSignal } = {},
): Promise<TransferResult[]> {
  const queue = createTransferQueue(
    {
      endpoint,
      direction,
      config: ctx.config,
      env: ctx.env,
      store: ctx.store,
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    transport,
  );
  for (const o of items) void queue.add(o);
  return queue.finish();
}

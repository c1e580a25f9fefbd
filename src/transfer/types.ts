/**
 * The contracts between the transfer queue and what plugs into it.
 *
 * - A Batcher decides, per batch of objects, what to do with each: an action to carry out
 *   (with the adapter the server chose), "skip" (an upload the server already has), or an
 *   error. For HTTP endpoints it is the batch API call; for standalone agents it asks nothing
 *   of a server (action null), apart from whatever cheap check the agent supports.
 * - A TransferAdapter only moves one object's bytes. It never retries, batches or reports
 *   results: it throws (a TransferError says whether a retry may help) and calls onProgress.
 */
import type { TransferDirection } from '../events/TransferEvents.js';

/** One object to move. `name` is a repo-relative path (for messages and progress only). */
export interface TransferItem {
  oid: string;
  size: number;
  name: string;
}

/** An action from the batch API (`actions.download`, `actions.upload`, `actions.verify`). */
export interface TransferAction {
  href: string;
  header?: Record<string, string>;
  expiresAt?: number;
}

export interface BatchObjectReply {
  oid: string;
  /** The action to carry out; null for standalone agents (the adapter knows where to go). */
  action: TransferAction | null;
  /** A verify action to call after an upload (HTTP only). */
  verify?: TransferAction | null;
  /** Upload only: the server already has it, nothing to do. */
  skip?: boolean;
  /** A per-object error (404, 410, 422...): the object fails, the others go on. */
  error?: { code: number; message: string };
}

export interface BatchReply {
  /** The adapter name the server chose (default "basic"; standalone agents give their own). */
  transfer: string;
  objects: BatchObjectReply[];
}

export interface Batcher {
  /**
   * Ask about up to batchSize objects (already largest first). Objects missing from the reply
   * fail as "not returned by the server". Throws for a whole-batch failure (a TransferError
   * with retriable=true makes every object in the batch retry).
   */
  batch(direction: TransferDirection, objects: readonly TransferItem[], signal?: AbortSignal): Promise<BatchReply>;
}

export interface AdapterRequest extends TransferItem {
  direction: TransferDirection;
  action: TransferAction | null;
  verify?: TransferAction | null;
}

/** Where downloaded bytes go: the store's ObjectWriter (hashes while writing). */
export interface ByteSink {
  /** Bytes already held from an earlier attempt (resume with a Range request from here). */
  readonly offset?: number;
  write(chunk: Buffer): Promise<void>;
}

export type ProgressFn = (bytesSoFar: number) => void;

export interface TransferAdapter {
  readonly name: string;
  /**
   * Stream the object's bytes into `out`. The queue verifies the oid and size afterwards and
   * only then moves the object into the store; an IntegrityError there counts as retriable.
   */
  download(req: AdapterRequest, out: ByteSink, onProgress: ProgressFn, signal?: AbortSignal): Promise<void>;
  /** Send the local file `localPath` (the verified store object). */
  upload(req: AdapterRequest, localPath: string, onProgress: ProgressFn, signal?: AbortSignal): Promise<void>;
  /** Release processes or connections; called once when the queue is finished. */
  close?(): Promise<void>;
}

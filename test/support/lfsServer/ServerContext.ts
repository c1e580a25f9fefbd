/**
 * State shared by the request handlers of one server instance, and the per-request view they
 * receive. Everything here lives in memory except objects (ObjectStore, on disk).
 */
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LockStore } from './LockStore.js';
import type { ObjectStore } from './ObjectStore.js';
import type { RequestLog } from './RequestLog.js';
import type { RuleBook } from './RuleBook.js';
import type { LfsServerOptions, RequestLogEntry } from './types.js';

export interface ServerContext {
  readonly opts: LfsServerOptions;
  readonly store: ObjectStore;
  readonly rules: RuleBook;
  readonly log: RequestLog;
  readonly locks: LockStore;
  /** Sizes announced by upload batches, key `${repo}\0${oid}`: PUT bodies must match. */
  readonly expectedSizes: Map<string, number>;
  /** Oids answered with "authenticated": true, key `${repo}\0${oid}`: storage refuses credentials for them. */
  readonly authenticatedOids: Set<string>;
  /** Running git http-backend children (killed by stop()). */
  readonly children: Set<ChildProcess>;
  /** Aborted by stop(): every wait in a handler listens to it. */
  readonly signal: AbortSignal;
  mainUrl(): string;
  altUrl(): string;
}

export interface RequestView {
  req: IncomingMessage;
  res: ServerResponse;
  entry: RequestLogEntry;
  listener: 'main' | 'alt';
  /** http://127.0.0.1:PORT of the listener this request came in on. */
  base: string;
  /** The path and query, parsed. */
  url: URL;
}

/** Sleep that ends early (resolving) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * What the smudge filters need from the transfer layer: a way to make one object local. The
 * filter only decides *when* to ask (immediately, or in the background for git's delayed
 * checkout); batching, concurrency, retries and progress are the implementation's business.
 *
 * Contract: fetch() may be called many times without awaiting (filter-process delays every
 * missing object of a checkout before it asks for results). It resolves once the object is in
 * the store with the given size and oid (verified), and rejects with a TslfsError otherwise.
 * Callers ask only for objects they found missing (planSmudge checked the store and the
 * alternates), so implementations need not check again before downloading.
 */
export interface FetchRequest {
  oid: string;
  size: number;
  /** Repo-relative path, for messages and progress only. */
  path: string;
}

export interface ObjectFetcher {
  fetch(req: FetchRequest): Promise<void>;
  /** Wait for transfers in flight and release resources; never throws. */
  close?(): Promise<void>;
}

/**
 * The shapes of the locking API (git-lfs docs/api/locking.md), shared by the HTTP and pure SSH
 * transports and the commands. A Lock is kept exactly in its wire JSON shape (`locked_at`,
 * `owner.name`) so that `--json` output and the cache files need no conversion.
 */

export interface Lock {
  id: string;
  /** As the server sent it: untrusted text, never used to build a filesystem path. */
  path: string;
  owner?: { name: string };
  /** RFC 3339 timestamp, normalised as git-lfs (Go) prints it (see normaliseLockTime). */
  locked_at: string;
}

/** GET <E>/locks filters (and the SSH list-lock arguments). */
export interface LockListQuery {
  path?: string;
  id?: string;
  cursor?: string;
  limit?: number;
  refspec?: string;
}

export interface LockPage {
  locks: Lock[];
  nextCursor?: string;
}

export interface VerifyPage {
  ours: Lock[];
  theirs: Lock[];
  nextCursor?: string;
}

/**
 * One way of talking to a lock server: HTTP (HttpLockTransport) or pure SSH (SshLockTransport).
 * Each call is one request (paging is LockClient's job). Errors are TslfsErrors: a create that
 * found an existing lock throws LockConflictError; an HTTP-style status is in TransferError.status.
 */
export interface LockTransport {
  create(path: string, refName: string | null): Promise<Lock>;
  list(query: LockListQuery): Promise<LockPage>;
  verify(refName: string | null, cursor: string | undefined, limit: number | undefined): Promise<VerifyPage>;
  unlock(id: string, force: boolean, refName: string | null): Promise<Lock | null>;
  /** Release connections. Idempotent; never throws. */
  close(): Promise<void>;
}

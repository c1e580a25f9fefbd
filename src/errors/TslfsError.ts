/**
 * Every error tslfs throws on purpose. cli/main.ts alone turns one into a message, a hint and an
 * exit code; nothing below the CLI prints. `exitCode` follows git-lfs: 2 for handled errors,
 * 128 when there is no repository or its LFS format is unknown.
 */
export class TslfsError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, opts: { code?: string; exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code ?? 'ETSLFS';
    this.exitCode = opts.exitCode ?? 2;
    this.hint = opts.hint;
  }
}

/** Not inside a git repository (git-lfs exits 128). */
export class NotARepositoryError extends TslfsError {
  constructor(message = 'Not in a Git repository.', cause?: unknown) {
    super(message, { code: 'ENOTREPO', exitCode: 128, cause });
  }
}

/** Local `lfs.repositoryformatversion` is something other than 0. */
export class RepoFormatError extends TslfsError {
  constructor(version: string) {
    super(`Unknown repository format version: ${version}`, { code: 'EREPOFORMAT', exitCode: 128 });
  }
}

/** Bad command-line usage. */
export class UsageError extends TslfsError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'EUSAGE', exitCode: 2, hint });
  }
}

/** Input is not an LFS pointer at all (smudge passes such input through). */
export class NotAPointerError extends TslfsError {
  constructor(reason: string) {
    super(`Pointer file error: ${reason}`, { code: 'ENOTPOINTER' });
  }
}

/** Input looked like a pointer but a field is invalid (bad oid, size, version, extension). */
export class BadPointerError extends TslfsError {
  constructor(reason: string) {
    super(`Pointer file error: ${reason}`, { code: 'EBADPOINTER' });
  }
}

/** Bytes did not hash to the expected oid or had the wrong size; nothing was stored. */
export class IntegrityError extends TslfsError {
  constructor(message: string) {
    super(message, { code: 'EINTEGRITY' });
  }
}

/** An LFS object is not in the local store (or its alternates). */
export class ObjectMissingError extends TslfsError {
  readonly oid: string;
  constructor(oid: string, path?: string) {
    super(`Object ${oid} not found locally${path ? ` (${path})` : ''}`, {
      code: 'EOBJMISSING',
      hint: 'Run `tslfs fetch` to download it.',
    });
    this.oid = oid;
  }
}

/** A write would go through a symlink, a non-directory, or outside the repository. */
export class UnsafePathError extends TslfsError {
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`${reason}: ${path}`, { code: 'EUNSAFEPATH' });
    this.path = path;
  }
}

/** A git subprocess failed. `stderr` is git's own message. */
export class GitError extends TslfsError {
  readonly args: readonly string[];
  readonly stderr: string;
  readonly status: number | null;
  constructor(args: readonly string[], status: number | null, stderr: string) {
    const msg = stderr.trim() || `git ${args[0] ?? ''} exited with ${status}`;
    super(msg, { code: 'EGIT' });
    this.args = args;
    this.stderr = stderr;
    this.status = status;
  }
}

/** The filter-process peer (git) broke the pkt-line protocol. */
export class ProtocolError extends TslfsError {
  constructor(message: string) {
    super(`filter protocol error: ${message}`, { code: 'EPROTOCOL' });
  }
}

/**
 * One object's transfer failed. `retriable` tells the transfer queue whether another attempt may
 * succeed (network trouble, a truncated body, 429/5xx on storage), and `retryAfterMs` carries a
 * server-requested delay (Retry-After). `status` is an HTTP or per-object batch error code.
 */
export class TransferError extends TslfsError {
  readonly retriable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  constructor(message: string, opts: { retriable?: boolean; retryAfterMs?: number; status?: number; code?: string; cause?: unknown; hint?: string } = {}) {
    super(message, { code: opts.code ?? 'ETRANSFER', cause: opts.cause, ...(opts.hint !== undefined ? { hint: opts.hint } : {}) });
    this.retriable = opts.retriable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
  }
}

/** A git listing behind ls-files failed; worded as git-lfs words it ("Could not scan for Git LFS tree: ..."). */
export class ScanError extends TslfsError {
  constructor(what: 'tree' | 'index' | 'history', detail: string) {
    super(`Could not scan for Git LFS ${what}: ${detail}`, { code: 'ESCAN' });
  }
}

/** `pointer` could not open or read a file ("open f: no such file or directory"); exit 1, or 2 with --check. */
export class PointerInputError extends TslfsError {
  constructor(message: string, exitCode: number) {
    super(message, { code: 'EPOINTERINPUT', exitCode });
  }
}

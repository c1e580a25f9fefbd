/**
 * Errors of the locking client. Messages are the cause texts git-lfs prints after
 * "Locking <path> failed: " and the like; the commands add that prefix.
 */
import { TslfsError } from '../errors/TslfsError.js';
import type { Lock } from './types.js';

/** Create found the path already locked (HTTP 409 / SSH status 409); `lock` is the existing one. */
export class LockConflictError extends TslfsError {
  constructor(
    message: string,
    readonly lock: Lock | null,
  ) {
    super(message, { code: 'ELOCKEXISTS' });
  }
}

/** A server kept paging (next_cursor repeating or never ending): HS21. */
export class LockPagingError extends TslfsError {
  constructor(message: string) {
    super(message, { code: 'ELOCKPAGING' });
  }
}

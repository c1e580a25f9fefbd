/**
 * Library entry point for `push`: upload the LFS objects that refs (or explicit oids) need and
 * the remote lacks (see ops/pushObjects.ts). Per-object failures are in the result; missing
 * local objects throw PushMissingObjectsError unless lfs.allowincompletepush is set.
 */
import type { TransferListener } from '../events/TransferEvents.js';
import type { Env } from '../git/exec.js';
import { pushObjects, type PushObjectsResult } from '../ops/pushObjects.js';
import { openRepo } from '../ops/repoContext.js';
import type { LockNotice } from '../ops/verifyPushLocks.js';

export type { PushObjectsResult as PushResult };
export { PushMissingObjectsError } from '../ops/pushObjects.js';

export interface PushOptions {
  cwd: string;
  env: Env;
  /** Remote name, URL or local path. */
  remote: string;
  /** Refs to push (default: the current HEAD); with `objectIds` these are ignored. */
  refs?: string[];
  /** Everything reachable from the refs (default: all refs), not only what the remote lacks. */
  all?: boolean;
  /** Push exactly these local objects. */
  objectIds?: string[];
  /** Raw rev-list arguments instead of refs (for the pre-push hook; see ops/pushObjects.ts). */
  revArgs?: string[];
  dryRun?: boolean;
  onProgress?: TransferListener;
  signal?: AbortSignal;
  /** Lock verification's messages for a push of refs (ops/pushObjects.ts); default: dropped. */
  onLockNotice?: LockNotice;
}

export async function push(opts: PushOptions): Promise<PushObjectsResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  return pushObjects(ctx, {
    remote: opts.remote,
    refs: opts.refs ?? [],
    all: Boolean(opts.all),
    ...(opts.objectIds ? { objectIds: opts.objectIds } : {}),
    ...(opts.revArgs ? { revArgs: opts.revArgs } : {}),
    dryRun: Boolean(opts.dryRun),
    ...(opts.onProgress ? { onEvent: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onLockNotice ? { onLockNotice: opts.onLockNotice } : {}),
  });
}

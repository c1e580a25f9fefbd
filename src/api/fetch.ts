/**
 * Library entry point for `fetch`: download the LFS objects of some refs into the local store
 * (see ops/fetchObjects.ts for what is selected). Per-object failures are in the result, not
 * thrown; bad arguments (remote, refs) and a missing transport throw TslfsError.
 */
import type { TransferListener } from '../events/TransferEvents.js';
import type { Env } from '../git/exec.js';
import { fetchObjects, type FetchObjectsResult, type RecentStep } from '../ops/fetchObjects.js';
import { recentSettings } from '../ops/recentRefs.js';
import { openRepo } from '../ops/repoContext.js';

export type { FetchObjectsResult as FetchResult, RecentStep };

export interface FetchOptions {
  cwd: string;
  env: Env;
  /** Remote name, URL or local path; default: the branch's remote, remote.lfsdefault, origin. */
  remote?: string | null;
  /** Refs to fetch; default the current HEAD (with `all`: every ref). */
  refs?: string[];
  /** Every object reachable from the refs, ignoring include/exclude. */
  all?: boolean;
  /** gitignore-style patterns; undefined means lfs.fetchinclude / lfs.fetchexclude. */
  include?: string[];
  exclude?: string[];
  /** Download objects even when they are already local. */
  refetch?: boolean;
  /** Only compute what would be downloaded. */
  dryRun?: boolean;
  onProgress?: TransferListener;
  /** Called once per ref before it is scanned. */
  onRef?: (ref: string) => void;
  /**
   * Also fetch recent branches and the previous versions changed by recent commits
   * (lfs.fetchrecentrefsdays, lfs.fetchrecentremoteref, lfs.fetchrecentcommitsdays). Default:
   * lfs.fetchrecentalways. Ignored with `all`.
   */
  recent?: boolean;
  /** Called before each recent step (see RecentStep). */
  onRecent?: (e: RecentStep) => void;
  signal?: AbortSignal;
}

export async function fetch(opts: FetchOptions): Promise<FetchObjectsResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  try {
    return await fetchObjects(ctx, {
      remote: opts.remote ?? null,
      refs: opts.refs ?? [],
      all: Boolean(opts.all),
      include: opts.include,
      exclude: opts.exclude,
      refetch: Boolean(opts.refetch),
      dryRun: Boolean(opts.dryRun),
      ...(opts.onProgress ? { onEvent: opts.onProgress } : {}),
      ...(opts.onRef ? { onRef: opts.onRef } : {}),
      recent: opts.recent ?? recentSettings(ctx).always,
      ...(opts.onRecent ? { onRecent: opts.onRecent } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    await ctx.store.cleanupTmp().catch(() => 0);
  }
}

/**
 * Library entry point for `checkout`: populate the work tree with local LFS content, or, with
 * `conflict`, write one side of a conflicted LFS file elsewhere.
 */
import type { Env } from '../git/exec.js';
import { checkoutConflictStage, runCheckout, type CheckoutEvent, type CheckoutResult, type ConflictStage } from '../ops/checkout.js';
import { openRepo } from '../ops/repoContext.js';

export type { CheckoutEvent, CheckoutResult, ConflictStage };

export interface CheckoutOptions {
  cwd: string;
  env: Env;
  /** gitignore-style globs relative to `cwd`; none means every LFS file. */
  globs?: string[];
  onEvent?: (e: CheckoutEvent) => void;
  /**
   * Conflict mode (`--to`): write stage `stage` of the conflicted LFS file `path` (relative to
   * cwd) to `to` (relative to cwd, may be outside the work tree). Throws TslfsError when there
   * is no such stage, it is not a pointer, or the object is not local.
   */
  conflict?: { to: string; stage: ConflictStage; path: string };
}

/**
 * Per-file problems are in the result (and events), not thrown. In conflict mode `written`
 * holds the absolute destination. In a bare repository `hasWorkTree` is false and nothing is done.
 */
export async function checkout(opts: CheckoutOptions): Promise<CheckoutResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  if (opts.conflict) {
    const out = await checkoutConflictStage(ctx, opts.conflict);
    return { hasWorkTree: true, total: 1, totalBytes: out.bytes, written: [out.path], notLocal: [], errors: [], refreshProblems: [] };
  }
  return runCheckout(ctx, { globs: opts.globs ?? [], ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
}

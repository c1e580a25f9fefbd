/** Library entry point for `dedup` (see ops/dedup.ts). */
import type { Env } from '../git/exec.js';
import { runDedup, testDedup, type DedupEvent, type DedupResult } from '../ops/dedup.js';
import { openRepo } from '../ops/repoContext.js';

export type { DedupEvent, DedupResult };

/**
 * With `test`, only checks that dedup can be used and returns null. Throws TslfsError (exit 2)
 * when the filesystem has no copy-on-write clones, extensions are configured or the work tree is
 * dirty.
 */
export async function dedup(opts: { cwd: string; env: Env; test?: boolean; onEvent?: (e: DedupEvent) => void }): Promise<DedupResult | null> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  if (opts.test) {
    await testDedup(ctx);
    return null;
  }
  return runDedup(ctx, opts.onEvent ? { onEvent: opts.onEvent } : {});
}

/** Library entry point for `fsck`: check LFS objects and pointers (see ops/fsck.ts). */
import type { Env } from '../git/exec.js';
import { runFsck, type FsckProblem, type FsckResult } from '../ops/fsck.js';
import { openRepo } from '../ops/repoContext.js';

export type { FsckProblem, FsckResult };

export interface FsckOptions {
  cwd: string;
  env: Env;
  /** A committish or `A..B`; default HEAD (and the index, for objects). */
  refspec?: string;
  /** Which checks; when neither is set, both run. */
  objects?: boolean;
  pointers?: boolean;
  /** Report only; move no corrupt object to `.git/lfs/bad`. */
  dryRun?: boolean;
  onProblem?: (p: FsckProblem) => void;
}

export async function fsck(opts: FsckOptions): Promise<FsckResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  const both = !opts.objects && !opts.pointers;
  return runFsck(ctx, {
    ...(opts.refspec ? { refspec: opts.refspec } : {}),
    objects: both || Boolean(opts.objects),
    pointers: both || Boolean(opts.pointers),
    dryRun: Boolean(opts.dryRun),
    ...(opts.onProblem ? { onProblem: opts.onProblem } : {}),
  });
}

/**
 * `ls-files`: the LFS files in the index and work tree, a ref's tree, a range of history or
 * all history (see ops/lsFiles.ts for the exact rules). Read-only.
 * Throws NotARepositoryError, UsageError (bad flag/ref combinations) and ScanError.
 */
import type { Env } from '../git/exec.js';
import { listLfsFiles, type LsFilesEntry } from '../ops/lsFiles.js';
import { openRepo } from '../ops/repoContext.js';

export type { LsFilesEntry } from '../ops/lsFiles.js';

export interface LsFilesOptions {
  cwd: string;
  env: Env;
  /** Zero, one (a tree to list) or two refs (objects added between them). */
  refs?: string[];
  /** Every pointer blob in every ref's history. */
  all?: boolean;
  /** The whole history of the ref, including files deleted since. */
  deleted?: boolean;
  /** Comma-separated gitignore-style patterns. */
  include?: string;
  exclude?: string;
}

export interface LsFilesResult {
  files: LsFilesEntry[];
  /** The repository's core.quotePath, for printing index and tree paths as git does. */
  quotePath: boolean;
}

export async function lsFiles(opts: LsFilesOptions): Promise<LsFilesResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  const files = await listLfsFiles(ctx, opts);
  return { files, quotePath: ctx.config.getBool('core.quotepath', true) };
}

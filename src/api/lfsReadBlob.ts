/**
 * readLfsBlob: isomorphic-git's readBlob with LFS applied, for isomorphic-git users: reads the
 * blob (by `oid`, or `filepath` in `ref`, default HEAD) and returns what a checkout with
 * git-lfs would put in the file, as a verified stream (see smudgeBlob for the rules, errors and
 * the `fetchMissing` hook). `blobOid` is the git blob's id (the pointer's, for an LFS file).
 * isomorphic-git is loaded on first use.
 */
import { readBlobBytes, type IsoFs } from '../git/iso/isoGit.js';
import { smudgeBlob, type SmudgeBlobOptions, type SmudgeBlobResult } from './lfsSmudgeBlob.js';

export interface ReadLfsBlobOptions extends Omit<SmudgeBlobOptions, 'blob'> {
  fs?: IsoFs;
  cache?: object;
  /** A blob id, or a commit/tree id with `filepath`. */
  oid?: string;
  /** Used when `oid` is absent (default HEAD). */
  ref?: string;
}

export interface ReadLfsBlobResult extends SmudgeBlobResult {
  blobOid: string;
}

export async function readLfsBlob(opts: ReadLfsBlobOptions): Promise<ReadLfsBlobResult> {
  const { oid, blob } = await readBlobBytes({ fs: opts.fs, dir: opts.dir, gitdir: opts.gitdir, cache: opts.cache, oid: opts.oid, ref: opts.ref, filepath: opts.filepath });
  const r = await smudgeBlob({ ...opts, blob });
  return { ...r, blobOid: oid };
}

/**
 * The only place that loads isomorphic-git, lazily (`await import`), so that CLI commands and
 * library functions that need no git objects never pay for it. Callers pass isomorphic-git's
 * `fs` (node:fs by default), `dir`, `gitdir` and a shared `cache` object.
 *
 * isomorphic-git limits that apply here (docs/toolchain notes): SHA-1 repositories only, index
 * v2/v3 only (no v4, no split index), refs of linked worktrees are not found from their git dir,
 * only the repository's own config is read.
 */
import * as nodeFs from 'node:fs';
import { TslfsError } from '../../errors/TslfsError.js';

/** isomorphic-git's `fs` parameter (callback or promise client). */
export type IsoFs = Parameters<typeof import('isomorphic-git').readBlob>[0]['fs'];

export interface IsoGitLocation {
  fs?: IsoFs;
  dir?: string;
  gitdir?: string;
  /** isomorphic-git's cache object; pass the same one to every call for speed. */
  cache?: object;
}

type IsoGit = typeof import('isomorphic-git');

async function loadIsoGit(): Promise<IsoGit> {
  try {
    const m = (await import('isomorphic-git')) as IsoGit & { default?: IsoGit };
    // Bundlers may hand over the CommonJS build, whose functions sit on `default`.
    return typeof m.listFiles === 'function' ? m : m.default!;
  } catch (e) {
    throw new TslfsError('isomorphic-git could not be loaded', { code: 'ENOISOGIT', cause: e, hint: 'npm install isomorphic-git' });
  }
}

function wrap(what: string, e: unknown): TslfsError {
  const msg = e instanceof Error ? e.message : String(e);
  return new TslfsError(`isomorphic-git ${what} failed: ${msg}`, { code: 'EISOGIT', cause: e });
}

function base(loc: IsoGitLocation) {
  return { fs: loc.fs ?? (nodeFs as unknown as IsoFs), dir: loc.dir, gitdir: loc.gitdir, cache: loc.cache ?? {} };
}

/** The paths in the index (stage 0 and conflicted), as isomorphic-git's listFiles lists them. */
export async function listIndexFiles(loc: IsoGitLocation): Promise<string[]> {
  const git = await loadIsoGit();
  try {
    return await git.listFiles(base(loc));
  } catch (e) {
    throw wrap('listFiles', e);
  }
}

/**
 * A blob's raw bytes as git stores them (for an LFS file: the pointer). Either `oid` (a blob, or
 * a tree/commit with `filepath`), or `ref` (default HEAD) plus `filepath`. Buffers the blob, as
 * isomorphic-git does.
 */
export async function readBlobBytes(loc: IsoGitLocation & { oid?: string; ref?: string; filepath?: string }): Promise<{ oid: string; blob: Uint8Array }> {
  const git = await loadIsoGit();
  const b = base(loc);
  try {
    const oid = loc.oid ?? (await git.resolveRef({ ...b, ref: loc.ref ?? 'HEAD' }));
    const r = await git.readBlob({ ...b, oid, filepath: loc.filepath });
    return { oid: r.oid, blob: r.blob };
  } catch (e) {
    throw wrap('readBlob', e);
  }
}

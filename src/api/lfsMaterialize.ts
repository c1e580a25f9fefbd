/**
 * materializeLfsFiles: after an isomorphic-git checkout (which writes pointers, as it has no
 * filters), replace the work tree's pointer files by their content, as git-lfs's checkout does.
 *
 * Candidates are `filepaths` (repo-relative) or else every path in the index (read with
 * isomorphic-git's listFiles, so the index must be one it reads: v2/v3, not split). A candidate
 * is replaced only when it is a regular file under 1024 bytes that parses as a pointer and the
 * path has filter=lfs (git/iso/AttributeMatcher). Writes go through ops/worktreeWriter: path
 * validated, no parent or target symlink followed, content streamed into a temp file and
 * checked against the pointer's size and SHA-256 before it is renamed over the pointer (a
 * failure leaves the pointer in place); the file's permission bits are kept. A file that
 * changed since it was read is left alone.
 *
 * Objects not in the local store (or alternates) come from `fetchMissing` when given, else the
 * file is listed in `missing` and keeps its pointer. Per-file problems (unsafe path, corrupt
 * object, extensions) are collected in `failed`; the other files are still processed. Throws
 * only for whole-call problems (no repository, no work tree, unreadable index).
 *
 * isomorphic-git's statusMatrix compares work tree content with the index blob (the pointer),
 * so materialised files show as modified there; this is a limit of filter-less git.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import { attributeMatcherFor } from '../git/iso/AttributeMatcher.js';
import { ensureObjectLocal, type FetchMissing } from '../git/iso/ensureObjectLocal.js';
import { listIndexFiles, type IsoFs } from '../git/iso/isoGit.js';
import { useIsoContext, type LfsRepoOptions } from '../git/iso/openIsoStore.js';
import { ObjectMissingError } from '../errors/TslfsError.js';
import { fsPath } from '../model/pathBytes.js';
import { POINTER_MAX_SIZE, tryDecodePointer } from '../model/pointer.js';
import { validateRepoPath, writeWorktreeFile } from '../ops/worktreeWriter.js';

export interface MaterializeLfsFilesOptions extends LfsRepoOptions {
  /** Repo-relative paths to consider; default: every path in the index. */
  filepaths?: readonly string[];
  /** isomorphic-git's fs and cache, used only to list the index. Default node:fs. */
  fs?: IsoFs;
  cache?: object;
  /** Extra attribute files, lowest precedence first. */
  attributesFiles?: readonly string[];
  fetchMissing?: FetchMissing;
  /** Called after each file is written. */
  onFile?: (e: { path: string; oid: string; size: number }) => void;
}

export interface MaterializeLfsFilesResult {
  /** Paths whose pointer was replaced by content. */
  written: string[];
  /** Pointers whose object is not available; the files keep their pointers. */
  missing: Array<{ path: string; oid: string; size: number }>;
  /** Files that could not be processed, with the reason. */
  failed: Array<{ path: string; error: Error }>;
}

/** Up to POINTER_MAX_SIZE bytes of a regular file, without following a symlink; null if not one. */
async function readSmallFile(abs: string | Buffer): Promise<Buffer | null> {
  const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!fh) return null;
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size >= POINTER_MAX_SIZE) return null;
    const buf = Buffer.alloc(POINTER_MAX_SIZE);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n >= POINTER_MAX_SIZE) return null;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

export async function materializeLfsFiles(opts: MaterializeLfsFilesOptions): Promise<MaterializeLfsFilesResult> {
  const ctx = await useIsoContext(opts);
  const workTree = ctx.repo.workTree;
  if (!workTree) throw new TslfsError('materializeLfsFiles needs a work tree (`dir`)', { code: 'ENOWORKTREE' });
  const paths = opts.filepaths ?? (await listIndexFiles({ fs: opts.fs, dir: workTree, gitdir: ctx.repo.gitDir, cache: opts.cache }));
  const attrs = attributeMatcherFor(ctx, opts.attributesFiles);
  const result: MaterializeLfsFilesResult = { written: [], missing: [], failed: [] };
  for (const path of paths) {
    try {
      validateRepoPath(path);
      const abs = join(workTree, ...path.split('/'));
      const before = await readSmallFile(fsPath(abs));
      if (!before) continue;
      const p = tryDecodePointer(before);
      if (!p || p.size === 0) continue;
      if (!(await attrs.isLfsTracked(path))) continue;
      if (p.extensions.length > 0) throw new TslfsError(`pointer uses extensions, which the library does not run`, { code: 'EEXTENSION' });
      try {
        await ensureObjectLocal(ctx.store, p, path, opts.fetchMissing);
      } catch (e) {
        if (!(e instanceof ObjectMissingError)) throw e;
        result.missing.push({ path, oid: p.oid, size: p.size });
        continue;
      }
      const out = await writeWorktreeFile({
        workTree,
        path,
        source: { open: () => ctx.store.openRead(p.oid), size: p.size, oid: p.oid },
        // Replace only the pointer we read: a file edited meanwhile is the user's.
        canReplace: async (target) => {
          const now = await readSmallFile(target);
          return now !== null && now.equals(before);
        },
      });
      if (out.written) {
        result.written.push(path);
        opts.onFile?.({ path, oid: p.oid, size: p.size });
      }
    } catch (e) {
      result.failed.push({ path, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }
  return result;
}

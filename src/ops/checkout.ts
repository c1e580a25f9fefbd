/**
 * `checkout`: write content for index entries that hold LFS pointers, when the work tree file
 * is missing or still holds that same pointer and the object is local (alternates included).
 * Modified files are never touched; missing objects are reported, never fetched. Every write
 * goes through worktreeWriter (no symlink/hard-link/non-directory following; temp + rename).
 * Afterwards the written paths' index entries are refreshed (refreshIndexEntries).
 *
 * Also `checkout --to <file> --base|--ours|--theirs <path>` for merge conflicts.
 * Results come back as values and per-file events; nothing here prints.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import ignore from 'ignore';
import { TslfsError, UsageError } from '../errors/TslfsError.js';
import { git, gitText, splitNul } from '../git/exec.js';
import { readObjects } from '../git/catFile.js';
import { decodePointer, encodePointer, POINTER_MAX_SIZE, tryDecodePointer, type DecodedPointer } from '../model/pointer.js';
import type { LfsStore } from '../store/LfsStore.js';
import type { RepoContext } from './repoContext.js';
import { scanIndex, type PointerEntry } from './scanPointers.js';
import { IndexRefresher, writeUserFile, writeWorktreeFile, type WriteSource } from './worktreeWriter.js';

export type CheckoutEvent =
  | { type: 'written'; path: string; bytes: number }
  /** Object not local: content not written (the pointer is restored when the file was missing). */
  | { type: 'not-local'; path: string; oid: string }
  | { type: 'error'; path: string; message: string }
  | { type: 'progress'; done: number; total: number };

export interface CheckoutResult {
  /** False in a bare repository: nothing was done. */
  hasWorkTree: boolean;
  /** Pointers selected by the globs (what git-lfs counts in its progress line) and their bytes. */
  total: number;
  totalBytes: number;
  written: string[];
  notLocal: string[];
  errors: Array<{ path: string; message: string }>;
  /** Paths whose index entry could not be refreshed (left for git to re-check). */
  refreshProblems: string[];
  /** Set when git could not update the index at all (e.g. index.lock exists). */
  refreshError?: string;
}

/**
 * Turn command-line globs (relative to the caller's directory `prefix`) into a matcher over
 * repo-relative paths, with gitignore(5) semantics as git-lfs: `*.dat` in a subdirectory means
 * `sub/*.dat`; a pattern naming a directory selects everything below it; `.`/`..` up to the root
 * select everything; patterns leaving the repository select nothing. Pure.
 */
export function globMatcher(prefix: string, globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => true;
  const pats: string[] = [];
  let all = false;
  for (const g of globs) {
    let p = prefix ? posix.join(prefix, g) : g;
    p = p.replace(/^(\.\/)+/, '');
    if (p !== '/') p = p.replace(/\/+$/, '');
    if (p === '' || p === '.' || p === '/') {
      all = true;
      continue;
    }
    const norm = posix.normalize(p);
    if (norm === '..' || norm.startsWith('../') || norm === '.') {
      if (norm === '.') all = true;
      continue;
    }
    pats.push(p.startsWith('/') ? p : norm);
  }
  if (all) return () => true;
  if (pats.length === 0) return () => false;
  const ig = ignore().add(pats);
  return (path) => {
    try {
      return ig.ignores(path);
    } catch {
      return false;
    }
  };
}

/** True when the file at `abs` (a regular file, lstat'ed as `st`) holds a pointer to `oid`. */
async function holdsPointer(abs: string, st: Stats, oid: string): Promise<boolean> {
  if (st.size >= POINTER_MAX_SIZE) return false;
  const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(POINTER_MAX_SIZE);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const p = tryDecodePointer(buf.subarray(0, bytesRead));
    return p !== null && p.oid === oid;
  } finally {
    await fh.close();
  }
}

/** A content source reading a local object (never through a symlink), verified while written. */
export function objectSource(store: LfsStore, oid: string, size: number): WriteSource {
  return {
    size,
    oid,
    async open() {
      const fh = await open(store.objectPath(oid), constants.O_RDONLY | constants.O_NOFOLLOW);
      return fh.createReadStream({ highWaterMark: 1 << 20 });
    },
  };
}

function pointerSource(p: DecodedPointer): WriteSource {
  const text = Buffer.from(encodePointer(p));
  return { size: text.length, open: () => Readable.from([text]) };
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EDQUOT: 'disk quota exceeded',
};

function message(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && ERRNO_TEXT[code]) return `could not create working directory file: ${ERRNO_TEXT[code]}`;
  return e instanceof Error ? e.message : String(e);
}

/** Paths git keeps out of the work tree (sparse checkout, skip-worktree bit). */
async function skipWorktreePaths(ctx: RepoContext, cwd: string): Promise<Set<string>> {
  const r = await git(['ls-files', '-t', '-z', '--full-name'], { cwd, env: ctx.env });
  const out = new Set<string>();
  for (const rec of splitNul(r.stdout)) if (rec.startsWith('S ')) out.add(rec.slice(2));
  return out;
}

export interface CheckoutOptions {
  /** Globs relative to the caller's directory (ctx.repo.prefix). */
  globs: readonly string[];
  onEvent?: (e: CheckoutEvent) => void;
}

export async function runCheckout(ctx: RepoContext, opts: CheckoutOptions): Promise<CheckoutResult> {
  const res: CheckoutResult = { hasWorkTree: false, total: 0, totalBytes: 0, written: [], notLocal: [], errors: [], refreshProblems: [] };
  const workTree = ctx.repo.workTree;
  if (!workTree) return res;
  res.hasWorkTree = true;
  const emit = opts.onEvent ?? (() => {});
  const match = globMatcher(ctx.repo.prefix, opts.globs);
  const skip = await skipWorktreePaths(ctx, workTree);
  const entries = (await scanIndex({ cwd: workTree, env: ctx.env })).filter(
    (e) => (e.stage ?? 0) === 0 && e.pointer.size > 0 && !skip.has(e.path) && match(e.path),
  );
  res.total = entries.length;
  for (const e of entries) res.totalBytes += e.pointer.size;
  const refresh = new IndexRefresher(workTree, ctx.env);
  let done = 0;
  for (const e of entries) {
    await checkoutOne(ctx, workTree, e, res, refresh, emit);
    emit({ type: 'progress', done: ++done, total: entries.length });
  }
  try {
    res.refreshProblems.push(...(await refresh.finish()));
  } catch (err) {
    const lock = join(ctx.repo.gitDir, 'index.lock');
    res.refreshError = (await lstat(lock).catch(() => null))
      ? `${message(err)}: ${lock} exists (is another git process running?)`
      : message(err);
  }
  return res;
}

async function checkoutOne(ctx: RepoContext, workTree: string, e: PointerEntry, res: CheckoutResult, refresh: IndexRefresher, emit: (e: CheckoutEvent) => void): Promise<void> {
  const p = e.pointer;
  const fail = (msg: string) => {
    res.errors.push({ path: e.path, message: msg });
    emit({ type: 'error', path: e.path, message: msg });
  };
  try {
    if (p.extensions.length > 0) {
      fail('pointer extensions are not supported by checkout yet');
      return;
    }
    const local = await ctx.store.ensureLocal(p.oid, p.size);
    const source = local ? objectSource(ctx.store, p.oid, p.size) : p.canonical ? pointerSource(p) : null;
    let existed = false;
    const out = source
      ? await writeWorktreeFile({
          workTree,
          path: e.path,
          source,
          executable: e.mode === '100755',
          // Only a file still holding this pointer is replaced; and without the object, an
          // existing pointer file is left as it is.
          canReplace: async (abs, st) => {
            existed = true;
            const ok = await holdsPointer(abs, st, p.oid);
            if (ok && !local) {
              res.notLocal.push(e.path);
              emit({ type: 'not-local', path: e.path, oid: p.oid });
            }
            return ok && local;
          },
        })
      : null;
    if (!out) {
      res.notLocal.push(e.path);
      emit({ type: 'not-local', path: e.path, oid: p.oid });
      return;
    }
    if (!out.written) return;
    await refresh.add({ path: e.path, mode: e.mode, blobOid: e.blobOid });
    if (local) {
      res.written.push(e.path);
      emit({ type: 'written', path: e.path, bytes: out.bytes });
    } else if (!existed) {
      res.notLocal.push(e.path);
      emit({ type: 'not-local', path: e.path, oid: p.oid });
    }
  } catch (err) {
    fail(message(err));
  }
}

export type ConflictStage = 'base' | 'ours' | 'theirs';
const STAGE_NUMBER: Record<ConflictStage, number> = { base: 1, ours: 2, theirs: 3 };

/**
 * `checkout --to <to> --<stage> <path>`: write one side of a conflicted LFS file to `to`
 * (relative to ctx.cwd, may be outside the work tree; an existing symlink or file there is
 * replaced, not written through). Throws TslfsError with git-lfs's messages.
 */
export async function checkoutConflictStage(ctx: RepoContext, opts: { to: string; stage: ConflictStage; path: string }): Promise<{ path: string; bytes: number }> {
  const workTree = ctx.repo.workTree;
  if (!workTree) throw new TslfsError('This operation must be run in a work tree.', { code: 'ENOWORKTREE' });
  const rel = posix.normalize(posix.join(ctx.repo.prefix, opts.path.replace(/\\/g, '/')));
  const n = STAGE_NUMBER[opts.stage];
  const ref = `:${n}:${rel}`;
  if (rel === '..' || rel.startsWith('../') || rel.startsWith('/')) throw new UsageError(`Could not checkout (are you not in the middle of a merge?): Git can't resolve ref: ${JSON.stringify(ref)}`);
  const r = await git(['rev-parse', '--verify', '--quiet', ref], { cwd: workTree, env: ctx.env, allowFailure: true });
  const blob = r.stdout.toString('utf8').trim();
  if (r.status !== 0 || !blob) {
    throw new TslfsError(`Could not checkout (are you not in the middle of a merge?): Git can't resolve ref: ${JSON.stringify(ref)}`);
  }
  const size = Number(await gitText(['cat-file', '-s', blob], { cwd: workTree, env: ctx.env }));
  let pointer: DecodedPointer;
  try {
    if (size >= POINTER_MAX_SIZE) decodePointer(Buffer.alloc(POINTER_MAX_SIZE));
    let data: Buffer = Buffer.alloc(0);
    for await (const o of readObjects([blob], workTree, ctx.env)) data = o.data;
    pointer = decodePointer(data);
  } catch (err) {
    throw new TslfsError(`Could not find decoder pointer for object ${JSON.stringify(blob)}: ${message(err)}`);
  }
  if (pointer.extensions.length > 0) throw new TslfsError(`Error checking out ${blob} to ${JSON.stringify(opts.to)}: pointer extensions are not supported by checkout yet`);
  if (!(await ctx.store.ensureLocal(pointer.oid, pointer.size))) {
    throw new TslfsError(`Error checking out ${blob} to ${JSON.stringify(opts.to)}: object ${pointer.oid} is not local`, {
      code: 'EOBJMISSING',
      hint: 'Run `tslfs fetch` to download it.',
    });
  }
  try {
    return await writeUserFile(ctx.cwd, opts.to, objectSource(ctx.store, pointer.oid, pointer.size));
  } catch (err) {
    throw new TslfsError(`Error checking out ${blob} to ${JSON.stringify(opts.to)}: ${message(err)}`, { cause: err });
  }
}

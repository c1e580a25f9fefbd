/**
 * `checkout`: write content for index entries that hold LFS pointers, when the work tree file
 * is missing or still holds that same pointer and the object is local (alternates included).
 * Modified files are never touched; missing objects are reported, never fetched. Every write
 * goes through worktreeWriter (no symlink/hard-link/non-directory following; temp + rename).
 * Afterwards the written paths' index entries get the files' stat data (recordWrittenEntries), so
 * git does not run them back through the clean filter.
 *
 * Also `checkout --to <file> --base|--ours|--theirs <path>` for merge conflicts.
 * Results come back as values and per-file events; nothing here prints.
 */
import { closeSync, constants, openSync, readSync, type BigIntStats, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import ignore from 'ignore';
import { TslfsError, UsageError } from '../errors/TslfsError.js';
import { checkAttr } from '../git/attributes.js';
import { git, gitText, splitNulPaths } from '../git/exec.js';
import { readObjects } from '../git/catFile.js';
import { loadExtensions, smudgeThroughExtensions, type Extension } from '../filter/extensions.js';
import { decodePointer, encodePointer, POINTER_MAX_SIZE, tryDecodePointer, type DecodedPointer } from '../model/pointer.js';
import type { LfsStore } from '../store/LfsStore.js';
import type { RepoContext } from './repoContext.js';
import { scanIndex, type PointerEntry } from './scanPointers.js';
import { DirHandles } from './DirHandles.js';
import { recordWrittenEntries, writeUserFile, writeWorktreeFile, type IndexedFile, type WriteSource } from './worktreeWriter.js';

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

/**
 * True when the file at `abs` (a regular file, lstat'ed as `st`) holds a pointer to `oid`.
 * Synchronous reads of at most 1 KiB: cheaper than a thread-pool round trip per file.
 */
async function holdsPointer(abs: string | Buffer, st: Stats, oid: string): Promise<boolean> {
  if (st.size >= POINTER_MAX_SIZE) return false;
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const buf = Buffer.alloc(POINTER_MAX_SIZE);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const p = tryDecodePointer(buf.subarray(0, n));
    return p !== null && p.oid === oid;
  } finally {
    closeSync(fd);
  }
}

/** A content source reading a local object (never through a symlink), verified while written. */
export function objectSource(store: LfsStore, oid: string, size: number): WriteSource {
  return { size, oid, file: store.objectPath(oid) };
}

/**
 * The content of a pointer with extensions: the local object through the configured smudge
 * commands (as git's smudge through filter-process would give it). The object and every
 * stage are hash-checked (smudgeThroughExtensions); a failure, which may come after the last
 * bytes, fails the stream, so the write is abandoned and the file left as it was.
 * `extensions` is loaded on first use: a bad configuration only fails the files that need it.
 */
function extensionSource(ctx: RepoContext, p: DecodedPointer, path: string, extensions: () => Extension[]): WriteSource {
  return {
    open: () => {
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      const sink = (c: Buffer) =>
        new Promise<void>((resolve, reject) => {
          if (out.destroyed) return reject(new Error('checkout of the file was abandoned'));
          if (out.write(c)) return resolve();
          const done = () => {
            out.off('drain', done);
            out.off('close', done);
            if (out.destroyed) reject(new Error('checkout of the file was abandoned'));
            else resolve();
          };
          out.on('drain', done);
          out.on('close', done);
        });
      (async () => {
        await smudgeThroughExtensions({ source: ctx.store.readChunks(p.oid, p.size), pointer: p, path, extensions: extensions(), sink, cwd: ctx.repo.workTree ?? ctx.cwd, env: ctx.env });
      })().then(
        () => out.end(),
        (e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))),
      );
      return out;
    },
  };
}

/** Extensions from git config, loaded once and only when a pointer needs them. */
function lazyExtensions(ctx: RepoContext): () => Extension[] {
  let loaded: Extension[] | null = null;
  return () => (loaded ??= loadExtensions(ctx.config));
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
  // Names as scanIndex gives them (bytes that are not UTF-8 escaped), so none collide.
  for (const rec of splitNulPaths(r.stdout)) if (rec.startsWith('S ')) out.add(rec.slice(2));
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
  // Files are written CONCURRENCY at a time (each write is a chain of small fs calls on libuv's
  // thread pool); results are put back in index order afterwards. Directories are opened once
  // for the whole run (DirHandles).
  const outcomes: Array<CheckoutResult | undefined> = new Array(entries.length);
  const toRecord: WrittenEntry[] = [];
  let next = 0;
  let done = 0;
  const dirs = new DirHandles(workTree);
  const extensions = lazyExtensions(ctx);
  const worker = async () => {
    while (next < entries.length) {
      const i = next++;
      const one: CheckoutResult = { ...res, written: [], notLocal: [], errors: [], refreshProblems: [] };
      // A file's events are held and sent together with its progress event, so that listeners
      // see each file's events right before its progress even though files overlap.
      const held: CheckoutEvent[] = [];
      await checkoutOne(ctx, workTree, entries[i]!, one, toRecord, (ev) => held.push(ev), dirs, extensions);
      outcomes[i] = one;
      for (const ev of held) emit(ev);
      emit({ type: 'progress', done: ++done, total: entries.length });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  } finally {
    await dirs.close();
  }
  for (const o of outcomes) {
    if (!o) continue;
    res.written.push(...o.written);
    res.notLocal.push(...o.notLocal);
    res.errors.push(...o.errors);
  }
  try {
    const trusted = await cleansToItsPointer(ctx, workTree, toRecord);
    const files = toRecord.map(({ canonical: _c, stat, ...f }) => (trusted.has(f.path) && stat ? { ...f, stat } : f));
    res.refreshProblems.push(...(await recordWrittenEntries(workTree, ctx.env, files)));
  } catch (err) {
    const lock = join(ctx.repo.gitDir, 'index.lock');
    res.refreshError = (await lstat(lock).catch(() => null))
      ? `${message(err)}: ${lock} exists (is another git process running?)`
      : message(err);
  }
  return res;
}

const CONCURRENCY = 8;

type WrittenEntry = IndexedFile & { stat?: BigIntStats; canonical: boolean };

/**
 * The written paths whose index entries may be marked clean from their stat alone: the file
 * would clean to exactly the staged pointer blob, i.e. the pointer is canonical, an LFS clean
 * filter is configured and the path's `filter` attribute is `lfs`. The others are left to git
 * to re-check (and, if they do not clean to their pointer, reported).
 */
async function cleansToItsPointer(ctx: RepoContext, workTree: string, written: readonly WrittenEntry[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (!ctx.config.get('filter.lfs.process') && !ctx.config.get('filter.lfs.clean')) return out;
  const paths = written.filter((w) => w.canonical && w.stat).map((w) => w.path);
  const attrs = await checkAttr(paths, ['filter'], { cwd: workTree, env: ctx.env });
  for (const p of paths) if (attrs.get(p)?.filter === 'lfs') out.add(p);
  return out;
}

async function checkoutOne(
  ctx: RepoContext,
  workTree: string,
  e: PointerEntry,
  res: CheckoutResult,
  toRecord: WrittenEntry[],
  emit: (e: CheckoutEvent) => void,
  dirs: DirHandles,
  extensions: () => Extension[],
): Promise<void> {
  const p = e.pointer;
  const fail = (msg: string) => {
    res.errors.push({ path: e.path, message: msg });
    emit({ type: 'error', path: e.path, message: msg });
  };
  try {
    const local = await ctx.store.ensureLocal(p.oid, p.size);
    // A name that is not UTF-8 is escaped in e.path; the writer and the index use its bytes.
    const name = e.path;
    const content = p.extensions.length > 0 ? extensionSource(ctx, p, name, extensions) : objectSource(ctx.store, p.oid, p.size);
    const source = local ? content : p.canonical ? pointerSource(p) : null;
    let existed = false;
    const out = source
      ? await writeWorktreeFile({
          workTree,
          path: name,
          dirs,
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
    toRecord.push({ path: name, mode: e.mode, blobOid: e.blobOid, canonical: p.canonical, ...(out.stat ? { stat: out.stat } : {}) });
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
  if (!(await ctx.store.ensureLocal(pointer.oid, pointer.size))) {
    throw new TslfsError(`Error checking out ${blob} to ${JSON.stringify(opts.to)}: object ${pointer.oid} is not local`, {
      code: 'EOBJMISSING',
      hint: 'Run `tslfs fetch` to download it.',
    });
  }
  try {
    const source = pointer.extensions.length > 0 ? extensionSource(ctx, pointer, rel, lazyExtensions(ctx)) : objectSource(ctx.store, pointer.oid, pointer.size);
    return await writeUserFile(ctx.cwd, opts.to, source);
  } catch (err) {
    throw new TslfsError(`Error checking out ${blob} to ${JSON.stringify(opts.to)}: ${message(err)}`, { cause: err });
  }
}

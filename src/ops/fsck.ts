/**
 * `fsck`: check LFS objects and pointers for consistency.
 *
 * Objects: every object that a pointer in the checked revisions (default HEAD and the index)
 * refers to is rehashed from the local store (streamed; symlinks are never followed). A regular
 * file with the wrong content (flipped byte, truncated, empty) is corrupt and is moved, never
 * deleted, to `<lfs>/bad/<oid>` unless dryRun; anything that cannot be read (missing, a
 * directory, a symlink, unreadable) is an open error and is left where it is.
 * Pointers: in each checked commit's tree, non-canonical pointer blobs, and files whose `filter`
 * attribute (as of that commit, via a temporary index and `git check-attr --cached`) is `lfs`
 * but which are not pointers.
 * Paths matching lfs.fetchexclude are skipped, as in git-lfs. Nothing here prints: problems
 * come back in the result and through onProblem.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import { readObjects } from '../git/catFile.js';
import { git, splitNul, type Env } from '../git/exec.js';
import { makePathFilter } from '../model/pathFilter.js';
import { POINTER_MAX_SIZE, tryDecodePointer } from '../model/pointer.js';
import { objectRelPath } from '../store/LfsStore.js';
import type { RepoContext } from './repoContext.js';
import { scanHistory, scanIndex, scanTree } from './scanPointers.js';

export type FsckProblem =
  | { kind: 'corruptObject'; name: string; oid: string }
  | { kind: 'openError'; name: string; oid: string; reason: string }
  | { kind: 'nonCanonicalPointer'; oid: string; blob: string; name: string }
  | { kind: 'unexpectedGitObject'; name: string; treeish: string };

export interface FsckOptions {
  /** A committish or `A..B`; default HEAD (plus the index for objects). */
  refspec?: string;
  objects: boolean;
  pointers: boolean;
  dryRun: boolean;
  onProblem?: (p: FsckProblem) => void;
}

export interface FsckResult {
  problems: FsckProblem[];
  /** Where corrupt objects go. */
  badDir: string;
  /** Corrupt objects moved to badDir: [oid, destination]. Empty on a dry run. */
  moved: Array<[string, string]>;
}

async function resolveCommit(ctx: RepoContext, ref: string): Promise<string> {
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  const sha = r.stdout.toString('utf8').trim();
  if (r.status !== 0 || !sha) throw new TslfsError(`Git can't resolve ref: ${JSON.stringify(ref)}`);
  return sha;
}

function errnoReason(e: unknown): string {
  const c = (e as NodeJS.ErrnoException)?.code;
  switch (c) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'is a symbolic link (not followed)';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

type ObjectState = { state: 'ok' } | { state: 'corrupt'; path: string; ino: number } | { state: 'open'; reason: string };

/** Rehash one object file without following symlinks. Streams; never throws. */
export async function checkObjectFile(path: string, oid: string): Promise<ObjectState> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    return { state: 'open', reason: errnoReason(e) };
  }
  if (st.isSymbolicLink()) return { state: 'open', reason: 'is a symbolic link (not followed)' };
  if (st.isDirectory()) return { state: 'open', reason: 'is a directory' };
  if (!st.isFile()) return { state: 'open', reason: 'not a regular file' };
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return { state: 'open', reason: errnoReason(e) };
  }
  const h = createHash('sha256');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } catch (e) {
    return { state: 'open', reason: errnoReason(e) };
  } finally {
    await fh.close().catch(() => {});
  }
  return h.digest('hex') === oid ? { state: 'ok' } : { state: 'corrupt', path, ino: st.ino };
}

/**
 * Move a corrupt object into badDir (bad/<oid>, or bad/<oid>.N when taken). Never deletes.
 * Returns null (moves nothing) when the file is no longer the one that was hashed (`ino`), e.g.
 * a concurrent fetch already replaced it with good bytes.
 */
async function quarantine(src: string, badDir: string, oid: string, ino: number): Promise<string | null> {
  const now = await lstat(src).catch(() => null);
  if (!now || !now.isFile() || now.ino !== ino) return null;
  await mkdir(badDir, { recursive: true });
  for (let i = 0; ; i++) {
    const dest = join(badDir, i === 0 ? oid : `${oid}.${i}`);
    if (await lstat(dest).catch(() => null)) continue;
    await rename(src, dest);
    return dest;
  }
}

interface NamedOid {
  name: string;
  oid: string;
}

async function objectsToCheck(ctx: RepoContext, refspec: string | undefined): Promise<NamedOid[]> {
  const opts = { cwd: ctx.cwd, env: ctx.env };
  const out: NamedOid[] = [];
  if (refspec && refspec.includes('..')) {
    const [a, b] = refspec.split('..') as [string, string];
    const from = await resolveCommit(ctx, a || 'HEAD');
    const to = await resolveCommit(ctx, b || 'HEAD');
    for (const h of await scanHistory([to, `^${from}`], opts)) out.push({ name: h.path, oid: h.pointer.oid });
    return out;
  }
  if (refspec) {
    const sha = await resolveCommit(ctx, refspec);
    for (const e of await scanTree(sha, opts)) out.push({ name: e.path, oid: e.pointer.oid });
    return out;
  }
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { ...opts, allowFailure: true });
  if (head.status === 0) for (const e of await scanTree('HEAD', opts)) out.push({ name: e.path, oid: e.pointer.oid });
  if (!ctx.repo.bare) for (const e of await scanIndex(opts)) out.push({ name: e.path, oid: e.pointer.oid });
  return out;
}

async function commitsToCheck(ctx: RepoContext, refspec: string | undefined): Promise<string[]> {
  if (refspec && refspec.includes('..')) {
    const [a, b] = refspec.split('..') as [string, string];
    const from = await resolveCommit(ctx, a || 'HEAD');
    const to = await resolveCommit(ctx, b || 'HEAD');
    const r = await git(['rev-list', to, `^${from}`, '--'], { cwd: ctx.cwd, env: ctx.env });
    return r.stdout.toString('utf8').split('\n').filter(Boolean);
  }
  if (refspec) return [await resolveCommit(ctx, refspec)];
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  return head.status === 0 ? [head.stdout.toString('utf8').trim()] : [];
}

/** `filter` attribute values of `paths` as of `commit` (a temporary index; git ≥ 2.39 has no --source). */
export async function filterAttributesAt(ctx: RepoContext, commit: string, paths: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (paths.length === 0) return out;
  await mkdir(ctx.store.layout.tmpDir, { recursive: true });
  const indexFile = join(ctx.store.layout.tmpDir, `fsck-index-${process.pid}-${randomBytes(6).toString('hex')}`);
  const env: Env = { ...ctx.env, GIT_INDEX_FILE: indexFile };
  try {
    await git(['read-tree', commit], { cwd: ctx.cwd, env });
    const r = await git(['check-attr', '--cached', '-z', '--stdin', 'filter'], { cwd: ctx.cwd, env, input: paths.map((p) => p + '\0').join('') });
    const parts = splitNul(r.stdout);
    for (let i = 0; i + 2 < parts.length; i += 3) {
      const [path, , value] = [parts[i], parts[i + 1], parts[i + 2]];
      if (path !== undefined && value !== undefined) out.set(path, value);
    }
  } finally {
    await rm(indexFile, { force: true }).catch(() => {});
  }
  return out;
}

async function checkPointersAt(ctx: RepoContext, commit: string, allow: (p: string) => boolean, report: (p: FsckProblem) => void): Promise<void> {
  const r = await git(['ls-tree', '-r', '-l', '-z', '--full-tree', commit], { cwd: ctx.cwd, env: ctx.env });
  const entries: Array<{ path: string; oid: string; size: number }> = [];
  for (const rec of splitNul(r.stdout)) {
    const tab = rec.indexOf('\t');
    const [mode, type, oid, size] = rec.slice(0, tab).split(/ +/) as [string, string, string, string];
    if (type !== 'blob' || mode === '120000') continue;
    const path = rec.slice(tab + 1);
    if (allow(path)) entries.push({ path, oid, size: Number(size) });
  }
  const small = [...new Set(entries.filter((e) => e.size < POINTER_MAX_SIZE).map((e) => e.oid))];
  const decoded = new Map<string, { canonical: boolean; oid: string } | null>();
  for await (const o of readObjects(small, ctx.cwd, ctx.env)) {
    const p = tryDecodePointer(o.data);
    decoded.set(o.oid, p ? { canonical: p.canonical, oid: p.oid } : null);
  }
  const notPointers = entries.filter((e) => e.size >= POINTER_MAX_SIZE || !decoded.get(e.oid));
  const attrs = await filterAttributesAt(ctx, commit, notPointers.map((e) => e.path));
  for (const e of entries) {
    const p = e.size < POINTER_MAX_SIZE ? decoded.get(e.oid) : null;
    if (p) {
      if (!p.canonical) report({ kind: 'nonCanonicalPointer', oid: p.oid, blob: e.oid, name: e.path });
    } else if (attrs.get(e.path) === 'lfs') {
      report({ kind: 'unexpectedGitObject', name: e.path, treeish: commit });
    }
  }
}

export async function runFsck(ctx: RepoContext, opts: FsckOptions): Promise<FsckResult> {
  const badDir = ctx.store.layout.badDir;
  const res: FsckResult = { problems: [], badDir, moved: [] };
  const report = (p: FsckProblem) => {
    res.problems.push(p);
    opts.onProblem?.(p);
  };
  const allow = makePathFilter(undefined, ctx.config.get('lfs.fetchexclude'));
  if (opts.objects) {
    const seen = new Set<string>();
    const states = new Map<string, ObjectState>();
    const corrupt = new Map<string, { path: string; ino: number }>();
    for (const { name, oid } of await objectsToCheck(ctx, opts.refspec)) {
      const key = `${oid}\0${name}`;
      if (seen.has(key) || !allow(name)) continue;
      seen.add(key);
      let st = states.get(oid);
      if (!st) {
        st = await checkObjectFile(ctx.store.objectPath(oid), oid);
        if (st.state === 'open' && st.reason === 'no such file or directory') {
          // Shared (alternates) stores are read-only to us: check there, never move.
          for (const dir of ctx.store.layout.referenceObjectDirs) {
            const alt = await checkObjectFile(join(dir, objectRelPath(oid)), oid);
            if (alt.state !== 'open') {
              st = alt.state === 'corrupt' ? { state: 'corrupt', path: '', ino: -1 } : alt;
              break;
            }
          }
        }
        states.set(oid, st);
      }
      if (st.state === 'corrupt') {
        report({ kind: 'corruptObject', name, oid });
        if (st.path) corrupt.set(oid, { path: st.path, ino: st.ino });
      } else if (st.state === 'open') {
        report({ kind: 'openError', name, oid, reason: st.reason });
      }
    }
    if (!opts.dryRun) {
      for (const [oid, { path, ino }] of corrupt) {
        const dest = await quarantine(path, badDir, oid, ino);
        if (dest) res.moved.push([oid, dest]);
      }
    }
  }
  if (opts.pointers) {
    for (const commit of await commitsToCheck(ctx, opts.refspec)) await checkPointersAt(ctx, commit, allow, report);
  }
  return res;
}

/**
 * What `ls-files` lists, in git-lfs's order and with its de-duplication rules:
 * - no ref: index entries that differ from HEAD (`diff-index --cached`, then the work tree
 *   form), followed by the pointers in HEAD's tree whose path was not listed yet;
 * - one ref: the pointers in that ref's tree (the index is ignored);
 * - two refs: pointer blobs reachable from the second but not the first (every version);
 * - --deleted: every pointer blob in the history of the ref, newest first, one per path;
 * - --all: every pointer blob reachable from any ref (one line per blob).
 * Empty (size 0) pointers are never listed. Paths are raw (unquoted) and repo-root-relative;
 * `source` tells the caller which git listing produced them (git-lfs prints index paths
 * C-quoted and tree/history paths raw; see ui/lsFilesFormat.ts).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readObjects, checkObjects } from '../git/catFile.js';
import { diffIndex, isZeroOid } from '../git/diffIndex.js';
import { git } from '../git/exec.js';
import { ScanError, TslfsError, UsageError } from '../errors/TslfsError.js';
import { POINTER_MAX_SIZE, tryDecodePointer, type DecodedPointer } from '../model/pointer.js';
import { cQuoteBytes } from '../model/cQuote.js';
import { encodePathBytes, fsPath } from '../model/pathBytes.js';
import { makePathFilter } from '../model/pathFilter.js';
import type { RepoContext } from './repoContext.js';
import { scanHistory, scanTree } from './scanPointers.js';

export type LsFilesSource = 'index' | 'tree' | 'history';

export interface LsFilesEntry {
  /**
   * Repo-root-relative path, raw (a name that is not UTF-8 escaped as model/pathBytes.ts does).
   * History paths are cut at a newline (git rev-list does).
   */
  name: string;
  pointer: DecodedPointer;
  source: LsFilesSource;
  /** The work tree file exists with the pointer's size (git-lfs's "checked out" test). */
  checkout: boolean;
  /** The object is in the local store with the right size. */
  downloaded: boolean;
}

export interface LsFilesScanOptions {
  /** Zero, one or two refs (more are ignored, as git-lfs does). */
  refs?: string[];
  all?: boolean;
  deleted?: boolean;
  include?: string;
  exclude?: string;
}

/** Resolve a user-supplied revision to an object id; never lets it be read as an option. */
export async function resolveRevision(ctx: RepoContext, rev: string): Promise<string | null> {
  const r = await git(['rev-parse', '--verify', '-q', '--end-of-options', rev], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  const out = r.stdout.toString('utf8').trim();
  return r.status === 0 && out ? out : null;
}

/** The empty tree's id in this repository's hash format. */
export async function emptyTreeOid(ctx: RepoContext): Promise<string> {
  const r = await git(['hash-object', '-t', 'tree', '--stdin'], { cwd: ctx.cwd, env: ctx.env, input: '' });
  return r.stdout.toString('utf8').trim();
}

interface Found {
  name: string;
  pointer: DecodedPointer;
  source: LsFilesSource;
}

/**
 * Pointers staged in the index relative to `treeish` (git-lfs's index scan): entries of
 * `diff-index --cached` then of the work tree form, grouped by blob in first-seen order.
 */
export async function scanIndexChanges(ctx: RepoContext, treeish: string): Promise<Array<{ name: string; pointer: DecodedPointer }>> {
  const cached = await diffIndex(treeish, { cwd: ctx.cwd, env: ctx.env, cached: true });
  // The work tree form fails without a work tree; git-lfs ignores that too.
  const uncached = await diffIndex(treeish, { cwd: ctx.cwd, env: ctx.env, cached: false }).catch(() => []);
  const namesBySha = new Map<string, string[]>();
  const pairs = new Set<string>();
  for (const e of [...cached, ...uncached]) {
    if (isZeroOid(e.dstSha)) continue;
    const name = e.dstName || e.srcName;
    const key = `${e.dstSha}:${name}`;
    if (pairs.has(key)) continue;
    pairs.add(key);
    const list = namesBySha.get(e.dstSha);
    if (list) list.push(name);
    else namesBySha.set(e.dstSha, [name]);
  }
  if (namesBySha.size === 0) return [];
  const small: string[] = [];
  for await (const o of checkObjects(namesBySha.keys(), ctx.cwd, ctx.env)) {
    if (o.type === 'blob' && o.size < POINTER_MAX_SIZE) small.push(o.oid);
  }
  const out: Array<{ name: string; pointer: DecodedPointer }> = [];
  for await (const o of readObjects(small, ctx.cwd, ctx.env)) {
    const p = tryDecodePointer(o.data);
    if (!p) continue;
    for (const name of namesBySha.get(o.oid) ?? []) out.push({ name, pointer: p });
  }
  return out;
}

async function withScanError<T>(what: 'tree' | 'index' | 'history', f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof TslfsError && !(e instanceof ScanError)) throw new ScanError(what, e.message);
    throw e;
  }
}

/** Throws UsageError for flag/ref combinations git-lfs refuses, ScanError for git failures. */
export async function listLfsFiles(ctx: RepoContext, opts: LsFilesScanOptions): Promise<LsFilesEntry[]> {
  const refs = opts.refs ?? [];
  if (refs.length > 0) {
    if (opts.all) throw new UsageError('Cannot use --all with explicit reference');
    if (refs[0] === '--all') throw new UsageError('Did you mean `git lfs ls-files --all --` ?');
    if (refs.length > 1 && opts.deleted) throw new UsageError('Cannot use --deleted with reference range');
  }
  // Worded as git-lfs words these failures (the git command it would have run).
  const notValid = (r: string) => new ScanError('tree', `error in \`git ls-tree\`: exit status 128 fatal: Not a valid object name ${r}\n`);
  const badRevision = (r: string) =>
    new ScanError('tree', `Error in \`git rev-list --objects --do-walk --stdin --\`: exit status 128 fatal: bad revision '${r}'\n`);
  let ref: string;
  let otherRef: string | null = null;
  if (refs.length > 0) {
    const r = await resolveRevision(ctx, refs[0]!);
    if (refs.length > 1) {
      otherRef = await resolveRevision(ctx, refs[1]!);
      if (!otherRef) throw badRevision(refs[1]!);
      if (!r) throw badRevision(`^${refs[0]!}`);
    } else if (!r) {
      throw opts.deleted ? badRevision(refs[0]!) : notValid(refs[0]!);
    }
    ref = r;
  } else {
    ref = (await resolveRevision(ctx, 'HEAD')) ?? (await emptyTreeOid(ctx));
  }
  const allowed = makePathFilter(opts.include, opts.exclude);
  const range = otherRef !== null;
  const seen = new Set<string>();
  const found: Found[] = [];
  const quoteNonAscii = ctx.config.getBool('core.quotepath', true);
  const add = (name: string, pointer: DecodedPointer, source: LsFilesSource) => {
    if (pointer.size === 0 || !allowed(name)) return;
    // One line per name as git-lfs prints it: it has index names as git quoted them (so a
    // quoted index name and the same file's raw tree name are both listed, as git-lfs lists
    // them) and tree names raw. Names that are not UTF-8 are told apart by their bytes.
    const key = source === 'index' ? cQuoteBytes(encodePathBytes(name), { quoteNonAscii }) : name;
    if (!opts.all && !range && seen.has(key)) return;
    seen.add(key);
    found.push({ name, pointer, source });
  };
  const scanOpts = { cwd: ctx.cwd, env: ctx.env };
  if (refs.length === 0 && ctx.repo.workTree) {
    for (const e of await withScanError('index', () => scanIndexChanges(ctx, ref))) add(e.name, e.pointer, 'index');
  }
  if (opts.all) {
    for (const e of await withScanError('history', () => scanHistory(['--all'], scanOpts))) add(e.path, e.pointer, 'history');
  } else if (opts.deleted) {
    for (const e of await withScanError('tree', () => scanHistory([ref], scanOpts))) add(e.path, e.pointer, 'history');
  } else if (range) {
    for (const e of await withScanError('tree', () => scanHistory([otherRef!, `^${ref}`], scanOpts))) add(e.path, e.pointer, 'history');
  } else {
    for (const e of await withScanError('tree', () => scanTree(ref, scanOpts))) add(e.path, e.pointer, 'tree');
  }
  return annotate(ctx, found);
}

/** Adds checkout/downloaded, a bounded number of file-system calls at a time. */
async function annotate(ctx: RepoContext, found: Found[]): Promise<LsFilesEntry[]> {
  const out: LsFilesEntry[] = new Array(found.length);
  const work = ctx.repo.workTree;
  let next = 0;
  const worker = async () => {
    while (next < found.length) {
      const i = next++;
      const f = found[i]!;
      let checkout = false;
      if (work) {
        // Names that are not UTF-8 arrive escaped (model/pathBytes.ts): fsPath names their file.
        const file = fsPath(join(work, f.name));
        const st = await stat(file).catch(() => null);
        checkout = st !== null && st.isFile() && st.size === f.pointer.size;
      }
      const downloaded = await ctx.store.hasLocal(f.pointer.oid, f.pointer.size);
      out[i] = { ...f, checkout, downloaded };
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, found.length) }, worker));
  return out;
}

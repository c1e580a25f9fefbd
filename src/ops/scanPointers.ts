/**
 * Finding LFS pointers in git: in a tree (a ref), in the index, or in history. Blobs of 1024
 * bytes or more are never pointers, so sizes are checked first and only small blobs are read.
 * Paths are repo-root-relative with forward slashes, exactly as git lists them.
 */
import { checkObjects, readObjects } from '../git/catFile.js';
import { git, splitNulPaths, type Env } from '../git/exec.js';
import { decodePathBytes } from '../model/pathBytes.js';
import { POINTER_MAX_SIZE, tryDecodePointer, type DecodedPointer } from '../model/pointer.js';

export interface PointerEntry {
  /**
   * Repo-relative path; a name that is not UTF-8 with each bad byte escaped as
   * model/pathBytes.ts does (fsPath/encodePathBytes give back its exact bytes).
   */
  path: string;
  /** The git blob holding the pointer text. */
  blobOid: string;
  /** git file mode, e.g. 100644. */
  mode: string;
  pointer: DecodedPointer;
  /** Index stage (0 normally; 1-3 during a conflict). Only set by scanIndex. */
  stage?: number;
}

type Candidate = Omit<PointerEntry, 'pointer'>;

/** The path part ("...\t<path>") of a -z record (a name that is not UTF-8 arrives escaped). */
function recordPath(rec: string): { path: string } {
  return { path: rec.slice(rec.indexOf('\t') + 1) };
}

export interface ScanOptions {
  cwd: string;
  env: Env;
}

async function decodeCandidates(cands: Candidate[], opts: ScanOptions): Promise<PointerEntry[]> {
  if (cands.length === 0) return [];
  const unique = [...new Set(cands.map((c) => c.blobOid))];
  const pointers = new Map<string, DecodedPointer>();
  for await (const o of readObjects(unique, opts.cwd, opts.env)) {
    if (o.type !== 'blob' || o.size >= POINTER_MAX_SIZE) continue;
    const p = tryDecodePointer(o.data);
    // The empty blob is its own pointer but is not an LFS file in listings.
    if (p && o.size > 0) pointers.set(o.oid, p);
  }
  const out: PointerEntry[] = [];
  for (const c of cands) {
    const p = pointers.get(c.blobOid);
    if (p) out.push({ ...c, pointer: p });
  }
  return out;
}

/** Pointers in the tree of `ref` (recursively), optionally limited to pathspecs. */
export async function scanTree(ref: string, opts: ScanOptions & { pathspecs?: string[] }): Promise<PointerEntry[]> {
  const args = ['ls-tree', '-r', '-l', '-z', '--full-tree', ref];
  if (opts.pathspecs?.length) args.push('--', ...opts.pathspecs);
  const r = await git(args, { cwd: opts.cwd, env: opts.env });
  const cands: Candidate[] = [];
  for (const rec of splitNulPaths(r.stdout)) {
    const tab = rec.indexOf('\t');
    const [mode, type, oid, size] = rec.slice(0, tab).split(/ +/) as [string, string, string, string];
    if (type !== 'blob' || mode === '120000') continue;
    if (Number(size) >= POINTER_MAX_SIZE) continue;
    cands.push({ ...recordPath(rec), blobOid: oid, mode });
  }
  return decodeCandidates(cands, opts);
}

/** Pointers staged in the index (all stages). */
export async function scanIndex(opts: ScanOptions & { pathspecs?: string[] }): Promise<PointerEntry[]> {
  const args = ['ls-files', '-s', '-z', '--full-name'];
  if (opts.pathspecs?.length) args.push('--', ...opts.pathspecs);
  const r = await git(args, { cwd: opts.cwd, env: opts.env });
  const all: Candidate[] = [];
  for (const rec of splitNulPaths(r.stdout)) {
    const tab = rec.indexOf('\t');
    const [mode, oid, stage] = rec.slice(0, tab).split(' ') as [string, string, string];
    if (mode === '120000' || mode === '160000') continue;
    all.push({ ...recordPath(rec), blobOid: oid, mode, stage: Number(stage) });
  }
  const small = new Set<string>();
  for await (const o of checkObjects(new Set(all.map((c) => c.blobOid)), opts.cwd, opts.env)) {
    if (o.type === 'blob' && o.size < POINTER_MAX_SIZE) small.add(o.oid);
  }
  return decodeCandidates(all.filter((c) => small.has(c.blobOid)), opts);
}

export interface HistoryPointer {
  /** A path at which the blob appeared (rev-list reports one per blob); see PointerEntry.path. */
  path: string;
  blobOid: string;
  pointer: DecodedPointer;
}

/**
 * Pointers in every blob reachable from `revArgs` (e.g. ['--all'] or ['HEAD', '^origin/main']),
 * as `git rev-list --objects` lists them: one path per distinct blob. The empty blob is left out
 * unless `includeEmpty`.
 */
export async function scanHistory(revArgs: string[], opts: ScanOptions & { includeEmpty?: boolean }): Promise<HistoryPointer[]> {
  // rev-list --objects with names: "<oid> <path>" for blobs and trees; commits have no path.
  const r = await git(['rev-list', '--objects', ...revArgs, '--'], { cwd: opts.cwd, env: opts.env });
  const named = new Map<string, { path: string }>();
  for (let start = 0; start < r.stdout.length; ) {
    const nl = r.stdout.indexOf(10, start);
    const end = nl < 0 ? r.stdout.length : nl;
    const line = r.stdout.subarray(start, end);
    start = end + 1;
    const sp = line.indexOf(32);
    if (sp !== 40 && sp !== 64) continue;
    const oid = line.toString('latin1', 0, sp);
    if (named.has(oid)) continue;
    named.set(oid, { path: decodePathBytes(line.subarray(sp + 1)) });
  }
  const small: string[] = [];
  for await (const o of checkObjects(named.keys(), opts.cwd, opts.env)) {
    // The empty blob is the empty file's pointer; status lists it among objects to push.
    if (o.type === 'blob' && (o.size > 0 || opts.includeEmpty) && o.size < POINTER_MAX_SIZE) small.push(o.oid);
  }
  const out: HistoryPointer[] = [];
  for await (const o of readObjects(small, opts.cwd, opts.env)) {
    const p = tryDecodePointer(o.data);
    if (p) out.push({ ...named.get(o.oid)!, blobOid: o.oid, pointer: p });
  }
  return out;
}

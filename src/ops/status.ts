/**
 * What `status` reports, computed as git-lfs does:
 * - staged: `git diff-index -M --cached <HEAD or the empty tree>`;
 * - unstaged: `git diff-index -M <same>` entries not already staged (same src, dst and path);
 * - to push: pointers in `rev-list --objects HEAD ^<upstream>` when the current branch has an
 *   upstream (branch.<name>.remote and .merge) whose remote-tracking ref exists.
 * Each side of an entry is described as LFS (a pointer blob: its LFS oid), Git (another blob:
 * the SHA-256 of its content), File (the work tree file, hashed only when git says it differs,
 * or "deleted") or "?" (the blob is missing). Blobs are streamed through one cat-file process;
 * files are hashed as streams.
 */
import { lstat, readlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { diffIndex, isZeroOid, type DiffIndexEntry } from '../git/diffIndex.js';
import { git } from '../git/exec.js';
import { hashObjects } from '../git/hashObjects.js';
import { fsPath } from '../model/pathBytes.js';
import { POINTER_MAX_SIZE, tryDecodePointer } from '../model/pointer.js';
import { hashFile } from '../store/LfsStore.js';
import { emptyTreeOid, resolveRevision } from './lsFiles.js';
import type { RepoContext } from './repoContext.js';
import { scanHistory } from './scanPointers.js';

export type SideKind = 'LFS' | 'Git' | 'File' | '?';

export interface SideInfo {
  kind: SideKind;
  /** Full SHA-256 (LFS oid, content hash or file hash); "deleted" for a missing file, "<missing>" for a missing blob. */
  sha: string;
}

export interface StatusEntry extends DiffIndexEntry {
  /** Described only when asked for (see StatusOptions.describe). */
  from?: SideInfo;
  to?: SideInfo;
}

export interface PushEntry {
  /** Raw path as `rev-list` names it. */
  name: string;
  oid: string;
}

export interface StatusReport {
  /** Current branch name, "HEAD" when detached, null before the first commit. */
  branch: string | null;
  /** e.g. "origin/main", when the upstream's remote-tracking ref exists. */
  upstream: string | null;
  toPush: PushEntry[];
  staged: StatusEntry[];
  unstaged: StatusEntry[];
}

export interface StatusOptions {
  /** Which sides to describe: none (porcelain), the source side (json), or both (plain). */
  describe: 'none' | 'from' | 'both';
  /** Compute the branch, upstream and objects to push (plain output only). */
  push: boolean;
}

function keyOf(e: DiffIndexEntry): string {
  return `${e.srcSha}:${e.dstSha}:${e.dstName || e.srcName}`;
}

/** Strip refs/heads/, refs/remotes/ or refs/tags/ as git-lfs names refs. */
function shortRefName(full: string): string {
  for (const p of ['refs/heads/', 'refs/remotes/', 'refs/tags/']) if (full.startsWith(p)) return full.slice(p.length);
  return full;
}

async function currentBranch(ctx: RepoContext): Promise<{ name: string; local: boolean; sha: string } | null> {
  const r = await git(['rev-parse', 'HEAD', '--symbolic-full-name', 'HEAD'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  if (r.status !== 0) return null;
  const [sha, full] = r.stdout.toString('utf8').split('\n');
  if (!sha) return null;
  if (!full) return { name: sha, local: false, sha };
  return { name: shortRefName(full), local: full.startsWith('refs/heads/'), sha };
}

async function upstreamOf(ctx: RepoContext, branch: string): Promise<{ name: string; sha: string } | null> {
  const remote = ctx.config.get(`branch.${branch}.remote`);
  if (!remote) return null;
  const merge = ctx.config.get(`branch.${branch}.merge`) ?? '';
  const remoteBranch = merge.startsWith('refs/heads/') ? merge.slice('refs/heads/'.length) : branch;
  const ref = `refs/remotes/${remote}/${remoteBranch}`;
  const sha = await resolveRevision(ctx, ref);
  return sha ? { name: `${remote}/${remoteBranch}`, sha } : null;
}

async function describeFile(ctx: RepoContext, name: string): Promise<SideInfo> {
  // `name` may hold escaped bytes (a name that is not UTF-8): fsPath names that exact file.
  const path = fsPath(join(ctx.repo.workTree!, name));
  const st = await lstat(path).catch(() => null);
  if (!st || st.isDirectory()) return { kind: 'File', sha: 'deleted' };
  // A symlink is hashed as git stores it (its target's bytes); never followed into a device or FIFO.
  if (st.isSymbolicLink()) {
    const target = await readlink(path, { encoding: 'buffer' }).catch(() => null);
    if (target === null) return { kind: 'File', sha: 'deleted' };
    return { kind: 'File', sha: createHash('sha256').update(target).digest('hex') };
  }
  if (!st.isFile()) return { kind: 'File', sha: 'deleted' };
  return { kind: 'File', sha: await hashFile(path) };
}

export async function computeStatus(ctx: RepoContext, opts: StatusOptions): Promise<StatusReport> {
  const head = await currentBranch(ctx);
  const base = head ? head.sha : await emptyTreeOid(ctx);
  const gopts = { cwd: ctx.cwd, env: ctx.env };
  const cachedEntries = await diffIndex(base, { ...gopts, cached: true });
  const uncachedEntries = await diffIndex(base, { ...gopts, cached: false });
  const seen = new Set<string>();
  const staged: StatusEntry[] = [];
  const unstaged: StatusEntry[] = [];
  for (const e of cachedEntries) {
    const k = keyOf(e);
    if (seen.has(k)) continue;
    seen.add(k);
    staged.push({ ...e });
  }
  for (const e of uncachedEntries) {
    const k = keyOf(e);
    if (seen.has(k)) continue;
    seen.add(k);
    unstaged.push({ ...e });
  }

  if (opts.describe !== 'none') {
    const fromSha = (e: StatusEntry) => (isZeroOid(e.srcSha) ? e.dstSha : e.srcSha);
    const all = [...staged, ...unstaged];
    const blobs = new Set<string>();
    for (const e of all) {
      if (!isZeroOid(fromSha(e))) blobs.add(fromSha(e));
      if (opts.describe === 'both' && e.status !== 'A' && !isZeroOid(e.dstSha)) blobs.add(e.dstSha);
    }
    const info = new Map<string, SideInfo>();
    for await (const o of hashObjects(blobs, { ...gopts, keepBelow: POINTER_MAX_SIZE })) {
      if (o.missing) {
        info.set(o.oid, { kind: '?', sha: '<missing>' });
        continue;
      }
      const p = o.type === 'blob' && o.data ? tryDecodePointer(o.data) : null;
      info.set(o.oid, p ? { kind: 'LFS', sha: p.oid } : { kind: 'Git', sha: o.sha256 });
    }
    const side = async (sha: string, name: string): Promise<SideInfo> =>
      isZeroOid(sha) ? describeFile(ctx, name) : info.get(sha) ?? { kind: '?', sha: '<missing>' };
    for (const e of all) {
      e.from = await side(fromSha(e), e.srcName);
      if (opts.describe === 'both' && e.status !== 'A') e.to = await side(e.dstSha, e.dstName || e.srcName);
    }
  }

  let upstream: { name: string; sha: string } | null = null;
  let toPush: PushEntry[] = [];
  if (opts.push && head?.local) {
    upstream = await upstreamOf(ctx, head.name);
    if (upstream) {
      const found = await scanHistory([head.sha, `^${upstream.sha}`], { ...gopts, includeEmpty: true });
      toPush = found.map((f) => ({ name: f.path, oid: f.pointer.oid }));
    }
  }
  return { branch: head ? head.name : null, upstream: upstream?.name ?? null, toPush, staged, unstaged };
}

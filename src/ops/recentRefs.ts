/**
 * "Recent" history as git-lfs defines it for `fetch --recent` and `prune`
 * (lfs.fetchrecentrefsdays, lfs.fetchrecentremoterefs, lfs.fetchrecentcommitsdays, plus
 * lfs.pruneoffsetdays for prune):
 * - recent branches: local branches (and, optionally, remote-tracking branches) whose tip was
 *   committed on or after a date;
 * - previous versions: the LFS pointers changed by the commits reachable from a ref that were
 *   committed on or after a date (both sides of each change, so every version that existed in
 *   that window).
 * Reads git only; nothing here prints or writes.
 */
import { checkObjects, readObjects } from '../git/catFile.js';
import { git, splitNul } from '../git/exec.js';
import { POINTER_MAX_SIZE, tryDecodePointer, type DecodedPointer } from '../model/pointer.js';
import type { RepoContext } from './repoContext.js';

export interface RecentRef {
  /** Short name as git-lfs prints it: `main`, `origin/feature`. */
  name: string;
  /** Full ref name. */
  fullName: string;
  /** The commit at the tip. */
  sha: string;
  /** Committer date, ms since the epoch. */
  date: number;
  remote: boolean;
}

export interface RecentSettings {
  refsDays: number;
  includeRemoteRefs: boolean;
  commitsDays: number;
  always: boolean;
  pruneOffsetDays: number;
}

/** git-lfs's fetch-recent and prune settings, with its defaults (7, true, 0, false, 3). */
export function recentSettings(ctx: RepoContext): RecentSettings {
  const c = ctx.config;
  const days = (key: string, dflt: number) => Math.max(0, c.getInt(key, dflt));
  return {
    refsDays: days('lfs.fetchrecentrefsdays', 7),
    includeRemoteRefs: c.getBool('lfs.fetchrecentremoterefs', true),
    commitsDays: days('lfs.fetchrecentcommitsdays', 0),
    always: c.getBool('lfs.fetchrecentalways', false),
    pruneOffsetDays: days('lfs.pruneoffsetdays', 3),
  };
}

export const DAY_MS = 24 * 3600 * 1000;

/** "1 day", "7 days" (git-lfs's plural). */
export function daysText(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

/**
 * Branches whose tip commit is at least as new as `sinceMs`, newest first. Remote-tracking
 * branches are included when `includeRemotes` (only `remote`'s when given; symbolic refs such
 * as origin/HEAD never).
 */
export async function recentBranches(ctx: RepoContext, sinceMs: number, includeRemotes: boolean, remote: string | null): Promise<RecentRef[]> {
  const patterns = ['refs/heads'];
  if (includeRemotes) patterns.push(remote ? `refs/remotes/${remote}` : 'refs/remotes');
  const r = await git(
    ['for-each-ref', '--sort=-committerdate', '--format=%(objectname) %(objecttype) %(committerdate:unix) %(symref) %(refname)', ...patterns],
    { cwd: ctx.cwd, env: ctx.env },
  );
  const out: RecentRef[] = [];
  for (const line of r.stdout.toString('utf8').split('\n')) {
    if (!line) continue;
    // "<sha> <type> <date> <symref> <refname>": symref is empty for plain refs (two spaces).
    const m = /^([0-9a-f]+) (\S+) (\d*) (\S*) (.+)$/.exec(line);
    if (!m) continue;
    const [, sha, type, date, symref, fullName] = m as unknown as [string, string, string, string, string, string];
    if (type !== 'commit' || symref) continue;
    const when = Number(date) * 1000;
    if (!(when >= sinceMs)) continue;
    const isRemote = fullName.startsWith('refs/remotes/');
    out.push({ name: fullName.replace(/^refs\/(heads|remotes)\//, ''), fullName, sha, date: when, remote: isRemote });
  }
  return out;
}

/** The committer date of a commit, ms since the epoch. */
export async function commitDate(ctx: RepoContext, rev: string): Promise<number> {
  const r = await git(['log', '-1', '--format=%ct', rev, '--'], { cwd: ctx.cwd, env: ctx.env });
  return Number(r.stdout.toString('utf8').trim()) * 1000;
}

export interface ChangedPointer {
  path: string;
  pointer: DecodedPointer;
}

/** Decode the pointers among blobs (blob oid -> a path). Only blobs under 1024 bytes are read. */
export async function pointersOfBlobs(ctx: RepoContext, blobs: Map<string, string>): Promise<ChangedPointer[]> {
  if (blobs.size === 0) return [];
  const small: string[] = [];
  for await (const o of checkObjects(blobs.keys(), ctx.cwd, ctx.env)) {
    if (o.type === 'blob' && o.size > 0 && o.size < POINTER_MAX_SIZE) small.push(o.oid);
  }
  const out: ChangedPointer[] = [];
  for await (const o of readObjects(small, ctx.cwd, ctx.env)) {
    const p = tryDecodePointer(o.data);
    if (p) out.push({ path: blobs.get(o.oid)!, pointer: p });
  }
  return out;
}

const ZERO = /^0+$/;

/**
 * Pointers on either side of the changes made by commits reachable from `rev` that were
 * committed at or after `sinceMs` (git log --raw; merges show no diff, as in git-lfs).
 */
export async function previousVersions(ctx: RepoContext, rev: string, sinceMs: number): Promise<ChangedPointer[]> {
  const since = Math.floor(sinceMs / 1000);
  const r = await git(['log', '--no-renames', '--raw', '-z', '--no-abbrev', '--format=', `--since=@${since}`, rev, '--'], { cwd: ctx.cwd, env: ctx.env });
  const blobs = new Map<string, string>();
  const recs = splitNul(r.stdout);
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i]!.replace(/^\n+/, '');
    if (!rec.startsWith(':')) continue;
    const path = recs[++i] ?? '';
    // ":<mode> <mode> <old> <new> <status>"
    const f = rec.slice(1).split(' ');
    for (const oid of [f[2], f[3]]) {
      if (oid && !ZERO.test(oid) && !blobs.has(oid)) blobs.set(oid, path);
    }
  }
  return pointersOfBlobs(ctx, blobs);
}

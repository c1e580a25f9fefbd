/**
 * `prune`: delete local LFS objects nothing needs any more.
 *
 * An object is kept when any of these reference it (git-lfs's rules, plus the index, which
 * git-lfs 3.3.0 forgets: staged-but-uncommitted content would be lost, git-lfs #5636):
 * - staged changes in the index of every worktree (this one, the main one and every linked
 *   one; all stages): content the worktree's HEAD does not have; always, even with `force`
 *   (the rest of an index is kept like HEAD);
 * - stashes (the work tree, index and untracked-files commits of every stash entry); always;
 * - unpushed commits: objects in commits reachable from local branches, tags or HEAD but not
 *   from the remote-tracking refs of lfs.pruneremotetocheck (default origin); always;
 * - the HEAD of every worktree (unless `force`);
 * - recent branches and recent commits' previous versions, with lfs.pruneoffsetdays added to the
 *   fetch-recent windows (unless `recent` or `force`; a window of 0 days keeps nothing).
 *   Paths excluded by lfs.fetchinclude/lfs.fetchexclude are not kept by HEAD and recent refs.
 * With `verifyRemote`, the objects about to be deleted that some commit still references (all
 * of them with `verifyUnreachable`) are first looked up on the remote; any the remote lacks
 * stop the prune before anything is deleted (`whenUnverified: 'halt'`, the default: a
 * PruneUnverifiedError) or are kept (`'continue'`).
 *
 * Concurrency: objects a running `git add` may be about to stage are kept (see
 * guardConcurrentWriters). Only complete objects (objects/aa/bb/<oid>, which writers create by renaming a
 * finished, verified temp file) are ever deleted, one file at a time by oid; temp files are left
 * to LfsStore.cleanupTmp (older than an hour only) and incomplete/ is not touched. A reader that
 * already opened an object keeps reading it after the unlink, and one that has not gets ENOENT
 * (never partial content), so a prune racing a pull/checkout can make it fail or re-download,
 * never write a corrupt work tree file.
 */
import { readdir, readFile, lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import { git, type Env } from '../git/exec.js';
import { isOid } from '../model/oid.js';
import { makePathFilter, type PathFilter } from '../model/pathFilter.js';
import { transportFor, type Transport } from '../transfer/createQueue.js';
import { resolveRemoteEndpoint } from './fetchEndpoint.js';
import { commitDate, DAY_MS, previousVersions, recentBranches, recentSettings } from './recentRefs.js';
import type { RepoContext } from './repoContext.js';
import { scanHistory, scanIndex, scanTree } from './scanPointers.js';
import { transportContext } from './transportContext.js';

export type WhenUnverified = 'halt' | 'continue';

export interface PruneOptions {
  dryRun?: boolean;
  /** Ignore the recent-refs/commits retention. */
  recent?: boolean;
  /** Keep only unpushed, staged and stashed objects (implies recent). */
  force?: boolean;
  /** Default lfs.pruneverifyremotealways. */
  verifyRemote?: boolean;
  /** Default lfs.pruneverifyunreachablealways. */
  verifyUnreachable?: boolean;
  whenUnverified?: WhenUnverified;
  /** "Now" for the recent windows (tests). */
  now?: number;
  /** Called once what to delete is known, before anything is deleted (the CLI prints its summary). */
  onPlan?: (res: PruneResult) => void | Promise<void>;
  /** Called after each deletion (done of total). */
  onDelete?: (done: number, total: number) => void;
  /** For tests: replaces the transport used to verify with the remote. */
  transport?: Transport;
}

export interface LocalObject {
  oid: string;
  size: number;
}

export interface PruneResult {
  /** Objects found in the local store. */
  localObjects: number;
  /** How many of them are kept because something references them. */
  retained: number;
  /** Objects checked on the remote and found there. */
  verified: number;
  /** Objects checked on the remote and missing there (kept with whenUnverified=continue). */
  notOnRemote: LocalObject[];
  /** What is (or, on a dry run, would be) deleted. */
  prunable: LocalObject[];
  prunableBytes: number;
  /** Actually deleted (empty on a dry run). */
  deleted: string[];
  verifyRemote: boolean;
  dryRun: boolean;
}

/** Thrown when --verify-remote finds objects the remote lacks and the policy is to halt. */
export class PruneUnverifiedError extends TslfsError {
  constructor(readonly missing: LocalObject[]) {
    super(
      `These objects to be pruned are missing on remote:\n${missing.map((m) => `  ${m.oid}`).join('\n')}`,
      { code: 'EPRUNEUNVERIFIED', hint: 'Nothing was deleted. Push them first, or run with --when-unverified=continue to keep them and prune the rest.' },
    );
  }
}

/** Every complete object in the store (objects/aa/bb/<oid>, regular files only), with its mtime. */
export async function listLocalObjects(objectsDir: string): Promise<Array<LocalObject & { mtimeMs: number }>> {
  const out: Array<LocalObject & { mtimeMs: number }> = [];
  const hex2 = /^[0-9a-f]{2}$/;
  for (const a of await readdir(objectsDir).catch(() => [] as string[])) {
    if (!hex2.test(a)) continue;
    for (const b of await readdir(join(objectsDir, a)).catch(() => [] as string[])) {
      if (!hex2.test(b)) continue;
      for (const name of await readdir(join(objectsDir, a, b)).catch(() => [] as string[])) {
        if (!isOid(name) || !name.startsWith(a + b)) continue;
        const st = await lstat(join(objectsDir, a, b, name)).catch(() => null);
        if (st?.isFile()) out.push({ oid: name, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  }
  return out.sort((x, y) => (x.oid < y.oid ? -1 : 1));
}

interface WorktreeAdmin {
  /** The worktree's git dir (the common dir for the main worktree). */
  adminDir: string;
  /** HEAD's commit, or null (unborn). */
  head: string | null;
  index: string;
}

/** The main worktree and every linked one, by their admin dirs (works from any of them). */
async function worktreeAdmins(ctx: RepoContext): Promise<WorktreeAdmin[]> {
  const common = ctx.repo.commonDir;
  const dirs = [common];
  for (const name of await readdir(join(common, 'worktrees')).catch(() => [] as string[])) dirs.push(join(common, 'worktrees', name));
  const out: WorktreeAdmin[] = [];
  for (const adminDir of dirs) {
    const text = await readFile(join(adminDir, 'HEAD'), 'utf8').catch(() => null);
    if (text === null) continue;
    const m = /^ref: (\S+)/.exec(text);
    const rev = m ? m[1]! : text.trim();
    const r = await git(['rev-parse', '--verify', '-q', `${rev}^{commit}`], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
    const head = r.status === 0 ? r.stdout.toString('utf8').trim() : null;
    out.push({ adminDir, head, index: join(adminDir, 'index') });
  }
  return out;
}

/** Pointers staged in the index file `index` (all stages). */
async function indexPointers(ctx: RepoContext, index: string): Promise<Array<{ path: string; oid: string }>> {
  if (!(await lstat(index).catch(() => null))) return [];
  // ls-files reads only the index; a work tree must be named for it to run at all (bare repos,
  // other worktrees), so the admin dir stands in for it.
  const env: Env = { ...ctx.env, GIT_DIR: ctx.repo.gitDir, GIT_COMMON_DIR: ctx.repo.commonDir, GIT_INDEX_FILE: index, GIT_WORK_TREE: ctx.repo.gitDir };
  const entries = await scanIndex({ cwd: ctx.repo.gitDir, env });
  return entries.map((e) => ({ path: e.path, oid: e.pointer.oid }));
}

/** The stash entries' commits: the work tree commit and its index and untracked parents. */
async function stashCommits(ctx: RepoContext): Promise<string[]> {
  const r = await git(['log', '-g', '--format=%H %P', 'refs/stash', '--'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  if (r.status !== 0) return [];
  const out: string[] = [];
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const [w, , ...rest] = line.trim().split(' ');
    // Parent 1 is the commit the stash was made on (kept by its own rules); 2 the index; 3 untracked files.
    if (w) out.push(w, ...rest.filter(Boolean));
  }
  return out;
}

async function remoteExists(ctx: RepoContext, remote: string): Promise<boolean> {
  const r = await git(['config', '--get-regexp', `^remote\\.${remote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  return r.status === 0 && r.stdout.length > 0;
}

/** Objects in commits reachable from local branches, tags and HEAD but not from `remote`'s tracking refs. */
async function unpushedOids(ctx: RepoContext, remote: string): Promise<string[]> {
  const heads = await git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  const revs = ['--branches', '--tags'];
  if (heads.status === 0) revs.push(heads.stdout.toString('utf8').trim());
  // With no such remote everything counts as unpushed, as git-lfs: nothing is proven pushed.
  if (await remoteExists(ctx, remote)) revs.push('--not', `--remotes=${remote}`);
  return (await scanHistory(revs, { cwd: ctx.cwd, env: ctx.env })).map((p) => p.pointer.oid);
}

async function treeOids(ctx: RepoContext, rev: string, filter: PathFilter | null): Promise<string[]> {
  return (await scanTree(rev, { cwd: ctx.cwd, env: ctx.env })).filter((e) => !filter || filter(e.path)).map((e) => e.pointer.oid);
}

/** The set of oids something still needs (see the file comment). */
export async function retainedOids(ctx: RepoContext, opts: PruneOptions = {}): Promise<Set<string>> {
  const keep = new Set<string>();
  const add = (oids: Iterable<string>) => {
    for (const o of oids) keep.add(o);
  };
  const filter = makePathFilter(ctx.config.get('lfs.fetchinclude'), ctx.config.get('lfs.fetchexclude'));
  const force = Boolean(opts.force);
  const now = opts.now ?? Date.now();
  const remote = ctx.config.get('lfs.pruneremotetocheck') || 'origin';

  // Indexes and HEADs of every worktree.
  const commits = new Set<string>();
  for (const wt of await worktreeAdmins(ctx)) {
    const committed = new Set(wt.head ? await treeOids(ctx, wt.head, null) : []);
    for (const e of await indexPointers(ctx, wt.index)) {
      // Staged changes (content HEAD does not have) exist nowhere else: always kept. The rest
      // of the index is the checkout, kept like HEAD.
      if (!committed.has(e.oid) || (!force && filter(e.path))) keep.add(e.oid);
    }
    if (!force && wt.head) {
      commits.add(wt.head);
      add(await treeOids(ctx, wt.head, filter));
    }
  }
  // Stashes (including untracked files).
  for (const c of await stashCommits(ctx)) add(await treeOids(ctx, c, null));
  // Unpushed commits.
  add(await unpushedOids(ctx, remote));

  if (!force && !opts.recent) {
    const s = recentSettings(ctx);
    if (s.refsDays > 0) {
      const since = now - (s.refsDays + s.pruneOffsetDays) * DAY_MS;
      for (const b of await recentBranches(ctx, since, s.includeRemoteRefs, null)) {
        if (commits.has(b.sha)) continue;
        commits.add(b.sha);
        add(await treeOids(ctx, b.sha, filter));
      }
    }
    if (s.commitsDays > 0) {
      for (const c of commits) {
        const since = (await commitDate(ctx, c)) - (s.commitsDays + s.pruneOffsetDays) * DAY_MS;
        for (const p of await previousVersions(ctx, c, since)) if (filter(p.path)) keep.add(p.pointer.oid);
      }
    }
  }
  return keep;
}

/** Split `objects` into those the remote has and those it lacks. */
async function verifyWithRemote(ctx: RepoContext, objects: LocalObject[], transport: Transport | undefined): Promise<{ found: Set<string>; missing: LocalObject[] }> {
  const found = new Set<string>();
  const missing: LocalObject[] = [];
  if (objects.length === 0) return { found, missing };
  const remote = ctx.config.get('lfs.pruneremotetocheck') || 'origin';
  const t = transport ?? transportFor((await resolveRemoteEndpoint(ctx, remote, 'download')).endpoint, transportContext(ctx, 'download'));
  if (t.remoteHas) {
    for (const o of objects) (await t.remoteHas(o.oid, o.size) ? found.add(o.oid) : missing.push(o));
    return { found, missing };
  }
  // A download batch request: the server answers with an action for objects it has.
  for (let i = 0; i < objects.length; i += 100) {
    const chunk = objects.slice(i, i + 100);
    const reply = await t.batcher.batch('download', chunk.map((o) => ({ oid: o.oid, size: o.size, name: o.oid })));
    const ok = new Set(reply.objects.filter((r) => !r.error && r.action).map((r) => r.oid));
    for (const o of chunk) (ok.has(o.oid) ? found.add(o.oid) : missing.push(o));
  }
  return { found, missing };
}

/** Identity of each worktree's index file (inode, mtime, size), to notice a rewrite. */
async function indexStamps(ctx: RepoContext): Promise<string> {
  const out: string[] = [];
  for (const wt of await worktreeAdmins(ctx)) {
    const st = await lstat(wt.index).catch(() => null);
    out.push(st ? `${wt.index}:${st.ino}:${st.mtimeMs}:${st.size}` : `${wt.index}:none`);
  }
  return out.join('\n');
}

/**
 * The last guard before deleting, against git commands running next to us: `git add` stores
 * objects (through the clean filter) while it holds index.lock and only references them when it
 * writes the index at the end. So objects are kept when they are in an index that changed since
 * the scan, or newer than (a clock-granularity margin before) an index.lock that exists now.
 */
async function guardConcurrentWriters(ctx: RepoContext, prunable: Array<LocalObject & { mtimeMs: number }>, stampsBefore: string): Promise<Array<LocalObject & { mtimeMs: number }>> {
  let out = prunable;
  const admins = await worktreeAdmins(ctx);
  if ((await indexStamps(ctx)) !== stampsBefore) {
    const indexed = new Set<string>();
    for (const wt of admins) for (const e of await indexPointers(ctx, wt.index)) indexed.add(e.oid);
    out = out.filter((o) => !indexed.has(o.oid));
  }
  let lockSince = Infinity;
  for (const wt of admins) {
    const st = await lstat(`${wt.index}.lock`).catch(() => null);
    if (st) lockSince = Math.min(lockSince, st.mtimeMs);
  }
  if (lockSince !== Infinity) out = out.filter((o) => o.mtimeMs < lockSince - 2000);
  return out;
}

export async function runPrune(ctx: RepoContext, opts: PruneOptions = {}): Promise<PruneResult> {
  const local = await listLocalObjects(ctx.store.layout.objectsDir);
  const stamps = await indexStamps(ctx);
  const keep = await retainedOids(ctx, opts);
  let prunable = local.filter((o) => !keep.has(o.oid));
  const verifyRemote = opts.verifyRemote ?? ctx.config.getBool('lfs.pruneverifyremotealways', false);
  const verifyUnreachable = opts.verifyUnreachable ?? ctx.config.getBool('lfs.pruneverifyunreachablealways', false);
  let verified = 0;
  let notOnRemote: LocalObject[] = [];
  if (verifyRemote && prunable.length > 0) {
    let toCheck = prunable;
    if (!verifyUnreachable) {
      // Objects no commit references (never committed, or only by dropped commits) cannot be
      // on the remote through a push, so they are not asked about.
      const reachable = new Set((await scanHistory(['--all'], { cwd: ctx.cwd, env: ctx.env })).map((p) => p.pointer.oid));
      toCheck = prunable.filter((o) => reachable.has(o.oid));
    }
    const { found, missing } = await verifyWithRemote(ctx, toCheck, opts.transport);
    verified = found.size;
    notOnRemote = missing.map((o) => ({ oid: o.oid, size: o.size }));
    if (missing.length > 0) {
      if ((opts.whenUnverified ?? 'halt') === 'halt') throw new PruneUnverifiedError(notOnRemote);
      const lacking = new Set(missing.map((m) => m.oid));
      prunable = prunable.filter((o) => !lacking.has(o.oid));
    }
  }
  // Last, right before deleting (verification may have taken a while).
  prunable = await guardConcurrentWriters(ctx, prunable, stamps);
  const res: PruneResult = {
    localObjects: local.length,
    // Objects missing on the remote (kept with whenUnverified=continue) are counted apart.
    retained: local.length - prunable.length - notOnRemote.length,
    verified,
    notOnRemote,
    prunable: prunable.map((o) => ({ oid: o.oid, size: o.size })),
    prunableBytes: prunable.reduce((n, o) => n + o.size, 0),
    deleted: [],
    verifyRemote,
    dryRun: Boolean(opts.dryRun),
  };
  await opts.onPlan?.(res);
  if (opts.dryRun) return res;
  let done = 0;
  for (const o of prunable) {
    try {
      await unlink(ctx.store.objectPath(o.oid));
      res.deleted.push(o.oid);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    opts.onDelete?.(++done, prunable.length);
  }
  await ctx.store.cleanupTmp().catch(() => 0);
  return res;
}

/**
 * `fetch`: find the LFS objects of some refs and download the ones not already local into the
 * store, through the TransferQueue. The work tree is never touched.
 *
 * What is fetched: the pointers in the tree of each ref (default: the current HEAD), filtered by
 * -I/-X or lfs.fetchinclude/lfs.fetchexclude; with `all`, every pointer reachable from the refs
 * (default: all refs), unfiltered. Objects already in the store (or its alternates) are skipped
 * unless `refetch`. Results come back as values; progress as events. Nothing here prints.
 */
import { TslfsError } from '../errors/TslfsError.js';
import type { TransferListener } from '../events/TransferEvents.js';
import { git } from '../git/exec.js';
import type { Endpoint } from '../http/endpoint.js';
import { EMPTY_OID } from '../model/oid.js';
import { transportFor, type Transport } from '../transfer/createQueue.js';
import { redactUrl } from '../http/redact.js';
import { runTransfers } from './runTransfers.js';
import { transportContext } from './transportContext.js';
import type { TransferResult } from '../transfer/TransferQueue.js';
import { resolveRemoteEndpoint } from './fetchEndpoint.js';
import { makePathFilter, splitPatterns } from '../model/pathFilter.js';
import type { RepoContext } from './repoContext.js';
import { commitDate, DAY_MS, previousVersions, recentBranches, recentSettings } from './recentRefs.js';
import { scanHistory, scanTree } from './scanPointers.js';

export interface FetchObjectsOptions {
  /** Remote name, URL or path; default as git-lfs chooses. */
  remote?: string | null;
  /** Refs to fetch; default the current HEAD (or, with `all`, every ref). */
  refs?: readonly string[];
  all?: boolean;
  /** Include/exclude patterns; undefined means lfs.fetchinclude / lfs.fetchexclude. */
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
  refetch?: boolean;
  dryRun?: boolean;
  onEvent?: TransferListener;
  /** Called once per ref before it is scanned (git-lfs prints "fetch: Fetching reference <ref>"). */
  onRef?: (ref: string) => void;
  /**
   * Also fetch recent branches and recent commits' previous versions (`fetch --recent`, or
   * lfs.fetchrecentalways, which the caller checks): see ops/recentRefs.ts. Ignored with `all`.
   */
  recent?: boolean;
  /** Called before each recent step (git-lfs prints "fetch: Fetching recent branches within N days" and "... changes within N days of <ref>"). */
  onRecent?: (e: RecentStep) => void;
  signal?: AbortSignal;
  /** For tests: replaces the transport chosen for the endpoint. */
  transport?: Transport;
}

export type RecentStep = { kind: 'branches'; days: number } | { kind: 'commits'; days: number; ref: string };

export interface FetchObject {
  oid: string;
  size: number;
  /** A path that references it. */
  name: string;
}

export interface FetchObjectsResult {
  remote: string;
  endpoint: Endpoint;
  /** Refs as scanned (full names where they have one). */
  refs: string[];
  /** Objects that were (or, on a dry run, would be) downloaded. */
  objects: FetchObject[];
  /** One per object (empty on a dry run). */
  results: TransferResult[];
  failed: TransferResult[];
}

/** Resolve each ref to a commit and a display name; throws "Invalid ref argument: [..]" listing bad ones. */
export async function resolveRefs(ctx: RepoContext, refs: readonly string[]): Promise<Array<{ name: string; rev: string }>> {
  const out: Array<{ name: string; rev: string }> = [];
  const bad: string[] = [];
  for (const ref of refs) {
    // A leading '-' would be an option to git: never a valid ref argument.
    const v = ref.startsWith('-') ? null : await git(['rev-parse', '--verify', '-q', `${ref}^{commit}`], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
    if (!v || v.status !== 0) {
      bad.push(ref);
      continue;
    }
    const full = await git(['rev-parse', '--symbolic-full-name', ref], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
    const name = full.status === 0 ? full.stdout.toString('utf8').trim().split('\n')[0] ?? '' : '';
    out.push({ name: name || ref, rev: v.stdout.toString('utf8').trim() });
  }
  if (bad.length) throw new TslfsError(`Invalid ref argument: [${bad.join(' ')}]`, { code: 'EBADREF' });
  return out;
}

/** The checked-out ref (refs/heads/x) or, when detached, HEAD's commit. Throws on an unborn HEAD. */
export async function headRef(ctx: RepoContext): Promise<{ name: string; rev: string }> {
  const v = await git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  if (v.status !== 0) throw new TslfsError('Could not resolve HEAD: the current branch has no commits yet', { code: 'EBADREF' });
  const rev = v.stdout.toString('utf8').trim();
  const s = await git(['symbolic-ref', '-q', 'HEAD'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  const name = s.status === 0 ? s.stdout.toString('utf8').trim() : rev;
  return { name, rev };
}

function patterns(given: readonly string[] | undefined, configured: string | undefined): string[] {
  return given === undefined ? splitPatterns(configured) : given.flatMap((g) => splitPatterns(g));
}

export async function fetchObjects(ctx: RepoContext, opts: FetchObjectsOptions = {}): Promise<FetchObjectsResult> {
  const { remote, endpoint } = await resolveRemoteEndpoint(ctx, opts.remote ?? null, 'download');

  const refs: string[] = [];
  const byOid = new Map<string, FetchObject>();
  const want = (oid: string, size: number, name: string) => {
    if (oid === EMPTY_OID && size === 0) return;
    if (!byOid.has(oid)) byOid.set(oid, { oid, size, name });
  };

  if (opts.all) {
    const resolved = opts.refs?.length ? await resolveRefs(ctx, opts.refs) : [];
    for (const r of resolved) {
      refs.push(r.name);
      opts.onRef?.(r.name);
    }
    const revs = resolved.length ? resolved.map((r) => r.rev) : ['--all'];
    for (const p of await scanHistory(revs, { cwd: ctx.cwd, env: ctx.env })) want(p.pointer.oid, p.pointer.size, p.path);
  } else {
    const filter = makePathFilter(patterns(opts.include, ctx.config.get('lfs.fetchinclude')), patterns(opts.exclude, ctx.config.get('lfs.fetchexclude')));
    const resolved = opts.refs?.length ? await resolveRefs(ctx, opts.refs) : [await headRef(ctx)];
    // commit -> the (short) name it was fetched for, in order: recent commits start from these.
    const fetched = new Map<string, string>();
    for (const r of resolved) {
      refs.push(r.name);
      opts.onRef?.(r.name);
      if (!fetched.has(r.rev)) fetched.set(r.rev, r.name.replace(/^refs\/(heads|remotes|tags)\//, ''));
      for (const e of await scanTree(r.rev, { cwd: ctx.cwd, env: ctx.env })) {
        if (filter(e.path)) want(e.pointer.oid, e.pointer.size, e.path);
      }
    }
    const settings = recentSettings(ctx);
    if (opts.recent) {
      if (settings.refsDays > 0) {
        opts.onRecent?.({ kind: 'branches', days: settings.refsDays });
        const since = Date.now() - settings.refsDays * DAY_MS;
        for (const b of await recentBranches(ctx, since, settings.includeRemoteRefs, remote)) {
          if (fetched.has(b.sha)) continue; // the same commit is never scanned twice
          fetched.set(b.sha, b.name);
          refs.push(b.fullName);
          opts.onRef?.(b.name);
          for (const e of await scanTree(b.sha, { cwd: ctx.cwd, env: ctx.env })) {
            if (filter(e.path)) want(e.pointer.oid, e.pointer.size, e.path);
          }
        }
      }
      if (settings.commitsDays > 0) {
        for (const [sha, name] of fetched) {
          opts.onRecent?.({ kind: 'commits', days: settings.commitsDays, ref: name });
          // Measured back from the ref's own commit date, as git-lfs does.
          const since = (await commitDate(ctx, sha)) - settings.commitsDays * DAY_MS;
          for (const c of await previousVersions(ctx, sha, since)) {
            if (filter(c.path)) want(c.pointer.oid, c.pointer.size, c.path);
          }
        }
      }
    }
  }

  const objects: FetchObject[] = [];
  for (const o of byOid.values()) {
    if (!opts.refetch && (await ctx.store.ensureLocal(o.oid, o.size))) continue;
    objects.push(o);
  }

  // The result is for showing: never the user:password a URL may carry (CR8). The transport
  // is built from the real endpoint.
  const result: FetchObjectsResult = { remote, endpoint: { ...endpoint, url: redactUrl(endpoint.url) }, refs, objects, results: [], failed: [] };
  if (opts.dryRun || objects.length === 0) return result;

  // The transport is only needed (and an endpoint only required) when something is missing.
  const transport = opts.transport ?? transportFor(endpoint, transportContext(ctx, 'download'));
  result.results = await runTransfers(ctx, endpoint, 'download', transport, objects, {
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  result.failed = result.results.filter((r) => r.status === 'failed');
  return result;
}

/**
 * `push`: upload the LFS objects that some refs (or explicit oids) reference and the remote does
 * not have, through the TransferQueue.
 *
 * What is pushed: pointers reachable from the refs but not from the remote's remote-tracking
 * refs (`--not --remotes=<remote>`); with `all`, everything reachable from the refs (default:
 * all refs); with `objectIds`, exactly those local objects. A file remote's store is checked
 * so that objects it has are skipped. Objects missing from the local store fail the push
 * (nothing is uploaded) unless lfs.allowincompletepush is true or the remote already has them;
 * then they are reported in the result. Nothing here prints.
 */
import { TslfsError } from '../errors/TslfsError.js';
import type { TransferListener } from '../events/TransferEvents.js';
import type { Endpoint } from '../http/endpoint.js';
import { EMPTY_OID, isOid } from '../model/oid.js';
import { transportFor, type Transport } from '../transfer/createQueue.js';
import { redactUrl } from '../http/redact.js';
import { runTransfers } from './runTransfers.js';
import { transportContext } from './transportContext.js';
import type { TransferResult } from '../transfer/TransferQueue.js';
import { resolveRemoteEndpoint } from './fetchEndpoint.js';
import { headRef, resolveRefs } from './fetchObjects.js';
import type { RepoContext } from './repoContext.js';
import { remoteNames } from '../http/endpoint.js';
import { scanHistory } from './scanPointers.js';
import { git } from '../git/exec.js';
import { verifyPushLocks, type LockNotice, type PushUpdate } from './verifyPushLocks.js';

export interface PushObjectsOptions {
  /** Remote name, URL or path (required, as in git-lfs). */
  remote: string;
  /** Refs to push (default: the current HEAD); with `objectIds`, ignored. */
  refs?: readonly string[];
  all?: boolean;
  /** Push exactly these oids from the local store. */
  objectIds?: readonly string[];
  /**
   * Raw `git rev-list` arguments selecting the commits to push, used instead of refs (the
   * pre-push hook: `[<local sha>, '--not', '--remotes=<remote>', '^<remote sha>']`). Callers
   * must pass only shas and options they built themselves.
   */
  revArgs?: readonly string[];
  dryRun?: boolean;
  onEvent?: TransferListener;
  signal?: AbortSignal;
  /** For tests: replaces the transport chosen for the endpoint. */
  transport?: Transport;
  /**
   * Lock verification's hints and warnings (ops/verifyPushLocks.ts). Locks are verified for
   * pushes of refs, as git-lfs's push does, before anything is uploaded; not with `objectIds`
   * (no ref is updated) nor with `revArgs` (the pre-push hook verifies them itself).
   */
  onLockNotice?: LockNotice;
}

export interface PushObject {
  oid: string;
  size: number;
  /** A path that references it (with objectIds: the local object's path). */
  name: string;
}

export interface PushObjectsResult {
  remote: string;
  endpoint: Endpoint;
  /** Objects that were (or, on a dry run, would be) uploaded. */
  objects: PushObject[];
  /** Not in the local store (only when lfs.allowincompletepush let the push go on). */
  missing: PushObject[];
  results: TransferResult[];
  failed: TransferResult[];
}

/** The text git-lfs prints for missing objects, one `  (missing) <path> (<oid>)` line each. */
export function missingLines(missing: readonly PushObject[]): string {
  return missing.map((m) => `  (missing) ${m.name} (${m.oid})`).join('\n');
}

export class PushMissingObjectsError extends TslfsError {
  readonly missing: PushObject[];
  constructor(missing: PushObject[]) {
    super(`Git LFS upload failed:\n${missingLines(missing)}`, {
      code: 'EPUSHMISSING',
      hint:
        'hint: Your push was rejected due to missing or corrupt local objects.\n' +
        'hint: You can disable this check with: `git config lfs.allowincompletepush true`',
    });
    this.missing = missing;
  }
}

async function objectsForRefs(ctx: RepoContext, opts: PushObjectsOptions, remote: string): Promise<PushObject[]> {
  let revs: string[];
  if (opts.revArgs) {
    revs = [...opts.revArgs];
  } else {
    const resolved = opts.refs?.length ? await resolveRefs(ctx, opts.refs) : opts.all ? [] : [await headRef(ctx)];
    revs = resolved.length ? resolved.map((r) => r.rev) : ['--all'];
    const notRemote = !opts.all && remoteNames(ctx.config).includes(remote) ? ['--not', `--remotes=${remote}`] : [];
    revs.push(...notRemote);
    // Each pushed ref is an update whose files are checked against the server's locks (a
    // halt throws LockedFilesError); `--all` without refs pushes every local branch and tag.
    const updated = resolved.length ? resolved : await localRefs(ctx);
    const updates: PushUpdate[] = updated.map((r) => ({ remoteRef: r.name, revArgs: [r.rev, ...notRemote] }));
    await verifyPushLocks(ctx, { remote, updates, notice: opts.onLockNotice ?? (() => {}) });
  }
  if (revs.length === 0) return [];
  const out = new Map<string, PushObject>();
  for (const p of await scanHistory(revs, { cwd: ctx.cwd, env: ctx.env })) {
    if (p.pointer.oid === EMPTY_OID && p.pointer.size === 0) continue;
    if (!out.has(p.pointer.oid)) out.set(p.pointer.oid, { oid: p.pointer.oid, size: p.pointer.size, name: p.path });
  }
  return [...out.values()];
}

/** Local branches and tags, as resolveRefs gives refs. */
async function localRefs(ctx: RepoContext): Promise<Array<{ name: string; rev: string }>> {
  const r = await git(['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'], { cwd: ctx.cwd, env: ctx.env });
  const out: Array<{ name: string; rev: string }> = [];
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const sp = line.lastIndexOf(' ');
    if (sp > 0) out.push({ name: line.slice(0, sp), rev: line.slice(sp + 1) });
  }
  return out;
}

async function objectsForOids(ctx: RepoContext, oids: readonly string[]): Promise<{ found: PushObject[]; missing: PushObject[] }> {
  const found: PushObject[] = [];
  const missing: PushObject[] = [];
  const seen = new Set<string>();
  for (const raw of oids) {
    const oid = raw.trim();
    if (!isOid(oid)) throw new TslfsError(`Invalid object ID: ${JSON.stringify(oid.slice(0, 80))}`, { code: 'EBADOID' });
    if (seen.has(oid)) continue;
    seen.add(oid);
    const size = await ctx.store.localSize(oid);
    const name = ctx.store.objectPath(oid);
    if (size === null) missing.push({ oid, size: 0, name });
    else found.push({ oid, size, name });
  }
  return { found, missing };
}

export async function pushObjects(ctx: RepoContext, opts: PushObjectsOptions): Promise<PushObjectsResult> {
  // Lock verification and the upload use SSH one after the other: one connection for both.
  const letGo = ctx.sshPools.hold();
  try {
    return await pushObjectsHeld(ctx, opts);
  } finally {
    await letGo();
  }
}

async function pushObjectsHeld(ctx: RepoContext, opts: PushObjectsOptions): Promise<PushObjectsResult> {
  const { remote, endpoint } = await resolveRemoteEndpoint(ctx, opts.remote, 'upload');

  let candidates: PushObject[];
  let missing: PushObject[] = [];
  if (opts.objectIds) {
    const r = await objectsForOids(ctx, opts.objectIds);
    candidates = r.found;
    missing = r.missing;
  } else {
    candidates = [];
    for (const o of await objectsForRefs(ctx, opts, remote)) {
      if (await ctx.store.ensureLocal(o.oid, o.size)) candidates.push(o);
      else missing.push(o);
    }
  }

  // The result is for showing: never the user:password a URL may carry (CR8). The transport
  // is built from the real endpoint.
  const result: PushObjectsResult = { remote, endpoint: { ...endpoint, url: redactUrl(endpoint.url) }, objects: candidates, missing: [], results: [], failed: [] };
  if (opts.dryRun) {
    result.missing = missing;
    return result;
  }
  if (candidates.length === 0 && missing.length === 0) return result;
  // The transport is only needed (and an endpoint only required) when there is work.
  const transport = opts.transport ?? transportFor(endpoint, transportContext(ctx, 'upload'));
  // Objects the remote already has are not missing for this push.
  if (missing.length && transport.remoteHas) {
    const still: PushObject[] = [];
    for (const m of missing) if (!(await transport.remoteHas(m.oid, m.size))) still.push(m);
    missing = still;
  }
  if (missing.length && !ctx.config.getBool('lfs.allowincompletepush', false)) throw new PushMissingObjectsError(missing);
  result.missing = missing;
  if (candidates.length === 0) return result;

  result.results = await runTransfers(ctx, endpoint, 'upload', transport, candidates, {
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  result.failed = result.results.filter((r) => r.status === 'failed');
  return result;
}

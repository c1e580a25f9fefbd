/**
 * Opening the lock client for a command: which remote (the `--remote` argument, else the
 * default remote as for fetch), its LFS endpoint (upload for lock/unlock/verify, download for
 * listing, as git-lfs), the lock ref, and the lock cache. Nothing connects until the first request.
 *
 * The lock ref (git-lfs's "remote ref for the current branch"): the branch's upstream
 * (`branch.<b>.merge`) when `branch.<b>.remote` is the remote in use, else the branch itself
 * (`refs/heads/<b>`); `HEAD` when detached.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findEndpoint, parseFetchHeadUrl, type Endpoint, type Operation } from '../http/endpoint.js';
import { LockCache } from '../lock/LockCache.js';
import { LockClient } from '../lock/LockClient.js';
import { lockTransportFor } from '../lock/lockTransportFor.js';
import type { LockTransport } from '../lock/types.js';
import { remoteBaseDir, resolveRemoteEndpoint } from './fetchEndpoint.js';
import type { RepoContext } from './repoContext.js';
import { currentBranchRef } from './transportContext.js';

export interface LockSession {
  ctx: RepoContext;
  remote: string;
  endpoint: Endpoint;
  refName: string | null;
  client: LockClient;
  cache: LockCache;
}

export interface LockSessionOptions {
  /** The remote given with --remote (name, URL or path); default: the repository's default remote. */
  remote?: string | null;
  operation: Operation;
  onWarning?: (message: string) => void;
  /** For tests: replaces the transport chosen for the endpoint. */
  transport?: LockTransport;
}

/** The lock ref for `remote` (see the file comment). */
export function lockRefName(ctx: RepoContext, remote: string): string | null {
  const head = currentBranchRef(ctx.repo.gitDir);
  if (!head) return 'HEAD';
  if (!head.startsWith('refs/heads/')) return head;
  const branch = head.slice('refs/heads/'.length);
  const merge = ctx.config.get(`branch.${branch}.merge`);
  if (merge && ctx.config.get(`branch.${branch}.remote`) === remote) return merge.startsWith('refs/') ? merge : `refs/heads/${merge}`;
  return head;
}

export async function endpointFor(ctx: RepoContext, remote: string, operation: Operation): Promise<Endpoint> {
  const fetchHead = await readFile(join(ctx.repo.gitDir, 'FETCH_HEAD'), 'utf8').catch(() => '');
  return findEndpoint(ctx.config, { operation, remote, cwd: remoteBaseDir(ctx), fetchHeadUrl: parseFetchHeadUrl(fetchHead) });
}

export async function openLockSession(ctx: RepoContext, opts: LockSessionOptions): Promise<LockSession> {
  const { remote, endpoint: downloadEndpoint } = await resolveRemoteEndpoint(ctx, opts.remote ?? null, 'download');
  const endpoint = opts.operation === 'download' ? downloadEndpoint : await endpointFor(ctx, remote, opts.operation);
  return sessionFor(ctx, remote, endpoint, lockRefName(ctx, remote), opts);
}

/** A session on a known remote and endpoint (pre-push: the remote git pushes to). */
export function sessionFor(ctx: RepoContext, remote: string, endpoint: Endpoint, refName: string | null, opts: Pick<LockSessionOptions, 'onWarning' | 'transport'> = {}): LockSession {
  // The transport is created lazily: `locks --local` and `--cached` never need one.
  let transport: LockTransport | null = opts.transport ?? null;
  const get = (): LockTransport =>
    (transport ??= lockTransportFor(endpoint, {
      config: ctx.config,
      env: ctx.env,
      cwd: remoteBaseDir(ctx),
      remoteUrl: ctx.config.get(`remote.${remote}.url`) ?? null,
      credentials: ctx.credentials,
      sshPools: ctx.sshPools,
      ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    }));
  const lazy: LockTransport = {
    create: (p, r) => get().create(p, r),
    list: (q) => get().list(q),
    verify: (r, c, l) => get().verify(r, c, l),
    unlock: (i, f, r) => get().unlock(i, f, r),
    close: async () => {
      if (transport) await transport.close();
    },
  };
  return { ctx, remote, endpoint, refName, client: new LockClient(lazy, refName), cache: new LockCache(ctx.store.layout.lfsDir) };
}

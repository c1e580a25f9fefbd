/**
 * Which LockTransport serves an endpoint:
 *   http(s)://  HttpLockTransport on <E>/locks.
 *   SSH remote  lfs.sshtransfer (or lfs.<url>.sshtransfer), as for transfers: `negotiate`
 *               (default) tries pure SSH (git-lfs-transfer) and falls back to hybrid when it
 *               cannot start; `always` is pure SSH only; `never` is hybrid only. Hybrid:
 *               git-lfs-authenticate <path> <op> gives the API URL (href) and headers, then HTTP.
 *   anything else (file://, local paths, standalone agents): LockingUnsupportedError.
 * Nothing connects until the first request. close() quits the SSH sessions and closes HTTP.
 */
import { SshPoolRegistry } from '../ssh/SshPoolRegistry.js';
import type { CredentialMemory } from '../http/Authenticator.js';
import type { Config } from '../config/Config.js';
import { TslfsError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import type { Endpoint } from '../http/endpoint.js';
import { redactUrl } from '../http/redact.js';
import { SshAuthCache } from '../ssh/sshAuthenticate.js';
import { SshStartError } from '../ssh/SshPktConnection.js';
import type { SshTransferPool } from '../ssh/SshTransferPool.js';
import { sshTransferMode } from '../transfer/sshTransport.js';
import { HttpLockTransport } from './HttpLockTransport.js';
import { SshLockTransport, type SshLockOperation } from './SshLockTransport.js';
import type { Lock, LockListQuery, LockPage, LockTransport, VerifyPage } from './types.js';

export interface LockTransportContext {
  config: Config;
  env: Env;
  /** Where git and ssh run: the work tree (or git dir when bare). */
  cwd: string;
  /** The git remote URL (credential lookups); null when unknown. */
  remoteUrl?: string | null;
  onWarning?: (message: string) => void;
  /** The run's SSH pools, shared with its transfers (default: pools of this client's own). */
  sshPools?: SshPoolRegistry;
  /** The run's credential memory, shared by its lock client and transfers (see Authenticator). */
  credentials?: CredentialMemory;
}

export class LockingUnsupportedError extends TslfsError {
  constructor(url: string) {
    super(`locking is not supported for the LFS endpoint ${redactUrl(url)}`, { code: 'ENOLOCKING', hint: 'File locking needs an HTTP(S) or SSH Git LFS server.' });
  }
}

/** Throws TslfsError when the endpoint has no URL or cannot do locking. */
export function lockTransportFor(endpoint: Endpoint, ctx: LockTransportContext): LockTransport {
  if (!endpoint.url) {
    throw new TslfsError(`No Git LFS endpoint found for remote "${endpoint.remote ?? ''}"`, {
      code: 'ENOENDPOINT',
      hint: 'Add a remote (`git remote add origin <url>`) or set lfs.url.',
    });
  }
  if (endpoint.ssh) return sshLockTransport(endpoint, ctx);
  if (/^https?:\/\//i.test(endpoint.url) && !endpoint.standaloneAgent) {
    return new HttpLockTransport({
      endpointUrl: endpoint.url,
      remoteUrl: ctx.remoteUrl ?? null,
      config: ctx.config,
      env: ctx.env,
      cwd: ctx.cwd,
      ...(ctx.onWarning ? { onWarning: ctx.onWarning } : {}),
      ...(ctx.credentials ? { credentials: ctx.credentials } : {}),
    });
  }
  throw new LockingUnsupportedError(endpoint.url);
}

function sshLockTransport(endpoint: Endpoint, ctx: LockTransportContext): LockTransport {
  const target = endpoint.ssh!;
  const mode = sshTransferMode(ctx.config, endpoint.url);
  const pools = new Map<SshLockOperation, Promise<SshTransferPool>>();
  const registry = new SshPoolRegistry();
  /** Per operation: give the pool back to its registry (which closes it with its last user). */
  const letGo = new Map<SshLockOperation, () => Promise<void>>();
  const https = new Map<SshLockOperation, HttpLockTransport>();
  const auth = new SshAuthCache({ env: ctx.env, config: ctx.config, cwd: ctx.cwd, target });
  let hybrid = mode === 'never';
  let pureWorked = false;
  let closed = false;

  const pool = (op: SshLockOperation): Promise<SshTransferPool> => {
    let p = pools.get(op);
    if (!p) {
      const po = { env: ctx.env, config: ctx.config, cwd: ctx.cwd, target, operation: op, maxConnections: 1 };
      // Without a run's registry, a private one: the pool is then this client's alone.
      const lease = (ctx.sshPools ?? registry).acquire(po);
      p = lease.pool;
      letGo.set(op, lease.release);
      pools.set(op, p);
      p.catch(() => {
        pools.delete(op);
        letGo.delete(op);
        void lease.release();
      });
    }
    return p;
  };

  const http = async (op: SshLockOperation): Promise<HttpLockTransport> => {
    let t = https.get(op);
    if (!t) {
      const first = await auth.get(op);
      t = new HttpLockTransport({
        endpointUrl: first?.href ?? endpoint.url,
        remoteUrl: null,
        config: ctx.config,
        env: ctx.env,
        cwd: ctx.cwd,
        ...(ctx.onWarning ? { onWarning: ctx.onWarning } : {}),
        ...(ctx.credentials ? { credentials: ctx.credentials } : {}),
        apiHeaders: async () => (await auth.get(op))?.header ?? {},
      });
      https.set(op, t);
    }
    return t;
  };

  const pure = new SshLockTransport(async (op) => {
    const p = await pool(op);
    pureWorked = true;
    return p;
  });

  /** Run `f` on pure SSH, or on hybrid HTTP when pure SSH is off or cannot start (negotiate). */
  const run = async <T>(op: SshLockOperation, f: (t: LockTransport) => Promise<T>): Promise<T> => {
    if (closed) throw new TslfsError('the lock client is closed', { code: 'ECLOSED' });
    if (!hybrid) {
      try {
        return await f(pure);
      } catch (e) {
        if (!(e instanceof SshStartError) || mode === 'always' || pureWorked) throw e;
        hybrid = true;
      }
    }
    return f(await http(op));
  };

  const t: LockTransport = {
    create: (path: string, refName: string | null): Promise<Lock> => run('upload', (x) => x.create(path, refName)),
    list: (q: LockListQuery): Promise<LockPage> => run('download', (x) => x.list(q)),
    verify: (refName, cursor, limit): Promise<VerifyPage> => run('upload', (x) => x.verify(refName, cursor, limit)),
    unlock: (id, force, refName): Promise<Lock | null> => run('upload', (x) => x.unlock(id, force, refName)),
    async close() {
      closed = true;
      const releases = [...letGo.values()];
      letGo.clear();
      await Promise.all([
        ...releases.map((r) => r().catch(() => {})),
        ...[...https.values()].map((h) => h.close()),
      ]);
    },
  };
  return t;
}

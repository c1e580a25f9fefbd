/**
 * The transport for an SSH remote (reference 4.2 "SSH hybrid auth" and 4.5).
 *
 * lfs.sshtransfer (or lfs.<url>.sshtransfer, matched against the derived https URL):
 *   negotiate (default): start `git-lfs-transfer`; when that fails (the server lacks it, says
 *     no version=1, ...) fall back to hybrid.
 *   always: pure SSH only; a failure to start is the error.
 *   never: hybrid only.
 * Pure SSH: one SshTransferPool per transport (lazily started on the first batch), the "ssh"
 * batcher and adapter. The pool lends one connection per request, so without multiplexing (one
 * connection) transfers run one at a time whatever the queue's concurrency.
 * Hybrid: `git-lfs-authenticate <path> <op>` (cached per operation, see SshAuthCache) gives the
 * API URL (href; default the derived https URL) and headers merged into API requests; then the
 * plain HTTP transport (batch API + basic). When the server lacks git-lfs-authenticate the derived
 * URL is used with the credential helper, as git-lfs does. The href of the first answer is kept
 * for the run; later answers only refresh the headers.
 *
 * Nothing runs until the first batch, so commands that move nothing never start ssh.
 * close() quits the ssh connections and closes the HTTP client.
 */
import { SshPoolRegistry } from '../ssh/SshPoolRegistry.js';
import type { CredentialMemory } from '../http/Authenticator.js';
import type { Config } from '../config/Config.js';
import { TransferError, TslfsError } from '../errors/TslfsError.js';
import type { TransferDirection } from '../events/TransferEvents.js';
import { createHttpTransport, type HttpTransport } from '../http/createHttpTransport.js';
import { urlScopedValue, type Endpoint } from '../http/endpoint.js';
import { SshAuthCache } from '../ssh/sshAuthenticate.js';
import { SshStartError } from '../ssh/SshPktConnection.js';
import type { SshTransferPool } from '../ssh/SshTransferPool.js';
import { queueSettingsFrom } from './backoff.js';
import { SshAdapter, SshBatcher, SSH_ADAPTER } from './sshAdapter.js';
import type { BatchReply, TransferAdapter, TransferItem } from './types.js';

export type SshTransferMode = 'negotiate' | 'always' | 'never';

export function sshTransferMode(config: Config, url: string): SshTransferMode {
  const v = (urlScopedValue(config, 'sshtransfer', url) ?? config.get('lfs.sshtransfer') ?? 'negotiate').trim().toLowerCase();
  return v === 'always' || v === 'never' ? v : 'negotiate';
}

export interface SshTransportContext {
  config: Config;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  direction: TransferDirection;
  refName?: string | null;
  onWarning?: (message: string) => void;
  /** The run's credential memory (hybrid mode's HTTP requests; see Authenticator). */
  credentials?: CredentialMemory;
  /** The run's SSH pools, shared with its lock client (default: a pool of this transport's own). */
  sshPools?: SshPoolRegistry;
}

export interface SshTransport {
  batcher: { batch(direction: TransferDirection, objects: readonly TransferItem[], signal?: AbortSignal): Promise<BatchReply> };
  adapterFor(name: string): TransferAdapter;
  /** Which way it went once started ('ssh' or 'http'); null before the first batch. */
  readonly mode: 'ssh' | 'http' | null;
  close(): Promise<void>;
}

/** Throws TslfsError when the endpoint has no SSH metadata. */
export function sshTransportFor(endpoint: Endpoint, tc: SshTransportContext): SshTransport {
  const ssh = endpoint.ssh;
  if (!ssh) throw new TslfsError('not an SSH endpoint', { code: 'EADAPTER' });
  const mode = sshTransferMode(tc.config, endpoint.url);
  const operation = tc.direction;
  let pool: SshTransferPool | null = null;
  /** Gives the pool back to the registry (which closes it with its last user). */
  let letGo: (() => Promise<void>) | null = null;
  let http: HttpTransport | null = null;
  let chosen: 'ssh' | 'http' | null = null;
  let startP: Promise<void> | null = null;
  let closed = false;
  const auth = new SshAuthCache({ env: tc.env, config: tc.config, cwd: tc.cwd, target: ssh });

  const startHybrid = async (signal?: AbortSignal): Promise<void> => {
    const first = await auth.get(operation, signal);
    http = createHttpTransport({
      endpointUrl: first?.href ?? endpoint.url,
      remoteUrl: null,
      config: tc.config,
      env: tc.env,
      cwd: tc.cwd,
      refName: tc.refName ?? null,
      ...(tc.onWarning ? { onWarning: tc.onWarning } : {}),
      ...(tc.credentials ? { credentials: tc.credentials } : {}),
      apiHeaders: async () => (await auth.get(operation))?.header ?? {},
    });
    chosen = 'http';
  };

  const start = (signal?: AbortSignal): Promise<void> => {
    startP ??= (async () => {
      if (mode !== 'never') {
        try {
          const po = { env: tc.env, config: tc.config, cwd: tc.cwd, target: ssh, operation, maxConnections: queueSettingsFrom(tc.config).concurrency };
          // Without a run's registry, a private one: the pool is then this transport's alone.
          const lease = (tc.sshPools ?? new SshPoolRegistry()).acquire(po);
          pool = await lease.pool.catch(async (e: unknown) => {
            await lease.release();
            throw e;
          });
          letGo = lease.release;
          chosen = 'ssh';
          if (closed) await letGo();
          return;
        } catch (e) {
          if (mode === 'always' || !(e instanceof SshStartError)) throw e;
        }
      }
      await startHybrid(signal);
    })();
    // A failed start may be retried by the queue's next batch attempt.
    startP.catch(() => (startP = null));
    return startP;
  };

  let sshBatcher: SshBatcher | null = null;
  let sshAdapter: SshAdapter | null = null;
  return {
    get mode() {
      return chosen;
    },
    batcher: {
      async batch(direction, objects, signal) {
        await start(signal);
        if (pool) {
          sshBatcher ??= new SshBatcher(pool, tc.refName ?? null);
          return sshBatcher.batch(direction, objects);
        }
        return (http as HttpTransport | null)!.batcher.batch(direction, objects, signal);
      },
    },
    adapterFor(name) {
      if (pool && name === SSH_ADAPTER) return (sshAdapter ??= new SshAdapter(pool));
      if (http) return (http as HttpTransport).adapterFor(name);
      throw new TransferError(`unsupported transfer adapter "${name.slice(0, 40)}" chosen by the server`, { code: 'EADAPTER' });
    },
    async close() {
      closed = true;
      await startP?.catch(() => {});
      const release = letGo as (() => Promise<void>) | null;
      await Promise.all([release?.(), (http as HttpTransport | null)?.close().catch(() => {})]);
    },
  };
}

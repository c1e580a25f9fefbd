/**
 * Build the TransferQueue for an endpoint: the batch step and the adapters it may choose.
 * file:// and local-path endpoints use the standalone file agent (no batch call); a configured
 * standalone custom agent (lfs.standalonetransferagent) runs without a batch call for any URL.
 * HTTP endpoints use the batch API with basic, plus the custom agents configured in git config
 * (offered in the batch request, started only when the server picks one).
 */
import type { SshPoolRegistry } from '../ssh/SshPoolRegistry.js';
import type { CredentialMemory } from '../http/Authenticator.js';
import type { Config } from '../config/Config.js';
import { TslfsError } from '../errors/TslfsError.js';
import type { TransferDirection, TransferListener } from '../events/TransferEvents.js';
import type { Env } from '../git/exec.js';
import { STANDALONE_FILE_AGENT, type Endpoint } from '../http/endpoint.js';
import { createHttpTransport } from '../http/createHttpTransport.js';
import { redactUrl } from '../http/redact.js';
import { join } from 'node:path';
import { queueSettingsFrom } from './backoff.js';
import { advertisedAgents, customAgentSpec, type CustomAgentSpec } from './customAgents.js';
import { CustomAgentAdapter, StandaloneAgentBatcher, type CustomAgentAdapterOptions } from './CustomAgentAdapter.js';
import { StandaloneFileAdapter } from './StandaloneFileAdapter.js';
import { sshTransportFor } from './sshTransport.js';
import { TransferQueue, type QueueStore } from './TransferQueue.js';
import type { Batcher, TransferAdapter } from './types.js';

export interface CreateQueueOptions {
  endpoint: Endpoint;
  direction: TransferDirection;
  config: Config;
  env: Env;
  store: QueueStore;
  onEvent?: TransferListener;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** See TransferQueueOptions.gatherMs. */
  gatherMs?: number;
}

export interface Transport {
  batcher: Batcher;
  adapterFor(name: string): TransferAdapter;
  /** For standalone file remotes: whether the remote has an object (push's "what is missing"). */
  remoteHas?(oid: string, size: number): Promise<boolean>;
  /** Release processes and connections (SSH); called once the queue has finished. */
  close?(): Promise<void>;
}

/** What an HTTP transport needs beyond the endpoint. */
export interface TransportContext {
  config: Config;
  env: Env;
  /** Where git commands (credential helpers) run: the work tree, or the git dir if bare. */
  cwd: string;
  direction: TransferDirection;
  /** The ref sent in batch requests (`ref.name`), if known. */
  refName?: string | null;
  /** Non-fatal notices (e.g. credentials found in a remote URL), for the CLI to print. */
  onWarning?: (message: string) => void;
  /** The store's tmp dir (.git/lfs/tmp): custom agents get a private directory in it. */
  tmpDir?: string;
  /** The run's credential memory, shared by its lock client and transfers (see Authenticator). */
  credentials?: CredentialMemory;
  /** The run's SSH connection pools, shared with its lock client. */
  sshPools?: SshPoolRegistry;
}

/** A CustomAgentAdapter for `spec` in this context. */
function customAdapter(spec: CustomAgentSpec, endpoint: Endpoint, tc: TransportContext, extra: Partial<CustomAgentAdapterOptions> = {}): CustomAgentAdapter {
  return new CustomAgentAdapter({
    spec,
    direction: tc.direction,
    remote: endpoint.remote ?? redactUrl(endpoint.url),
    concurrency: queueSettingsFrom(tc.config).concurrency,
    cwd: tc.cwd,
    env: tc.env,
    tmpRoot: tc.tmpDir ?? join(tc.env['TMPDIR'] || '/tmp', 'tslfs-agents'),
    ...extra,
  });
}

/** Throws a TslfsError when no transport exists for the endpoint. */
export function transportFor(endpoint: Endpoint, tc: TransportContext): Transport {
  const env = tc.env;
  if (!endpoint.url) {
    throw new TslfsError(`No Git LFS endpoint found for remote "${endpoint.remote ?? ''}"`, {
      code: 'ENOENDPOINT',
      hint: 'Add a remote (`git remote add origin <url>`) or set lfs.url.',
    });
  }
  if (endpoint.standaloneAgent === STANDALONE_FILE_AGENT && endpoint.filePath) {
    const a = new StandaloneFileAdapter(endpoint.filePath, env);
    return {
      batcher: a,
      adapterFor: (name) => {
        if (name !== STANDALONE_FILE_AGENT) throw new TslfsError(`unsupported transfer adapter "${name}"`, { code: 'EADAPTER' });
        return a;
      },
      remoteHas: (oid, size) => a.has(oid, size),
    };
  }
  if (endpoint.standaloneAgent) {
    // A standalone agent: no batch call; the agent alone decides where objects go.
    const name = endpoint.standaloneAgent;
    const spec = customAgentSpec(tc.config, name);
    if (!spec && name === STANDALONE_FILE_AGENT) {
      throw new TslfsError(`the ${STANDALONE_FILE_AGENT} transfer agent only serves local paths and file:// URLs, not ${redactUrl(endpoint.url)}`, { code: 'EADAPTER' });
    }
    if (!spec) {
      throw new TslfsError(`standalone transfer agent "${name.slice(0, 80)}" is not configured`, {
        code: 'EADAPTER',
        hint: `Set lfs.customtransfer.${name.slice(0, 80)}.path in your git config (not .lfsconfig), or unset lfs.standalonetransferagent.`,
      });
    }
    const a = customAdapter(spec, endpoint, tc);
    return {
      batcher: new StandaloneAgentBatcher(name),
      adapterFor: (n) => {
        if (n !== name) throw new TslfsError(`unsupported transfer adapter "${n.slice(0, 40)}"`, { code: 'EADAPTER' });
        return a;
      },
    };
  }
  // SSH remotes: git-lfs-transfer, or git-lfs-authenticate + HTTPS (src/transfer/sshTransport.ts).
  if (endpoint.ssh) return sshTransportFor(endpoint, tc);
  if (/^https?:\/\//i.test(endpoint.url)) {
    const remote = endpoint.remote;
    const remoteUrl = remote
      ? (tc.direction === 'upload' ? tc.config.get(`remote.${remote}.pushurl`) : undefined) ?? tc.config.get(`remote.${remote}.url`) ?? null
      : null;
    // Custom agents are offered next to basic; one runs only when the server picks its name.
    const customs = advertisedAgents(tc.config, tc.direction);
    const t = createHttpTransport({
      endpointUrl: endpoint.url,
      transfers: ['basic', ...customs.map((c) => c.name)],
      remoteUrl,
      config: tc.config,
      env,
      cwd: tc.cwd,
      refName: tc.refName ?? null,
      ...(tc.onWarning ? { onWarning: tc.onWarning } : {}),
      ...(tc.credentials ? { credentials: tc.credentials } : {}),
    });
    const agents = new Map<string, CustomAgentAdapter>();
    return {
      batcher: t.batcher,
      adapterFor: (n) => {
        const spec = n === 'basic' ? undefined : customs.find((c) => c.name === n);
        // A name we did not offer (tus, ssh, anything else) is refused: no program is started
        // because a server named it (HS24).
        if (!spec) return t.adapterFor(n);
        let a = agents.get(n);
        if (!a) {
          a = customAdapter(spec, endpoint, tc, { verify: (req, signal) => t.verify(req, signal), onClose: () => t.close() });
          agents.set(n, a);
        }
        return a;
      },
    };
  }
  throw new TslfsError(`no transfer method for the LFS endpoint ${redactUrl(endpoint.url)}`, {
    code: 'ENOTIMPL',
    hint: 'tslfs speaks HTTP(S) LFS servers and local-path or file:// remotes.',
  });
}

export function createTransferQueue(opts: CreateQueueOptions, transport: Transport): TransferQueue {
  const s = queueSettingsFrom(opts.config);
  const q: ConstructorParameters<typeof TransferQueue>[0] = {
    direction: opts.direction,
    batcher: transport.batcher,
    adapterFor: (n) => transport.adapterFor(n),
    store: opts.store,
    batchSize: s.batchSize,
    concurrency: s.concurrency,
    maxRetries: s.maxRetries,
    maxRetryDelayMs: s.maxRetryDelayMs,
  };
  if (opts.onEvent) q.onEvent = opts.onEvent;
  if (opts.signal) q.signal = opts.signal;
  if (opts.sleep) q.sleep = opts.sleep;
  if (opts.gatherMs) q.gatherMs = opts.gatherMs;
  const close = transport.close;
  return close ? new ClosingTransferQueue(q, close) : new TransferQueue(q);
}

/** A queue whose finish() also closes the transport (SSH connections), once. */
class ClosingTransferQueue extends TransferQueue {
  private closeP: Promise<void> | null = null;
  constructor(
    opts: ConstructorParameters<typeof TransferQueue>[0],
    private readonly closeTransport: () => Promise<void>,
  ) {
    super(opts);
  }
  override async finish(): ReturnType<TransferQueue['finish']> {
    try {
      return await super.finish();
    } finally {
      this.closeP ??= this.closeTransport().catch(() => {});
      await this.closeP;
    }
  }
}

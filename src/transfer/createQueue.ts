/**
 * Build the TransferQueue for an endpoint: the batch step and the adapters it may choose.
 * file:// and local-path endpoints use the standalone file agent (no batch call). HTTP
 * endpoints (the basic adapter) and custom standalone agents plug in here.
 */
import type { Config } from '../config/Config.js';
import { TslfsError } from '../errors/TslfsError.js';
import type { TransferDirection, TransferListener } from '../events/TransferEvents.js';
import type { Env } from '../git/exec.js';
import { STANDALONE_FILE_AGENT, type Endpoint } from '../http/endpoint.js';
import { createHttpTransport } from '../http/createHttpTransport.js';
import { queueSettingsFrom } from './backoff.js';
import { StandaloneFileAdapter } from './StandaloneFileAdapter.js';
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
}

export interface Transport {
  batcher: Batcher;
  adapterFor(name: string): TransferAdapter;
  /** For standalone file remotes: whether the remote has an object (push's "what is missing"). */
  remoteHas?(oid: string, size: number): Promise<boolean>;
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
    throw new TslfsError(`standalone transfer agent "${endpoint.standaloneAgent}" is not supported yet`, { code: 'EADAPTER' });
  }
  if (/^https?:\/\//i.test(endpoint.url)) {
    const remote = endpoint.remote;
    const remoteUrl = remote
      ? (tc.direction === 'upload' ? tc.config.get(`remote.${remote}.pushurl`) : undefined) ?? tc.config.get(`remote.${remote}.url`) ?? null
      : null;
    const t = createHttpTransport({
      endpointUrl: endpoint.url,
      remoteUrl,
      config: tc.config,
      env,
      cwd: tc.cwd,
      refName: tc.refName ?? null,
      ...(tc.onWarning ? { onWarning: tc.onWarning } : {}),
    });
    return { batcher: t.batcher, adapterFor: (n) => t.adapterFor(n) };
  }
  throw new TslfsError(`no transfer method for the LFS endpoint ${redactUrl(endpoint.url)}`, {
    code: 'ENOTIMPL',
    hint: 'tslfs speaks HTTP(S) LFS servers and local-path or file:// remotes.',
  });
}

/** The URL without any user:password part (for messages). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
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
  return new TransferQueue(q);
}

/**
 * Everything the transfer queue needs for an HTTP(S) LFS endpoint, built from one HttpClient
 * (one undici Agent per run), one Authenticator (one credential cache per run), the batch client
 * and the basic adapter. The result matches src/transfer's `Transport` structurally:
 *   { batcher: { batch(...) }, adapterFor(name), close() }
 *
 * Importing this module does not load undici: HttpClient imports it on the first request, so a
 * filter process that never downloads never pays for it.
 */
import type { Config } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { Authenticator, type CredentialMemory } from './Authenticator.js';
import { BasicAdapter } from './basicAdapter.js';
import { BatchClient } from './batchClient.js';
import { CredentialHelper, type CredentialQuery, type Credentials } from './credentials.js';
import { applyUrlAliases } from './endpoint.js';
import { HttpClient } from './HttpClient.js';
import type { KeyPassphraseSource } from './tlsOptions.js';
import type { Direction, HttpAdapterRequest, HttpBatchReply, HttpByteSink, HttpTransferItem } from './types.js';

export interface HttpTransportOptions {
  /** The LFS API base URL E (http or https; may carry user:password). */
  endpointUrl: string;
  /** The git remote URL, for credential lookups (may be null). */
  remoteUrl?: string | null;
  config: Config;
  env: Env;
  /** The repository directory (git credential runs there; lfs.<url>.access is written there). */
  cwd: string;
  /** Ref name sent with batch requests (e.g. refs/heads/main). */
  refName?: string | null;
  /** Warnings for the user (e.g. credentials in the remote URL); default: dropped. */
  onWarning?: (message: string) => void;
  /** Injected client (tests). */
  client?: HttpClient;
  /** Adapter names offered in batch requests (default ["basic"]; custom agents add theirs). */
  transfers?: string[];
  /** Extra API request headers, asked for per request (SSH git-lfs-authenticate's header). */
  apiHeaders?: () => Promise<Record<string, string>>;
  /** The run's credential memory, shared with its other clients (see Authenticator). */
  credentials?: CredentialMemory;
}

export interface HttpTransport {
  batcher: { batch(direction: Direction, objects: readonly HttpTransferItem[], signal?: AbortSignal): Promise<HttpBatchReply> };
  adapterFor(name: string): HttpTransferAdapter;
  /** Call an upload's verify action (after a custom agent's upload); no-op without one. */
  verify(req: HttpAdapterRequest, signal?: AbortSignal): Promise<void>;
  /** Close the HTTP connections. Idempotent. */
  close(): Promise<void>;
}

export interface HttpTransferAdapter {
  readonly name: string;
  download(req: HttpAdapterRequest, out: HttpByteSink, onProgress: (n: number) => void, signal?: AbortSignal): Promise<void>;
  upload(req: HttpAdapterRequest, localPath: string, onProgress: (n: number) => void, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/**
 * One HttpClient (`connections` per origin; client-certificate passphrases from the credential
 * helper) and one Authenticator for an LFS endpoint: what every HTTP conversation with it (batch,
 * transfers, locks) is built on. `opts.client` is used when given (tests).
 */
export function createAuthenticatedClient(
  opts: Pick<HttpTransportOptions, 'endpointUrl' | 'remoteUrl' | 'config' | 'env' | 'cwd' | 'onWarning' | 'client' | 'credentials'>,
  connections: number,
): { client: HttpClient; auth: Authenticator } {
  const helper = new CredentialHelper({ config: opts.config, env: opts.env, cwd: opts.cwd });
  const client = opts.client ?? new HttpClient({ config: opts.config, env: opts.env, connections, keyPassphrase: certPassphrases(helper) });
  const auth = new Authenticator({
    client,
    helper,
    config: opts.config,
    env: opts.env,
    cwd: opts.cwd,
    endpointUrl: opts.endpointUrl,
    remoteUrl: opts.remoteUrl ?? null,
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    ...(opts.credentials ? { memory: opts.credentials } : {}),
  });
  return { client, auth };
}

export function createHttpTransport(opts: HttpTransportOptions): HttpTransport {
  const concurrency = opts.config.getInt('lfs.concurrenttransfers', 8);
  const { client, auth } = createAuthenticatedClient(opts, concurrency < 1 ? 8 : concurrency);
  const batch = new BatchClient({ auth, config: opts.config, refName: opts.refName ?? null, ...(opts.transfers ? { transfers: opts.transfers } : {}), ...(opts.apiHeaders ? { apiHeaders: opts.apiHeaders } : {}) });
  const rewrite = opts.config.getBool('lfs.transfer.enablehrefrewrite', false);
  const basic = new BasicAdapter({ auth, config: opts.config });
  const adapter: HttpTransferAdapter = {
    name: 'basic',
    download: (req, out, onProgress, signal) => basic.download(rewrite ? rewriteReq(opts.config, req) : req, out, onProgress, signal),
    upload: (req, p, onProgress, signal) => basic.upload(rewrite ? rewriteReq(opts.config, req) : req, p, onProgress, signal),
    close: () => client.close(),
  };
  return {
    batcher: { batch: (direction, objects, signal) => batch.batch(direction, objects, signal) },
    adapterFor(name: string) {
      if (name !== 'basic') throw new TransferError(`unsupported transfer adapter "${name.slice(0, 40)}" chosen by the server`, { code: 'EADAPTER' });
      return adapter;
    },
    verify: async (req, signal) => {
      const r = rewrite ? rewriteReq(opts.config, req) : req;
      if (r.verify) await basic.verify(r, r.verify, signal);
    },
    close: () => client.close(),
  };
}

/**
 * Passphrases of encrypted client keys from `git credential`, asked as git-lfs 3.3.0 asks
 * (checked with a logging helper): protocol=cert, host= (empty), path=<the key path as
 * configured>, username= (empty). Approved when the key decrypts, rejected when it does not, as
 * git does for its own cert passphrases.
 */
function certPassphrases(helper: CredentialHelper): KeyPassphraseSource {
  const query = (keyPath: string): CredentialQuery => ({ protocol: 'cert', host: '', path: keyPath.replace(/\\/g, '/'), username: '' });
  return {
    async get(keyPath) {
      const c = await helper.fill(query(keyPath));
      return c && c.password ? c.password : null;
    },
    async report(keyPath, passphrase, ok) {
      const c: Credentials = { username: '', password: passphrase, source: 'helper' };
      await (ok ? helper.approve(query(keyPath), c) : helper.reject(query(keyPath), c));
    },
  };
}

/** lfs.transfer.enablehrefrewrite: apply url.<base>.insteadOf (pushInsteadOf for uploads) to hrefs. */
function rewriteReq(config: Config, req: HttpAdapterRequest): HttpAdapterRequest {
  const op = req.direction;
  const fix = <T extends { href: string } | null | undefined>(a: T): T => (a ? { ...a, href: applyUrlAliases(config, a.href, op) } : a);
  return { ...req, action: fix(req.action), verify: fix(req.verify) };
}

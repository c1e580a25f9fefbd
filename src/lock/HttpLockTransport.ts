/**
 * The locking API over HTTP (git-lfs docs/api/locking.md), on one HttpClient and Authenticator
 * (credentials, lfs.<url>.access, cookies, TLS, proxies and redirects exactly as batch requests):
 *   create  POST <E>/locks                 {"path", "ref": {"name"}}  -> 201 {lock}; 409 {lock, message}
 *   list    GET  <E>/locks?cursor&id&limit&path&refspec (keys sorted, as git-lfs sends them)
 *   verify  POST <E>/locks/verify          {"ref": {"name"}, "cursor", "limit"} -> {ours, theirs, next_cursor}
 *   unlock  POST <E>/locks/<id>/unlock     {"force", "ref": {"name"}} -> {lock}
 * Replies are read with a size cap and validated (lockReply.ts). A non-2xx status throws a
 * TransferError carrying `status` and the server's message (or git-lfs's canned text); 409 on
 * create throws LockConflictError. A 2xx reply with a `message` and no lock is an error too.
 * `apiHeaders` (SSH git-lfs-authenticate's header) is asked for before each request.
 */
import type { CredentialMemory } from '../http/Authenticator.js';
import type { Config } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { Authenticator } from '../http/Authenticator.js';
import { LFS_MEDIA_TYPE } from '../http/batchClient.js';
import { createAuthenticatedClient } from '../http/createHttpTransport.js';
import { HttpClient, type HttpMethod } from '../http/HttpClient.js';
import { HttpNetworkError, statusMessage } from '../http/httpErrors.js';
import { MAX_JSON_BYTES, readErrorBody, readTextCapped } from '../http/readBody.js';
import { redactUrl, scrubSecrets } from '../http/redact.js';
import { LockConflictError } from './lockErrors.js';
import { LockReplyError, lockIdSegment, parseListBody, parseLockBody, parseVerifyBody } from './lockReply.js';
import type { Lock, LockListQuery, LockPage, LockTransport, VerifyPage } from './types.js';

export interface HttpLockTransportOptions {
  /** The LFS API base URL E (may carry user:password). */
  endpointUrl: string;
  /** The git remote URL, for credential lookups. */
  remoteUrl?: string | null;
  config: Config;
  env: Env;
  /** Where git credential runs and lfs.<url>.access is written. */
  cwd: string;
  onWarning?: (message: string) => void;
  apiHeaders?: () => Promise<Record<string, string>>;
  /** Injected client (tests). */
  client?: HttpClient;
  /** The run's credential memory, shared by its lock client and transfers (see Authenticator). */
  credentials?: CredentialMemory;
}

interface Reply {
  status: number;
  body: unknown;
  url: string;
}

export class HttpLockTransport implements LockTransport {
  private readonly client: HttpClient;
  private readonly auth: Authenticator;

  constructor(private readonly opts: HttpLockTransportOptions) {
    ({ client: this.client, auth: this.auth } = createAuthenticatedClient(opts, 2));
  }

  /** The API base URL without credentials. */
  get endpoint(): string {
    return this.auth.endpoint;
  }

  private scrub<E>(e: E): E {
    if (e instanceof TransferError) {
      const m = scrubSecrets(e.message, this.auth.secrets);
      if (m !== e.message) Object.defineProperty(e, 'message', { value: m });
    }
    return e;
  }

  /** One request; the body of any status is returned parsed (JSON) or undefined. */
  private async call(method: HttpMethod, path: string, payload?: unknown): Promise<Reply> {
    const url = `${this.auth.endpoint}/${path}`;
    const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload), 'utf8');
    const safe: Record<string, string> = { accept: LFS_MEDIA_TYPE };
    if (body) Object.assign(safe, { 'content-type': LFS_MEDIA_TYPE, 'content-length': String(body.length) });
    let res;
    try {
      const extra = this.opts.apiHeaders ? await this.opts.apiHeaders() : undefined;
      res = await this.auth.send(
        { method, url, ...(extra && Object.keys(extra).length ? { headers: { ...extra } } : {}), safeHeaders: safe, ...(body ? { body: () => body } : {}) },
        'api',
      );
    } catch (e) {
      throw this.scrub(e);
    }
    if (res.status < 200 || res.status > 299) return { status: res.status, body: await readErrorBody(res.body), url };
    let text: string;
    try {
      text = await readTextCapped(res.body, MAX_JSON_BYTES, 'lock response');
    } catch (e) {
      if (e instanceof TransferError) throw e;
      throw new HttpNetworkError(`${method} ${redactUrl(url)}`, e);
    }
    try {
      return { status: res.status, body: JSON.parse(text.replace(/^\uFEFF/, '')), url };
    } catch {
      throw new LockReplyError(`invalid JSON from ${redactUrl(url)}`);
    }
  }

  /** The server's `message` alone (git-lfs keeps documentation_url and request_id for traces). */
  private text(r: Reply): string {
    const m = (r.body as { message?: unknown } | null | undefined)?.message;
    return statusMessage(r.status, redactUrl(r.url), typeof m === 'string' ? { message: m } : undefined);
  }

  private failure(r: Reply): TransferError {
    return this.scrub(new TransferError(this.text(r), { status: r.status, code: 'ELOCKAPI' }));
  }

  /** A 2xx body that only carries a `message` (some servers report errors that way). */
  private messageOnly(r: Reply): TransferError | null {
    const m = (r.body as { message?: unknown } | null)?.message;
    return typeof m === 'string' && m.trim() ? this.failure({ ...r, status: r.status }) : null;
  }

  async create(path: string, refName: string | null): Promise<Lock> {
    const r = await this.call('POST', 'locks', { path, ...(refName ? { ref: { name: refName } } : {}) });
    if (r.status === 409) {
      let existing: Lock | null = null;
      try {
        existing = r.body ? parseLockBody(r.body) : null;
      } catch {
        existing = null;
      }
      const m = (r.body as { message?: unknown } | undefined)?.message;
      throw new LockConflictError(typeof m === 'string' && m.trim() ? this.text(r) : 'lock already created', existing);
    }
    if (r.status < 200 || r.status > 299) throw this.failure(r);
    const lock = parseLockBody(r.body);
    if (!lock) throw this.messageOnly(r) ?? new LockReplyError('no lock in the reply');
    return lock;
  }

  async list(q: LockListQuery): Promise<LockPage> {
    const params = new URLSearchParams();
    if (q.cursor) params.set('cursor', q.cursor);
    if (q.id) params.set('id', q.id);
    if (q.limit && q.limit > 0) params.set('limit', String(q.limit));
    if (q.path) params.set('path', q.path);
    if (q.refspec) params.set('refspec', q.refspec);
    const qs = params.toString();
    const r = await this.call('GET', `locks${qs ? `?${qs}` : ''}`);
    if (r.status < 200 || r.status > 299) throw this.failure(r);
    const err = (r.body as { locks?: unknown } | null)?.locks === undefined ? this.messageOnly(r) : null;
    if (err) throw err;
    return parseListBody(r.body);
  }

  async verify(refName: string | null, cursor: string | undefined, limit: number | undefined): Promise<VerifyPage> {
    const payload: Record<string, unknown> = {};
    if (refName) payload['ref'] = { name: refName };
    if (cursor) payload['cursor'] = cursor;
    if (limit && limit > 0) payload['limit'] = limit;
    const r = await this.call('POST', 'locks/verify', payload);
    if (r.status < 200 || r.status > 299) throw this.failure(r);
    const b = r.body as { ours?: unknown; theirs?: unknown } | null;
    const err = b && b.ours === undefined && b.theirs === undefined ? this.messageOnly(r) : null;
    if (err) throw err;
    return parseVerifyBody(r.body);
  }

  async unlock(id: string, force: boolean, refName: string | null): Promise<Lock | null> {
    const r = await this.call('POST', `locks/${lockIdSegment(id)}/unlock`, { force, ...(refName ? { ref: { name: refName } } : {}) });
    if (r.status < 200 || r.status > 299) throw this.failure(r);
    const lock = parseLockBody(r.body);
    if (!lock) {
      const err = this.messageOnly(r);
      if (err) throw err;
    }
    return lock;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}

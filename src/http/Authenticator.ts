/**
 * Authentication for LFS HTTP requests, as git-lfs does it (reference 4.2), over HttpClient.
 *
 * Sources, in order: an Authorization header the caller already has (action headers) or an
 * object marked `authenticated: true`: nothing is added. Credentials in the LFS URL (or in the
 * git remote URL when scheme and host match the LFS URL's). Credentials already obtained for the
 * same protocol+host(+path) in this run. ~/.netrc (matching machine only). `git credential fill`.
 *
 * Access mode: `lfs.<url>.access=basic` sends API credentials up front; otherwise the first
 * request is anonymous and credentials are obtained after a 401 (using the challenge headers).
 * After a 2xx with helper credentials they are approved; after a 401 they are rejected and new
 * ones asked for: at most MAX_FILLS helper/netrc lookups per host per run (HS22), then "too many
 * authentication attempts". A successful 401 retry on the API writes `lfs.<url>.access=basic` to
 * the local git config, so the next run sends credentials at once.
 *
 * Which URL the helper hears about: a storage URL on another host than the API: that URL (so API
 * credentials never go to another host, CR2); otherwise the git remote URL when it has the LFS
 * URL's scheme and host, else the LFS URL.
 *
 * Multistage (git >= 2.46 helpers): credentials marked `continue=1` are a non-final step; after
 * the next 401 the helper is asked again with its `state[]` and the new challenges, without
 * rejecting anything, at most MAX_STAGES times in a row. Askpass and GIT_TERMINAL_PROMPT=0 are
 * handled by CredentialHelper.fillForRequest. Cookies from http.cookieFile go with every request
 * (to the first origin only: a cross-origin redirect drops them with the other secret headers).
 *
 * Safe for concurrent requests: concurrent 401s on one host share one credential lookup.
 */
import { parseGitBool, type Config } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import { git, type Env } from '../git/exec.js';
import { authorizationFor, credentialQueryFor, percentDecode, type CredentialHelper, type CredentialQuery, type Credentials } from './credentials.js';
import { discardBody, type HttpClient, type HttpRequest, type HttpResponse } from './HttpClient.js';
import { statusMessage } from './httpErrors.js';
import { cookieHeaderFor, loadCookieFile, type Cookie } from './cookies.js';
import { netrcCredentials } from './netrc.js';
import { redactUrl } from './redact.js';
import { urlConfigValue } from './urlMatch.js';

/** Credential lookups (netrc or helper) per host and run. */
export const MAX_FILLS = 3;
/** Consecutive `continue=1` steps of one multistage exchange. */
export const MAX_STAGES = 4;

export type AuthKind = 'api' | 'storage';

export interface AuthenticatorOptions {
  client: HttpClient;
  helper: CredentialHelper;
  config: Config;
  env: Env;
  /** Repository directory (for `git config --local`); null: never write config. */
  cwd: string | null;
  /** The LFS API base URL E (may carry user:password). */
  endpointUrl: string;
  /** The git remote's URL, if known (may carry user:password). */
  remoteUrl?: string | null;
  onWarning?: (message: string) => void;
  /** Shared with the run's other Authenticators (default: this one's own). */
  memory?: CredentialMemory;
}

interface CacheEntry {
  promise: Promise<Credentials | null>;
  value?: Credentials | null;
}

/**
 * What a run remembers about credentials: lookups done or under way per protocol+host(+path),
 * lookups counted against MAX_FILLS, hosts whose netrc was read, credentials approved, and the
 * secrets to scrub from messages. Authenticators of one run (the lock client's and the
 * transfers', of one command) share one, so a host's credentials are asked for once. Its
 * lifetime is a run: a long-lived process makes one per command, never one for good.
 */
export class CredentialMemory {
  readonly cache = new Map<string, CacheEntry>();
  readonly fills = new Map<string, number>();
  readonly netrcTried = new Set<string>();
  readonly approved = new Set<string>();
  readonly secrets: string[] = [];
}

function urlOrNull(s: string | null | undefined): URL | null {
  if (!s) return null;
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** The URL without password, query and fragment (a user name stays: the helper may use it). */
function withoutUserinfo(u: URL): string {
  const c = new URL(u.toString());
  c.password = '';
  c.search = '';
  c.hash = '';
  return c.toString();
}

function hasHeader(h: Record<string, string> | undefined, name: string): boolean {
  return !!h && Object.keys(h).some((k) => k.toLowerCase() === name);
}

function challenges(res: HttpResponse): string[] {
  const out: string[] = [];
  for (const name of ['lfs-authenticate', 'www-authenticate']) {
    const v = res.headers[name];
    if (Array.isArray(v)) out.push(...v);
    else if (typeof v === 'string') out.push(v);
  }
  return out.slice(0, 16).map((s) => s.slice(0, 1024));
}

export class Authenticator {
  private readonly api: URL;
  private readonly apiUrl: string;
  private readonly remote: URL | null;
  private readonly urlCreds: Credentials | null;
  private readonly cache: Map<string, CacheEntry>;
  private readonly fills: Map<string, number>;
  private readonly netrcTried: Set<string>;
  private readonly approved: Set<string>;
  private accessWritten = false;
  private readonly cookieFiles = new Map<string, Promise<Cookie[]>>();
  /** Secrets seen this run, scrubbed from messages as a last line of defence. */
  readonly secrets: string[];

  constructor(private readonly opts: AuthenticatorOptions) {
    ({ cache: this.cache, fills: this.fills, netrcTried: this.netrcTried, approved: this.approved, secrets: this.secrets } = opts.memory ?? new CredentialMemory());
    const api = urlOrNull(opts.endpointUrl);
    if (!api) throw new TransferError(`invalid LFS URL: ${redactUrl(opts.endpointUrl)}`, { code: 'EBADURL' });
    this.api = api;
    const bare = new URL(withoutUserinfo(api));
    bare.username = '';
    this.apiUrl = bare.toString().replace(/\/$/, '');
    const remote = urlOrNull(opts.remoteUrl);
    this.remote = remote && remote.protocol === api.protocol && remote.host === api.host ? remote : null;
    let creds: Credentials | null = null;
    if (api.password) {
      creds = { username: percentDecode(api.username), password: percentDecode(api.password), source: 'url' };
    } else if (this.remote?.password) {
      creds = { username: percentDecode(this.remote.username), password: percentDecode(this.remote.password), source: 'url' };
      opts.onWarning?.('warning: current Git remote contains credentials');
    }
    if (creds) this.secrets.push(creds.password);
    this.urlCreds = creds;
  }

  /** The LFS API URL without credentials. */
  get endpoint(): string {
    return this.apiUrl;
  }

  private accessBasic(): boolean {
    const v = urlConfigValue(this.opts.config, 'lfs', 'access', this.apiUrl)?.toLowerCase();
    return v === 'basic' || v === 'private';
  }

  /** The URL the credential helper is asked about for a request to `url`. */
  helperUrlFor(url: string): string {
    const u = new URL(url);
    if (u.host !== this.api.host || u.protocol !== this.api.protocol) return withoutUserinfo(u);
    if (this.remote) return withoutUserinfo(this.remote);
    return withoutUserinfo(this.api);
  }

  private keyOf(q: CredentialQuery): string {
    return `${q.protocol}://${q.host}/${q.path ?? ''}`;
  }

  /**
   * Send `req` with credentials as needed. Resolves with the response (never a 401: that
   * becomes a TransferError with status 401). `authenticated` (a batch object's flag) sends
   * storage requests without any credentials.
   */
  async send(req: HttpRequest, kind: AuthKind, authenticated = false): Promise<HttpResponse> {
    const { client } = this.opts;
    if (hasHeader(req.headers, 'authorization') || (kind === 'storage' && authenticated)) {
      const res = await client.request({ ...req, headers: await this.withCookies(req.url, { ...(req.headers ?? {}) }) });
      if (res.status === 401) {
        await discardBody(res);
        // A storage token from the batch reply may have expired: a new batch may help.
        throw this.authError(req.url, 'Authorization error', kind === 'storage');
      }
      return res;
    }
    const target = this.helperUrlFor(req.url);
    const sameHostAsApi = new URL(target).host === this.api.host;
    let query = credentialQueryFor(this.opts.config, target);
    const key = this.keyOf(query);
    let creds: Credentials | null = null;
    if (this.urlCreds && sameHostAsApi) creds = this.urlCreds;
    else {
      const cached = this.cache.get(key);
      if (cached) creds = await cached.promise;
      else if (kind === 'api' && sameHostAsApi && this.accessBasic()) creds = await this.obtain(key, query, target);
    }
    let attempts = 0;
    let stages = 0;
    for (;;) {
      const headers = await this.withCookies(req.url, { ...(req.headers ?? {}) });
      if (creds) headers['authorization'] = authorizationFor(creds);
      const res = await client.request({ ...req, headers });
      if (res.status !== 401) {
        if (creds && res.status >= 200 && res.status < 300) await this.succeeded(kind, key, query, creds);
        return res;
      }
      const wwwauth = challenges(res);
      await discardBody(res);
      if (creds?.source === 'url') throw this.authError(req.url, 'Authorization error');
      if (creds?.continue) {
        // The next step of a multistage exchange: the helper gets its state and the new challenge.
        if (++stages > MAX_STAGES) throw this.authError(req.url, 'too many authentication rounds');
        query = { ...credentialQueryFor(this.opts.config, target, wwwauth), ...(creds.state?.length ? { state: creds.state } : {}) };
        const step = await this.opts.helper.fillForRequest(query, target);
        if (!step) throw this.authError(req.url, 'Authentication required');
        if (step.source !== 'url') this.secrets.push(step.password, step.credential ?? '');
        creds = step;
        continue;
      }
      stages = 0;
      if (creds) await this.failed(key, query, creds);
      if (++attempts > MAX_FILLS) throw this.authError(req.url, 'too many authentication attempts');
      query = credentialQueryFor(this.opts.config, target, wwwauth);
      const next = await this.obtain(key, query, target, creds);
      if (!next) {
        if ((this.fills.get(key) ?? 0) >= MAX_FILLS) throw this.authError(req.url, 'too many authentication attempts');
        throw this.authError(req.url, 'Authentication required');
      }
      creds = next;
    }
  }

  /** `headers` plus a Cookie header from http.cookieFile for `url`, when one applies. */
  private async withCookies(url: string, headers: Record<string, string>): Promise<Record<string, string>> {
    const file = urlConfigValue(this.opts.config, 'http', 'cookiefile', url);
    if (!file || hasHeader(headers, 'cookie')) return headers;
    let p = this.cookieFiles.get(file);
    if (!p) {
      p = loadCookieFile(file, this.opts.env, this.opts.cwd ?? '/');
      this.cookieFiles.set(file, p);
    }
    const cookie = cookieHeaderFor(await p, url);
    if (cookie) headers['cookie'] = cookie;
    return headers;
  }

  private authError(url: string, what: string, retriable = false): TransferError {
    const shown = redactUrl(url);
    const msg = what === 'Authorization error' ? statusMessage(401, shown) : `${what}: ${statusMessage(401, shown)}`;
    const noPrompt = parseGitBool(this.opts.env['GIT_TERMINAL_PROMPT']) === false;
    return new TransferError(msg, {
      status: 401,
      code: 'EAUTH',
      retriable,
      ...(noPrompt ? { hint: 'GIT_TERMINAL_PROMPT=0 disables the credential prompt: configure a credential helper (credential.helper) or allow the prompt.' } : {}),
    });
  }

  /**
   * Credentials for `key`: a lookup already under way or done (unless it produced `failed`),
   * else netrc (once per host), else `git credential fill`. At most MAX_FILLS lookups per key.
   */
  private obtain(key: string, query: CredentialQuery, url: string, failed: Credentials | null = null): Promise<Credentials | null> {
    const cached = this.cache.get(key);
    if (cached && (cached.value === undefined || (cached.value !== null && cached.value !== failed))) return cached.promise;
    const n = this.fills.get(key) ?? 0;
    if (n >= MAX_FILLS) return Promise.resolve(null);
    this.fills.set(key, n + 1);
    const entry: CacheEntry = { promise: Promise.resolve(null) };
    entry.promise = (async () => {
      let c: Credentials | null = null;
      if (!this.netrcTried.has(key)) {
        this.netrcTried.add(key);
        const hostname = query.host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
        const n = await netrcCredentials(this.opts.env, hostname);
        if (n) c = { ...n, source: 'netrc' };
      }
      c ??= await this.opts.helper.fillForRequest(query, url);
      if (c) this.secrets.push(c.password, c.credential ?? '');
      entry.value = c;
      return c;
    })();
    entry.promise.catch(() => this.cache.delete(key));
    this.cache.set(key, entry);
    return entry.promise;
  }

  private async failed(key: string, query: CredentialQuery, creds: Credentials): Promise<void> {
    const cached = this.cache.get(key);
    if (cached?.value === creds) this.cache.delete(key);
    this.approved.delete(key);
    await this.opts.helper.reject(query, creds);
  }

  private async succeeded(kind: AuthKind, key: string, query: CredentialQuery, creds: Credentials): Promise<void> {
    if (!this.approved.has(key)) {
      this.approved.add(key);
      await this.opts.helper.approve(query, creds);
    }
    if (kind === 'api' && creds.source !== 'url' && !this.accessWritten && !this.accessBasic() && this.opts.cwd) {
      this.accessWritten = true;
      await git(['config', '--local', `lfs.${this.apiUrl}.access`, 'basic'], { cwd: this.opts.cwd, env: this.opts.env, allowFailure: true }).catch(() => {});
    }
  }
}

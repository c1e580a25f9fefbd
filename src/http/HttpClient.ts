/**
 * The one HTTP client of a run: an undici Agent (keep-alive pooling, at most
 * `lfs.concurrenttransfers` connections per origin, TLS settings, dial and activity timeouts),
 * extra headers from `http.extraHeader` / `http.<url>.extraHeader`, the User-Agent, and
 * redirects followed by hand the way git-lfs does:
 *   301/302/303/307/308, at most 3 hops ("too many redirects"); the method and body are kept;
 *   a relative Location is resolved against the request URL; a Location with CR/LF, a non-http(s)
 *   target or https->http ("refusing insecure redirect") is refused; when the origin (scheme,
 *   host, port) changes, every header that could carry a secret is dropped: Authorization,
 *   Cookie, Proxy-Authorization, the caller's `headers` (action headers, credentials) and the
 *   configured extra headers. Only `safeHeaders` (Accept, Content-Type, Content-Length, Range)
 *   and the User-Agent follow.
 * Proxies: see proxy.ts (http.proxy, http.<url>.proxy, HTTP(S)_PROXY, NO_PROXY). A proxied
 * request uses an undici ProxyAgent: https targets through a CONNECT tunnel (TLS checked end to
 * end against the target's settings), http targets as absolute-URI requests (no CONNECT, which
 * proxies such as tinyproxy refuse for non-443 ports and which would hide the object GETs from a
 * caching proxy such as Dragonfly's dfdaemon). Proxy credentials come only from the proxy URL and
 * travel only in Proxy-Authorization to the proxy; a Proxy-Authorization header from anywhere
 * else (action headers, http.extraHeader) is dropped, so none can reach an origin (CR11).
 * TLS: see tlsOptions.ts (per-origin trust, verification and client certificates); one
 * dispatcher per (proxy, https origin), created on first use.
 *
 * undici is imported lazily on the first request (it costs ~50 ms to load), so importing this
 * module is cheap. Bodies are streamed: a request body is given as a factory so a redirect can
 * send it again; a response body is an undici Readable the caller must consume or dump.
 *
 * Concurrency: safe for any number of concurrent requests. Throws HttpNetworkError when no
 * response arrives, TransferError for refused redirects. Never logs.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { versionString } from '../version.js';
import { HttpNetworkError, networkCode } from './httpErrors.js';
import { proxyCredentials, proxyFor } from './proxy.js';
import { redactUrl, SECRET_HEADERS } from './redact.js';
import { loadTlsOptions, tlsSettingsFor, type KeyPassphraseSource, type TlsConnectOptions } from './tlsOptions.js';
import { urlConfigValue, urlConfigValues } from './urlMatch.js';

type Undici = typeof import('undici');
type Dispatcher = import('undici').Dispatcher;

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'HEAD';

export type BodySource = Buffer | string | Readable;

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  /** Headers that may carry secrets (credentials, action headers): sent to the first origin only. */
  headers?: Record<string, string>;
  /** Headers that follow redirects to any origin (Accept, Content-Type, Content-Length, Range). */
  safeHeaders?: Record<string, string>;
  /** Called once per hop to produce the body (a fresh stream each time). */
  body?: () => BodySource;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The response body stream; consume it, or call dump(). */
  body: Readable & { dump?(opts?: { limit: number }): Promise<void> };
  /** The URL that produced this response (after redirects). */
  url: string;
}

export interface HttpClientOptions {
  config: Config;
  env: Env;
  /** Max connections per origin (lfs.concurrenttransfers; default 8). */
  connections?: number;
  userAgent?: string;
  /** Test hook: load undici another way. */
  loadUndici?: () => Promise<Undici>;
  /** Passphrases for encrypted client keys (http.sslKey); without it such keys fail clearly. */
  keyPassphrase?: KeyPassphraseSource;
}

export const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function seconds(config: Config, key: string, dflt: number): number {
  return config.getInt(key, dflt);
}

function originOf(u: URL): string {
  return `${u.protocol}//${u.host}`;
}

/** Discard a response body without reading it all (bounded). */
export async function discardBody(res: HttpResponse): Promise<void> {
  try {
    if (res.body.dump) await res.body.dump({ limit: 64 * 1024 });
    else res.body.destroy();
  } catch {
    res.body.destroy();
  }
}

export class HttpClient {
  private undiciP: Promise<Undici> | null = null;
  private closed = false;
  /** Agents and ProxyAgents by "<proxy or direct> <https origin or plain>", created on first use. */
  private readonly dispatchers = new Map<string, Promise<Dispatcher>>();
  /** TLS options by https origin (files read, key decrypted once per run). */
  private readonly tls = new Map<string, Promise<TlsConnectOptions>>();
  /** Origins that sent a response in this run. */
  private readonly answered = new Set<string>();
  readonly userAgent: string;

  constructor(private readonly opts: HttpClientOptions) {
    this.userAgent = opts.userAgent ?? versionString();
  }

  private load(): Promise<Undici> {
    // undici is CommonJS: bundled by esbuild, a dynamic import yields its exports on `default`.
    this.undiciP ??= this.opts.loadUndici
      ? this.opts.loadUndici()
      : import('undici').then((m) => ((m as { Agent?: unknown }).Agent ? m : (m as unknown as { default: Undici }).default));
    return this.undiciP;
  }

  /** The TLS options for an https origin (memoised; a failure is kept and thrown again). */
  private tlsFor(origin: string): Promise<TlsConnectOptions> {
    let p = this.tls.get(origin);
    if (!p) {
      p = loadTlsOptions(tlsSettingsFor(this.opts.config, this.opts.env, origin), this.opts.keyPassphrase);
      p.catch(() => {});
      this.tls.set(origin, p);
    }
    return p;
  }

  /**
   * The dispatcher for a URL and the proxy it goes through (null: direct): an Agent, or a
   * ProxyAgent (https targets tunnelled with CONNECT; http targets sent to the proxy as
   * absolute-URI requests). Throws EPROXY for an unusable proxy setting, ETLSCONFIG for
   * unusable TLS files.
   */
  private async dispatcherFor(undici: Undici, url: URL): Promise<{ dispatcher: Dispatcher; proxy: string | null }> {
    const proxy = proxyFor(this.opts.config, this.opts.env, url);
    const https = url.protocol === 'https:';
    const key = `${proxy ?? 'direct'} ${https ? originOf(url) : 'plain'}`;
    let d = this.dispatchers.get(key);
    if (!d) {
      d = (async (): Promise<Dispatcher> => {
        const tls = https ? await this.tlsFor(originOf(url)) : {};
        const base = this.agentOptions();
        const connect = { ...(base.connect as Record<string, unknown>), ...tls };
        if (!proxy) return new undici.Agent({ ...base, connect });
        const { uri, authorization } = proxyCredentials(proxy);
        return new undici.ProxyAgent({
          ...base,
          uri,
          ...(authorization ? { token: authorization } : {}),
          proxyTunnel: https,
          ...(https ? { requestTls: connect } : {}),
        });
      })();
      d.catch(() => {});
      this.dispatchers.set(key, d);
    }
    return { dispatcher: await d, proxy };
  }

  private agentOptions(): import('undici').Agent.Options {
    const { config } = this.opts;
    const dial = seconds(config, 'lfs.dialtimeout', 30);
    const activity = seconds(config, 'lfs.activitytimeout', 30);
    const keepalive = seconds(config, 'lfs.keepalive', 1800);
    const connect: Record<string, unknown> = {};
    if (dial > 0) connect['timeout'] = dial * 1000;
    const a: import('undici').Agent.Options = {
      connections: Math.max(1, this.opts.connections ?? 8),
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: Math.max(1, keepalive) * 1000,
      headersTimeout: activity > 0 ? activity * 1000 : 0,
      bodyTimeout: activity > 0 ? activity * 1000 : 0,
      connect,
    };
    return a;
  }

  /**
   * `http.extraHeader` values that apply to `url` (git's URL matching; an empty value resets the
   * list), as [name, value] pairs.
   */
  extraHeaders(url: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const v of urlConfigValues(this.opts.config, 'http', 'extraheader', url)) {
      if (v === '') {
        out.length = 0;
        continue;
      }
      const colon = v.indexOf(':');
      if (colon <= 0) continue;
      const name = v.slice(0, colon).trim();
      const value = v.slice(colon + 1).trim();
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) continue;
      out.push([name, value]);
    }
    return out;
  }

  /** A URL-scoped git config value (`http.<url>.<name>` style) for callers. */
  urlConfig(section: string, name: string, url: string): string | undefined {
    return urlConfigValue(this.opts.config, section, name, url);
  }

  /**
   * Send a request and follow redirects. Resolves with the first non-redirect response (any
   * status); the caller reads or discards its body.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.closed) throw new TransferError('HTTP client already closed', { code: 'ECLOSED' });
    const undici = await this.load();
    let url = parseHttpUrl(req.url);
    const firstOrigin = originOf(url);
    for (let hop = 0; ; hop++) {
      const sameOrigin = originOf(url) === firstOrigin;
      const headers = this.headersFor(req, url, sameOrigin);
      const shown = redactUrl(url.toString());
      let res: import('undici').Dispatcher.ResponseData;
      const { dispatcher, proxy } = await this.dispatcherFor(undici, url);
      try {
        const body = req.body?.();
        res = await undici.request(url, {
          dispatcher,
          method: req.method,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        });
      } catch (e) {
        if (isAbort(e, req.signal)) throw req.signal?.reason ?? e;
        // A refused connection to a server that answered earlier in this run is most likely a
        // restart (F10): worth a retry. One that never answered is unreachable: fail fast (F11).
        const refusedAfterContact = networkCode(e) === 'ECONNREFUSED' && this.answered.has(originOf(url));
        const via = proxy ? ` (through proxy ${redactUrl(proxy)})` : '';
        throw new HttpNetworkError(`${req.method} ${shown}${via}`, e, refusedAfterContact || undefined);
      }
      this.answered.add(originOf(url));
      const out: HttpResponse = { status: res.statusCode, headers: res.headers, body: res.body as HttpResponse['body'], url: url.toString() };
      if (!REDIRECT_STATUSES.has(res.statusCode)) return out;
      const loc = res.headers['location'];
      const location = Array.isArray(loc) ? loc[0] : loc;
      if (location === undefined) return out;
      await discardBody(out);
      if (hop + 1 > MAX_REDIRECTS) throw new TransferError(`too many redirects (more than ${MAX_REDIRECTS}) from ${redactUrl(req.url)}`, { code: 'EREDIRECT' });
      url = redirectTarget(url, location);
    }
  }

  private headersFor(req: HttpRequest, url: URL, sameOrigin: boolean): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': this.userAgent };
    if (sameOrigin) {
      // Proxy credentials come only from the proxy URL, never from extra or action headers: a
      // Proxy-Authorization header here would reach the origin on a direct connection (CR11).
      for (const [k, v] of this.extraHeaders(url.toString())) if (k.toLowerCase() !== 'proxy-authorization') h[k.toLowerCase()] = v;
      for (const [k, v] of Object.entries(req.headers ?? {})) {
        if (k.toLowerCase() !== 'proxy-authorization') h[k.toLowerCase()] = v;
      }
    }
    for (const [k, v] of Object.entries(req.safeHeaders ?? {})) {
      if (!SECRET_HEADERS.has(k.toLowerCase())) h[k.toLowerCase()] = v;
    }
    return h;
  }

  /** Close pooled connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = await Promise.all([...this.dispatchers.values()].map((p) => p.catch(() => null)));
    await Promise.all(all.map((d) => d?.close().catch(() => {})));
  }
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e as Error | undefined)?.name === 'AbortError';
}

/** Parse an absolute http(s) URL; userinfo is refused (credentials go in headers only). */
export function parseHttpUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new TransferError(`invalid URL: ${redactUrl(raw).slice(0, 200)}`, { code: 'EBADURL' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TransferError(`unsupported URL scheme "${u.protocol.slice(0, 20)}" in ${redactUrl(raw).slice(0, 200)}`, { code: 'EBADURL' });
  }
  u.username = '';
  u.password = '';
  return u;
}

/** Where a redirect goes, with git-lfs's rules (CR/LF refused, https->http refused). */
export function redirectTarget(from: URL, location: string): URL {
  if (/[\r\n\0]/.test(location)) throw new TransferError(`invalid redirect Location from ${redactUrl(from.toString())}`, { code: 'EREDIRECT' });
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new TransferError(`invalid redirect Location from ${redactUrl(from.toString())}`, { code: 'EREDIRECT' });
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    throw new TransferError(`refusing redirect to a non-HTTP URL from ${redactUrl(from.toString())}`, { code: 'EREDIRECT' });
  }
  if (from.protocol === 'https:' && to.protocol === 'http:') {
    throw new TransferError(`refusing insecure redirect, https->http: ${redactUrl(from.toString())} -> ${redactUrl(to.toString())}`, { code: 'EREDIRECT' });
  }
  to.username = '';
  to.password = '';
  return to;
}

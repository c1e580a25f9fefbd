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
 * Proxies: see proxy.ts (http.proxy, http.<url>.proxy, HTTP(S)_PROXY, NO_PROXY).
 *
 * undici is imported lazily on the first request (it costs ~50 ms to load), so importing this
 * module is cheap. Bodies are streamed: a request body is given as a factory so a redirect can
 * send it again; a response body is an undici Readable the caller must consume or dump.
 *
 * Concurrency: safe for any number of concurrent requests. Throws HttpNetworkError when no
 * response arrives, TransferError for refused redirects. Never logs.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Config } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { versionString } from '../version.js';
import { HttpNetworkError, networkCode } from './httpErrors.js';
import { proxyFor } from './proxy.js';
import { redactUrl, SECRET_HEADERS } from './redact.js';
import { urlConfigValue, urlConfigValues } from './urlMatch.js';

type Undici = typeof import('undici');
type Agent = import('undici').Agent;
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
  private agentP: Promise<{ undici: Undici; agent: Agent }> | null = null;
  private closed = false;
  /** ProxyAgents by proxy URL and tunnelling mode, created on first use. */
  private readonly proxies = new Map<string, Dispatcher>();
  /** Origins that sent a response in this run. */
  private readonly answered = new Set<string>();
  readonly userAgent: string;

  constructor(private readonly opts: HttpClientOptions) {
    this.userAgent = opts.userAgent ?? versionString();
  }

  private load(): Promise<{ undici: Undici; agent: Agent }> {
    this.agentP ??= (async () => {
      // undici is CommonJS: bundled by esbuild, a dynamic import yields its exports on `default`.
      this.undiciP ??= this.opts.loadUndici
        ? this.opts.loadUndici()
        : import('undici').then((m) => ((m as { Agent?: unknown }).Agent ? m : (m as unknown as { default: Undici }).default));
      const undici = await this.undiciP;
      return { undici, agent: new undici.Agent(this.agentOptions()) };
    })();
    return this.agentP;
  }

  /**
   * The dispatcher for a URL: the shared Agent, or a ProxyAgent (https targets are tunnelled
   * with CONNECT; http targets are sent to the proxy as absolute-URI requests).
   */
  private dispatcherFor(undici: Undici, agent: Agent, url: URL): Dispatcher {
    const proxy = proxyFor(this.opts.config, this.opts.env, url);
    if (!proxy) return agent;
    const tunnel = url.protocol === 'https:';
    const key = `${tunnel ? 'T' : 'F'} ${proxy}`;
    let d = this.proxies.get(key);
    if (!d) {
      const base = this.agentOptions();
      d = new undici.ProxyAgent({ ...base, uri: proxy, proxyTunnel: tunnel, requestTls: base.connect as Record<string, unknown> });
      this.proxies.set(key, d);
    }
    return d;
  }

  private agentOptions(): import('undici').Agent.Options {
    const { config, env } = this.opts;
    const dial = seconds(config, 'lfs.dialtimeout', 30);
    const activity = seconds(config, 'lfs.activitytimeout', 30);
    const keepalive = seconds(config, 'lfs.keepalive', 1800);
    const connect: Record<string, unknown> = {};
    if (dial > 0) connect['timeout'] = dial * 1000;
    const sslVerify = env['GIT_SSL_NO_VERIFY'] ? false : config.getBool('http.sslverify', true);
    if (!sslVerify) connect['rejectUnauthorized'] = false;
    const caFile = env['GIT_SSL_CAINFO'] || config.get('http.sslcainfo');
    if (caFile) {
      try {
        connect['ca'] = readFileSync(caFile);
      } catch {
        /* unreadable CA file: TLS verification will fail with a clear error */
      }
    }
    // Client certificate (PEM files; an encrypted key's passphrase is not supported yet).
    const cert = env['GIT_SSL_CERT'] || config.get('http.sslcert');
    const key = env['GIT_SSL_KEY'] || config.get('http.sslkey');
    if (cert && key) {
      try {
        connect['cert'] = readFileSync(cert);
        connect['key'] = readFileSync(key);
      } catch {
        /* unreadable: the server will refuse the handshake with a clear error */
      }
    }
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
    const { undici, agent } = await this.load();
    let url = parseHttpUrl(req.url);
    const firstOrigin = originOf(url);
    for (let hop = 0; ; hop++) {
      const sameOrigin = originOf(url) === firstOrigin;
      const headers = this.headersFor(req, url, sameOrigin);
      const shown = redactUrl(url.toString());
      let res: import('undici').Dispatcher.ResponseData;
      try {
        const body = req.body?.();
        res = await undici.request(url, {
          dispatcher: this.dispatcherFor(undici, agent, url),
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
        throw new HttpNetworkError(`${req.method} ${shown}`, e, refusedAfterContact || undefined);
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
      for (const [k, v] of this.extraHeaders(url.toString())) h[k.toLowerCase()] = v;
      for (const [k, v] of Object.entries(req.headers ?? {})) {
        // Proxy credentials come only from the proxy URL, never from a server's action headers.
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
    const p = this.agentP;
    if (!p) return;
    const { agent } = await p.catch(() => ({ agent: null }));
    await Promise.all([agent, ...this.proxies.values()].map((d) => d?.close().catch(() => {})));
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

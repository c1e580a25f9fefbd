/**
 * Which proxy a request goes through, with git-lfs's rules (lfshttp/proxy.go, checked against
 * git-lfs 3.3.0 and tinyproxy):
 *   - the environment: `HTTPS_PROXY`, else `https_proxy`; `HTTP_PROXY`, else `http_proxy`
 *     (upper case wins, as in git-lfs; curl and undici prefer lower case);
 *   - `http.<url>.proxy` / `http.proxy` (git URL matching on the request URL; the most specific
 *     non-empty value) replaces both for that request;
 *   - an https target uses the https proxy, or the http proxy when there is none; an http target
 *     uses the http proxy only;
 *   - `NO_PROXY`, else `no_proxy`: comma-separated; `*` = everything; an IP or CIDR; a domain
 *     matching itself and its subdomains (`.example.com` / `*.example.com`: subdomains only);
 *     an optional `:port` restricts an entry to that port.
 * Deliberate difference: git-lfs 3.3.0 never proxies loopback targets (Go's httpproxy exempts
 * localhost and 127.0.0.0/8 although git-lfs means to allow them); tslfs proxies them like git
 * itself (curl) does, so git's and tslfs's requests to a local server take the same path.
 * Use NO_PROXY=127.0.0.1,localhost to go direct.
 *
 * A proxy URL without a scheme means http://; `socks5h://` is treated as `socks5://`. Credentials
 * in the URL (percent-encoded) become `Proxy-Authorization: Basic` for the proxy only (see
 * HttpClient: never an origin header). Pure; throws TransferError (EPROXY) for a proxy URL that
 * cannot be used, so a typo never silently means "direct".
 */
import { isIP } from 'node:net';
import type { Config } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { redactUrl } from './redact.js';
import { urlConfigValue } from './urlMatch.js';

/** The first of `names` set to a non-empty value in `env`. */
function envFirst(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v) return v;
  }
  return undefined;
}

/** IPv4/IPv6 address text -> bytes (IPv4-mapped IPv6 folded to IPv4), or null. */
function ipBytes(s: string): number[] | null {
  const host = s.replace(/^\[|\]$/g, '');
  const kind = isIP(host);
  if (kind === 4) return host.split('.').map(Number);
  if (kind !== 6) return null;
  let text = host.toLowerCase();
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  const bytes: number[] = [];
  for (const g of groups) {
    const n = parseInt(g || '0', 16);
    bytes.push(n >> 8, n & 255);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  return mapped ? bytes.slice(12) : bytes;
}

function inCidr(ip: number[], net: number[], bits: number): boolean {
  if (ip.length !== net.length) return false;
  for (let i = 0; i < ip.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 255 : (0xff << (8 - bits)) & 255;
    if ((ip[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

/**
 * True when a NO_PROXY list exempts `hostname` on `port` (the effective port as a string: the
 * URL's, or 80/443 by scheme). See the module comment for the syntax.
 */
export function noProxyMatches(list: string, hostname: string, port: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const hostIp = ipBytes(host);
  for (const raw of list.split(',')) {
    let e = raw.trim().toLowerCase();
    if (!e) continue;
    if (e === '*') return true;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(e);
    if (cidr) {
      const net = ipBytes(cidr[1]!);
      if (net && hostIp && inCidr(hostIp, net, Number(cidr[2]))) return true;
      continue;
    }
    let ePort = '';
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
    if (bracketed) {
      e = bracketed[1]!;
      ePort = bracketed[2] ?? '';
    } else {
      const m = /^([^:]*):(\d+)$/.exec(e);
      if (m) {
        e = m[1]!;
        ePort = m[2]!;
      }
    }
    if (ePort && ePort !== port) continue;
    const eIp = ipBytes(e);
    if (eIp) {
      if (hostIp && eIp.length === hostIp.length && eIp.every((b, i) => b === hostIp[i])) return true;
      continue;
    }
    if (e.startsWith('*.')) e = e.slice(1);
    e = e.replace(/\.$/, '');
    if (!e) continue;
    if (e.startsWith('.')) {
      if (host.endsWith(e)) return true;
    } else if (host === e || host.endsWith(`.${e}`)) return true;
  }
  return false;
}

const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks5:']);

/** Normalise and check a configured proxy URL; throws EPROXY when it cannot be used. */
export function normalizeProxyUrl(raw: string): string {
  let p = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) p = `http://${p}`;
  p = p.replace(/^socks5h:\/\//i, 'socks5://');
  let u: URL;
  try {
    u = new URL(p);
  } catch {
    throw new TransferError(`invalid proxy URL ${JSON.stringify(redactUrl(raw).slice(0, 200))}`, { code: 'EPROXY' });
  }
  if (!PROXY_SCHEMES.has(u.protocol) || !u.hostname) {
    throw new TransferError(`unsupported proxy URL ${JSON.stringify(redactUrl(raw).slice(0, 200))} (use http://, https:// or socks5://)`, { code: 'EPROXY' });
  }
  return u.toString().replace(/\/$/, '');
}

/**
 * The proxy URL for a request to `url` (normalised, credentials still in it), or null for a
 * direct connection. Throws EPROXY when the chosen proxy setting is not a usable URL.
 */
export function proxyFor(config: Config, env: Env, url: URL): string | null {
  const https = url.protocol === 'https:';
  let httpsProxy = envFirst(env, 'HTTPS_PROXY', 'https_proxy');
  let httpProxy = envFirst(env, 'HTTP_PROXY', 'http_proxy');
  const fromGit = urlConfigValue(config, 'http', 'proxy', url.toString());
  if (fromGit) {
    if (https) httpsProxy = fromGit;
    httpProxy = fromGit;
  }
  const proxy = (https ? httpsProxy : undefined) || httpProxy;
  if (!proxy) return null;
  const noProxy = envFirst(env, 'NO_PROXY', 'no_proxy');
  const port = url.port || (https ? '443' : '80');
  if (noProxy && noProxyMatches(noProxy, url.hostname, port)) return null;
  return normalizeProxyUrl(proxy);
}

/**
 * Split a proxy URL into the URL undici connects to (no userinfo) and the Proxy-Authorization
 * value its userinfo stands for (Basic, percent-decoded; a user without a password is sent with
 * an empty one, as Go does), or null without userinfo.
 */
export function proxyCredentials(proxy: string): { uri: string; authorization: string | null } {
  const u = new URL(proxy);
  if (!u.username && !u.password) return { uri: proxy, authorization: null };
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const authorization = `Basic ${Buffer.from(`${dec(u.username)}:${dec(u.password)}`, 'utf8').toString('base64')}`;
  u.username = '';
  u.password = '';
  return { uri: u.toString().replace(/\/$/, ''), authorization };
}

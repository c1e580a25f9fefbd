/**
 * `http.cookieFile` (and `http.<url>.cookieFile`): cookies read from a Netscape/curl cookie file
 * and sent with matching LFS requests, as git (curl) does. Read only: tslfs never writes the file.
 *
 * File format, one cookie per line, tab-separated:
 *   domain  include-subdomains(TRUE|FALSE)  path  secure(TRUE|FALSE)  expires(epoch s, 0 = session)  name  value
 * `#` lines are comments, except the `#HttpOnly_` prefix on a domain. A cookie matches a URL when
 * the host is the domain (or a subdomain when allowed or the domain starts with a dot), the path
 * is a prefix on a `/` boundary, it is not expired, and a secure cookie only goes over https.
 * Names and values that could break the header (CR, LF, `;`, control characters) are skipped.
 * Pure apart from loadCookieFile.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Env } from '../git/exec.js';

export interface Cookie {
  domain: string;
  includeSubdomains: boolean;
  path: string;
  secure: boolean;
  /** Epoch seconds; 0 = a session cookie (always sent). */
  expires: number;
  name: string;
  value: string;
}

const MAX_FILE = 1 << 20;

export function parseCookieFile(text: string): Cookie[] {
  const out: Cookie[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line.startsWith('#HttpOnly_')) line = line.slice('#HttpOnly_'.length);
    else if (line.startsWith('#') || line.trim() === '') continue;
    const f = line.split('\t');
    if (f.length < 7) continue;
    const [domain, sub, path, secure, expires, name] = f as [string, string, string, string, string, string];
    const value = f.slice(6).join('\t');
    if (!domain || !name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\x00-\x1f\x7f;]/.test(value)) continue;
    const exp = Number(expires);
    out.push({
      domain: domain.toLowerCase(),
      includeSubdomains: sub.toUpperCase() === 'TRUE',
      path: path || '/',
      secure: secure.toUpperCase() === 'TRUE',
      expires: Number.isFinite(exp) && exp > 0 ? exp : 0,
      name,
      value,
    });
  }
  return out;
}

function domainMatches(c: Cookie, host: string): boolean {
  const d = c.domain.replace(/^\./, '');
  if (host === d) return true;
  return (c.includeSubdomains || c.domain.startsWith('.')) && host.endsWith(`.${d}`);
}

function pathMatches(cookiePath: string, reqPath: string): boolean {
  if (reqPath === cookiePath) return true;
  const p = cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`;
  return reqPath.startsWith(p);
}

/** The Cookie header value for `url`, or null when no cookie applies. */
export function cookieHeaderFor(cookies: readonly Cookie[], url: string, nowSec: number = Date.now() / 1000): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const path = u.pathname || '/';
  const https = u.protocol === 'https:';
  const hits = cookies.filter((c) => domainMatches(c, host) && pathMatches(c.path, path) && (!c.secure || https) && (c.expires === 0 || c.expires > nowSec));
  if (!hits.length) return null;
  // Longer paths first (RFC 6265 5.4); the last of two same-named cookies for one path wins.
  const seen = new Map<string, Cookie>();
  for (const c of hits) seen.set(`${c.path}\0${c.name}`, c);
  return [...seen.values()]
    .sort((a, b) => b.path.length - a.path.length)
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

/** Read a cookie file (`~/` expanded with the env's HOME); [] when it is missing or unreadable. */
export async function loadCookieFile(path: string, env: Env, cwd: string): Promise<Cookie[]> {
  let p = path;
  if (p === '~' || p.startsWith('~/')) p = join(env['HOME'] ?? '', p.slice(1));
  if (!isAbsolute(p)) p = join(cwd, p);
  try {
    const st = await stat(p);
    if (!st.isFile() || st.size > MAX_FILE) return [];
    return parseCookieFile(await readFile(p, 'utf8'));
  } catch {
    return [];
  }
}

/**
 * Which proxy a request goes through, in git-lfs's order: `http.<url>.proxy` / `http.proxy`
 * (git URL matching on the request URL), then the environment (`HTTPS_PROXY`/`https_proxy` for
 * https targets, `HTTP_PROXY`/`http_proxy` for http), unless `NO_PROXY`/`no_proxy` names the
 * host. As in git-lfs, loopback targets are proxied too when a proxy is configured. Pure.
 *
 * A proxy URL without a scheme means http://. Credentials in it become Proxy-Authorization for
 * the proxy only (undici's ProxyAgent), never sent to the origin.
 */
import type { Config } from '../config/Config.js';
import type { Env } from '../git/exec.js';
import { urlConfigValue } from './urlMatch.js';

function envAny(env: Env, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v) return v;
  }
  return undefined;
}

/**
 * True when a NO_PROXY list exempts `host` (`port` as a string, may be ''): `*` matches all;
 * an entry matches the host itself or any subdomain (a leading `.` or `*.` is ignored); an
 * entry with `:port` matches only that port.
 */
export function noProxyMatches(list: string, hostname: string, port: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of list.split(/[\s,]+/)) {
    let e = raw.trim().toLowerCase();
    if (!e) continue;
    if (e === '*') return true;
    let ePort = '';
    const m = /^(.*?):(\d+)$/.exec(e);
    if (m && !e.startsWith('[') && (m[1]!.match(/:/g)?.length ?? 0) === 0) {
      e = m[1]!;
      ePort = m[2]!;
    }
    e = e.replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
    if (ePort && ePort !== port) continue;
    if (host === e || host.endsWith(`.${e}`)) return true;
  }
  return false;
}

/** The proxy URL for a request to `url`, or null for a direct connection. */
export function proxyFor(config: Config, env: Env, url: URL): string | null {
  const https = url.protocol === 'https:';
  const fromGit = urlConfigValue(config, 'http', 'proxy', url.toString());
  let proxy = fromGit || (https ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy'));
  if (!proxy) return null;
  const noProxy = envAny(env, 'NO_PROXY', 'no_proxy');
  const port = url.port || (https ? '443' : '80');
  if (noProxy && noProxyMatches(noProxy, url.hostname, port)) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy)) proxy = `http://${proxy}`;
  try {
    new URL(proxy);
  } catch {
    return null;
  }
  return proxy;
}

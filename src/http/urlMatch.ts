/**
 * git's URL matching for `<section>.<url>.<name>` config keys (`http.<url>.extraHeader`,
 * `lfs.<url>.access`, `credential.<url>.useHttpPath`, ...), as git-config(1) describes it:
 * the scheme must be equal; the host is compared case-insensitively, label by label, where a
 * config label `*` matches any one label; the port must be equal (default ports made explicit);
 * the config path must be a prefix of the URL path on a `/` boundary; a user name in the config
 * URL must equal the URL's. A longer path match is more specific; with equal paths, one naming
 * the user wins. Pure.
 */
import type { Config } from '../config/Config.js';

interface ParsedUrl {
  scheme: string;
  user: string | null;
  host: string;
  port: string;
  path: string;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

function parse(u: string): ParsedUrl | null {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return null;
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  let path = url.pathname || '/';
  if (!path.endsWith('/')) path += '/';
  return {
    scheme,
    user: url.username ? decodeURIComponent(url.username) : null,
    host: url.hostname.toLowerCase(),
    port: url.port || DEFAULT_PORTS[scheme] || '',
    path,
  };
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  return p.every((label, i) => label === '*' || label === h[i]);
}

/**
 * How specifically config URL `pattern` matches `url`: -1 when it does not match, otherwise a
 * score (path length * 2, +1 when the user was matched) that orders matches by precedence.
 */
export function urlMatchScore(pattern: string, url: string): number {
  const p = parse(pattern);
  const u = parse(url);
  if (!p || !u) return -1;
  if (p.scheme !== u.scheme || p.port !== u.port || !hostMatches(p.host, u.host)) return -1;
  if (p.user !== null && p.user !== u.user) return -1;
  if (!u.path.startsWith(p.path)) return -1;
  return p.path.length * 2 + (p.user !== null ? 1 : 0);
}

/**
 * Every value of `<section>.<url>.<name>` whose <url> matches `url`, plus plain
 * `<section>.<name>`, ordered from least to most specific (plain first). `name` is
 * case-insensitive; the URL keeps its case as git config does.
 */
export function urlConfigValues(config: Config, section: string, name: string, url: string): string[] {
  const sec = section.toLowerCase();
  const suffix = `.${name.toLowerCase()}`;
  const matches: Array<{ score: number; values: string[] }> = [];
  for (const key of config.keysWithPrefix(`${sec}.`)) {
    if (!key.endsWith(suffix)) continue;
    const sub = key.slice(sec.length + 1, key.length - suffix.length);
    if (!sub.includes('://')) continue;
    const score = urlMatchScore(sub, url);
    if (score >= 0) matches.push({ score, values: config.getAll(key) });
  }
  matches.sort((a, b) => a.score - b.score);
  return [...config.getAll(`${sec}${suffix}`), ...matches.flatMap((m) => m.values)];
}

/** The most specific value of `<section>.<url>.<name>` or `<section>.<name>` for `url`. */
export function urlConfigValue(config: Config, section: string, name: string, url: string): string | undefined {
  const all = urlConfigValues(config, section, name, url);
  return all.length ? all[all.length - 1] : undefined;
}

/**
 * LFS server discovery (git-lfs's endpoint finder): which remote a command talks to, and the
 * LFS API base URL `E` for an operation. Pure over a Config and a few facts the caller reads
 * (current branch, FETCH_HEAD's URL, which paths exist); `probeLocalPath` is the one I/O helper.
 *
 * Order for an operation on remote R:
 *   upload: lfs.pushurl; then lfs.url;
 *   remote.R.lfspushurl (upload); remote.R.lfsurl; remote.R.pushurl (upload) / remote.R.url
 *   (derived: insteadOf/pushInsteadOf, then `.git/info/lfs`); R itself when it is a URL or path;
 *   for the default remote only, the URL in FETCH_HEAD. A non-default remote with nothing
 *   configured falls back to the default remote ("origin").
 * file:// URLs and local paths use the built-in standalone agent `lfs-standalone-file`.
 */
import { statSync } from 'node:fs';
import type { Config } from '../config/Config.js';
import { lfsUrlFromClone, parseRemoteUrl, trimUrl, type ParsedRemote, type SshInfo } from './remoteUrl.js';

export type Operation = 'download' | 'upload';

export const DEFAULT_REMOTE = 'origin';
export const STANDALONE_FILE_AGENT = 'lfs-standalone-file';

export type EndpointSource =
  | 'lfs.pushurl'
  | 'lfs.url'
  | 'remote.lfspushurl'
  | 'remote.lfsurl'
  | 'remote.pushurl'
  | 'remote.url'
  | 'argument'
  | 'FETCH_HEAD'
  | 'none';

export interface Endpoint {
  operation: Operation;
  /** The LFS API base URL, or '' when nothing is configured. */
  url: string;
  /** The remote name used to find it (null when it came from lfs.url/lfs.pushurl). */
  remote: string | null;
  source: EndpointSource;
  /** SSH metadata when the URL came from an SSH remote. */
  ssh?: SshInfo;
  /** Absolute local directory for file:// endpoints. */
  filePath?: string;
  /**
   * The standalone transfer agent to use without a batch call: `lfs-standalone-file` for file://,
   * or what lfs.standalonetransferagent / lfs.<url>.standalonetransferagent names; null = HTTP batch.
   */
  standaloneAgent: string | null;
}

export interface EndpointQuery {
  operation: Operation;
  /** The remote name or URL the user chose (see chooseRemote). */
  remote: string;
  /** Directory relative local paths are resolved against. */
  cwd: string;
  /** URL recorded in .git/FETCH_HEAD, used only for the default remote. */
  fetchHeadUrl?: string | null;
  /** Whether an absolute path exists locally (default: probeLocalPath). */
  isLocalPath?: (p: string) => boolean;
}

/** True when `p` exists on the local filesystem (the default for EndpointQuery.isLocalPath). */
export function probeLocalPath(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Apply git's URL aliases: the longest `url.<base>.insteadOf` prefix (for uploads, a matching
 * `url.<base>.pushInsteadOf` first) is replaced by <base>.
 */
export function applyUrlAliases(config: Config, url: string, operation: Operation): string {
  const best = (suffix: string): string | null => {
    let match: { base: string; prefix: string } | null = null;
    for (const key of config.keysWithPrefix('url.')) {
      if (!key.endsWith(suffix)) continue;
      const base = key.slice('url.'.length, key.length - suffix.length);
      for (const prefix of config.getAll(key)) {
        if (prefix && url.startsWith(prefix) && (!match || prefix.length > match.prefix.length)) match = { base, prefix };
      }
    }
    return match ? match.base + url.slice(match.prefix.length) : null;
  };
  if (operation === 'upload') {
    const pushed = best('.pushinsteadof');
    if (pushed !== null) return pushed;
  }
  return best('.insteadof') ?? url;
}

/** Names of the configured remotes (those with a remote.<name>.url), in config order. */
export function remoteNames(config: Config): string[] {
  const out: string[] = [];
  for (const key of config.keysWithPrefix('remote.')) {
    const m = /^remote\.(.+)\.url$/.exec(key);
    if (m && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

export interface RemoteChoice {
  /** The remote given on the command line, if any. */
  explicit?: string | null;
  /** The current branch's short name (null when detached). */
  currentBranch?: string | null;
  operation: Operation;
}

/**
 * The remote a command uses. Downloads: the argument, branch.<cur>.remote, remote.lfsdefault,
 * the only remote, "origin". Uploads look first at branch.<cur>.pushremote,
 * remote.lfspushdefault and remote.pushdefault.
 */
export function chooseRemote(config: Config, choice: RemoteChoice): string {
  if (choice.explicit) return choice.explicit;
  const branch = choice.currentBranch;
  if (choice.operation === 'upload') {
    const pushed =
      (branch ? config.get(`branch.${branch}.pushremote`) : undefined) ??
      config.get('remote.lfspushdefault') ??
      config.get('remote.pushdefault');
    if (pushed) return pushed;
  }
  const fromBranch = branch ? config.get(`branch.${branch}.remote`) : undefined;
  if (fromBranch && fromBranch !== '.') return fromBranch;
  const lfsDefault = config.get('remote.lfsdefault');
  if (lfsDefault) return lfsDefault;
  const names = remoteNames(config);
  if (names.length === 1) return names[0]!;
  return DEFAULT_REMOTE;
}

/**
 * The value of `lfs.<url>.<name>` for the longest configured <url> that is `url` or a
 * path-prefix of it (git's URL matching, simplified to prefixes of the normalised URL).
 */
export function urlScopedValue(config: Config, name: string, url: string): string | undefined {
  const suffix = `.${name.toLowerCase()}`;
  let best: { len: number; value: string } | null = null;
  for (const key of config.keysWithPrefix('lfs.')) {
    if (!key.endsWith(suffix)) continue;
    const u = key.slice('lfs.'.length, key.length - suffix.length);
    if (!u.includes('://')) continue;
    const base = trimUrl(u);
    if (url === base || url.startsWith(base + '/')) {
      const v = config.get(key);
      if (v !== undefined && (!best || base.length > best.len)) best = { len: base.length, value: v };
    }
  }
  return best?.value;
}

/** As git-lfs: a configured standalone agent wins, even for file:// URLs; else file:// gets the built-in one. */
function standaloneAgentFor(config: Config, url: string, parsed: ParsedRemote): string | null {
  const perUrl = urlScopedValue(config, 'standalonetransferagent', url);
  if (perUrl) return perUrl;
  const global = config.get('lfs.standalonetransferagent');
  if (global) return global;
  return parsed.kind === 'file' ? STANDALONE_FILE_AGENT : null;
}

function build(config: Config, q: EndpointQuery, raw: string, source: EndpointSource, remote: string | null, fromClone: boolean): Endpoint {
  const aliased = applyUrlAliases(config, raw.trim(), q.operation);
  const parsed = parseRemoteUrl(aliased, {
    cwd: q.cwd,
    isLocalPath: q.isLocalPath ?? probeLocalPath,
    gitProtocol: config.get('lfs.gitprotocol'),
  });
  const url = fromClone ? lfsUrlFromClone(parsed) : trimUrl(parsed.url);
  const e: Endpoint = { operation: q.operation, url, remote, source, standaloneAgent: standaloneAgentFor(config, url, parsed) };
  if (parsed.ssh) e.ssh = parsed.ssh;
  if (parsed.path) e.filePath = parsed.path;
  return e;
}

/** True when `s` names a remote by URL or existing local path rather than by a configured name. */
export function looksLikeUrl(s: string, cwd: string, isLocalPath: (p: string) => boolean = probeLocalPath): boolean {
  return parseRemoteUrl(s, { cwd, isLocalPath }).kind !== 'unknown';
}

function remoteEndpoint(config: Config, q: EndpointQuery, remote: string): Endpoint | null {
  const up = q.operation === 'upload';
  const r = (k: string) => config.get(`remote.${remote}.${k}`);
  if (up && r('lfspushurl')) return build(config, q, r('lfspushurl')!, 'remote.lfspushurl', remote, false);
  if (r('lfsurl')) return build(config, q, r('lfsurl')!, 'remote.lfsurl', remote, false);
  if (up && r('pushurl')) return build(config, q, r('pushurl')!, 'remote.pushurl', remote, true);
  if (r('url')) return build(config, q, r('url')!, 'remote.url', remote, true);
  if (looksLikeUrl(remote, q.cwd, q.isLocalPath)) return build(config, q, remote, 'argument', remote, true);
  if (remote === DEFAULT_REMOTE && q.fetchHeadUrl) return build(config, q, q.fetchHeadUrl, 'FETCH_HEAD', remote, true);
  return null;
}

/** The endpoint for an operation on a remote; `url` is '' when nothing is configured. */
export function findEndpoint(config: Config, q: EndpointQuery): Endpoint {
  const pushUrl = config.get('lfs.pushurl');
  if (q.operation === 'upload' && pushUrl) return build(config, q, pushUrl, 'lfs.pushurl', null, false);
  const lfsUrl = config.get('lfs.url');
  if (lfsUrl) return build(config, q, lfsUrl, 'lfs.url', null, false);
  const remote = q.remote || DEFAULT_REMOTE;
  const e = remoteEndpoint(config, q, remote) ?? (remote !== DEFAULT_REMOTE ? remoteEndpoint(config, q, DEFAULT_REMOTE) : null);
  return e ?? { operation: q.operation, url: '', remote, source: 'none', standaloneAgent: null };
}

/** The URL of the first FETCH_HEAD line (`<sha>\t[not-for-merge]\t<what> of <url>`). */
export function parseFetchHeadUrl(text: string): string | null {
  for (const line of text.split('\n')) {
    const m = / of (\S+)\s*$/.exec(line);
    if (m) return m[1]!;
  }
  return null;
}

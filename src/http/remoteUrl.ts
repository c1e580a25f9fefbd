/**
 * Parsing git remote URLs as git-lfs understands them, and turning a clone URL into an LFS API
 * base URL (`E`). Pure: whether a scheme-less string names an existing local directory is asked
 * of the caller through `isLocalPath`.
 *
 * Forms: http(s)://, ssh://, git+ssh://, ssh+git://, scp-like `[user@]host:path` and
 * `[user@][host:port]:path`, git://, file://, local paths, and `helper::address` (passed through).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

/** What git-lfs keeps of an SSH remote for `git-lfs-authenticate` and `git-lfs-transfer`. */
export interface SshInfo {
  /** `user@host` or `host`. */
  userAndHost: string;
  /** Port, when one was given. */
  port?: string;
  /** The repository path as written (`/abs/repo.git` or `rel/repo.git`). */
  path: string;
}

export interface ParsedRemote {
  kind: 'http' | 'ssh' | 'git' | 'file' | 'helper' | 'unknown';
  /** The URL for HTTP (for ssh and git: the derived https URL; for file: a file:// URL). */
  url: string;
  ssh?: SshInfo;
  /** Absolute local path for `file`. */
  path?: string;
}

export interface ParseRemoteOptions {
  /** `lfs.gitprotocol`, used for git:// remotes (default https). */
  gitProtocol?: string;
  /** Base directory for relative local paths. */
  cwd: string;
  /** True when `p` (absolute) is an existing local directory or file. */
  isLocalPath: (p: string) => boolean;
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

function stripTrailingSlashes(s: string): string {
  return s.replace(/\/+$/, '');
}

function sshToHttps(userAndHost: string, port: string | undefined, path: string): ParsedRemote {
  const at = userAndHost.lastIndexOf('@');
  const host = at >= 0 ? userAndHost.slice(at + 1) : userAndHost;
  const hostForUrl = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const p = path.startsWith('/') ? path : `/${path}`;
  const ssh: SshInfo = { userAndHost, path };
  if (port) ssh.port = port;
  return { kind: 'ssh', url: `https://${hostForUrl}${p}`, ssh };
}

/** Parse a scp-like `[user@]host:path` or `[user@][host:port]:path`; null if it is not one. */
function parseScpLike(raw: string): ParsedRemote | null {
  const br = /^((?:[^@/:[\]]+@)?)\[([^\]]+)\]:(.*)$/.exec(raw);
  if (br) {
    const user = br[1]!;
    const inner = br[2]!;
    const m = /^(.*):(\d+)$/.exec(inner);
    const host = m ? m[1]! : inner;
    return sshToHttps(user + host, m ? m[2] : undefined, br[3]!);
  }
  // git's rule: a colon before any slash makes it scp-like.
  const colon = raw.indexOf(':');
  const slash = raw.indexOf('/');
  if (colon <= 0 || (slash >= 0 && slash < colon)) return null;
  return sshToHttps(raw.slice(0, colon), undefined, raw.slice(colon + 1));
}

/**
 * Parse one remote URL. Scheme-less strings are local paths when `isLocalPath` says so,
 * otherwise scp-like SSH (git-lfs's rule), otherwise unknown.
 */
export function parseRemoteUrl(raw: string, opts: ParseRemoteOptions): ParsedRemote {
  const s = raw.trim();
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(s)) return { kind: 'helper', url: s };
  const scheme = SCHEME_RE.exec(s)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const abs = stripTrailingSlashes(isAbsolute(s) ? s : resolve(opts.cwd, s)) || '/';
    if (opts.isLocalPath(abs)) {
      // A non-bare repository's endpoint is its .git dir, as git-lfs shows it.
      const dir = opts.isLocalPath(join(abs, '.git')) ? join(abs, '.git') : abs;
      return { kind: 'file', url: pathToFileURL(dir).href, path: dir };
    }
    return parseScpLike(s) ?? { kind: 'unknown', url: s };
  }
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(s);
    } catch {
      return { kind: 'unknown', url: s };
    }
    return { kind: 'file', url: stripTrailingSlashes(s), path: stripTrailingSlashes(path) || '/' };
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { kind: 'unknown', url: s };
  }
  if (scheme === 'http' || scheme === 'https') return { kind: 'http', url: s };
  if (scheme === 'ssh' || scheme === 'git+ssh' || scheme === 'ssh+git') {
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return sshToHttps(user + u.hostname, u.port || undefined, decodeURIComponent(u.pathname));
  }
  if (scheme === 'git') {
    const proto = (opts.gitProtocol || 'https').toLowerCase();
    return { kind: 'git', url: `${proto}://${u.host}${u.pathname}` };
  }
  return { kind: 'unknown', url: s };
}

/**
 * The LFS API base URL for a clone URL: strip trailing slashes, then append `/info/lfs` when the
 * path ends in `.git`, else `.git/info/lfs`. file:// and remote-helper URLs get no suffix.
 */
export function lfsUrlFromClone(parsed: ParsedRemote): string {
  // Anything else, even a string git-lfs cannot classify (a local path that does not exist),
  // gets the suffix: git-lfs shows `/missing/repo.git/info/lfs` for such a remote.
  if (parsed.kind === 'file' || parsed.kind === 'helper') return parsed.url;
  let base = parsed.url;
  let query = '';
  const q = base.search(/[?#]/);
  if (q >= 0) {
    query = base.slice(q);
    base = base.slice(0, q);
  }
  base = stripTrailingSlashes(base);
  return (base.endsWith('.git') ? `${base}/info/lfs` : `${base}.git/info/lfs`) + query;
}

/** Trailing slashes removed, as git-lfs does for configured LFS URLs. */
export function trimUrl(url: string): string {
  return stripTrailingSlashes(url);
}

/**
 * The LFS API endpoint of a remote for `env`, simple cases only. The http engineer is writing the
 * full discovery in src/http/endpoint.ts (findEndpoint): when it lands, `endpointForRemote` below
 * should become a call to it and this file go away. Precedence:
 * lfs.url, remote.<r>.lfsurl, then derived from remote.<r>.url:
 *   https://h/p(.git)        -> https://h/p.git/info/lfs
 *   ssh://[u@]h[:port]/p, [u@]h:p  -> https://h/p.git/info/lfs, plus SSH metadata
 *   git://h/p                -> https://h/p.git/info/lfs
 *   file://...               -> unchanged
 *   a local path             -> file://<abs> (with /.git for a non-bare repository)
 * Local paths are resolved against `cwd` (as git-lfs does). Only reads the filesystem to tell
 * a local repository's layout; never throws.
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/Config.js';

export interface Endpoint {
  url: string;
  /** For ssh remotes: `user@host` and the path, as git-lfs shows them (`  SSH=<uh>:<path>`). */
  ssh?: { userAndHost: string; path: string };
}

function withInfoLfs(base: string): string {
  const b = base.replace(/\/+$/, '');
  return b.endsWith('.git') ? `${b}/info/lfs` : `${b}.git/info/lfs`;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Derive the endpoint from a git remote URL (see the table above). */
export function endpointFromGitUrl(remoteUrl: string, cwd: string): Endpoint {
  const u = remoteUrl.trim();
  if (u === '') return { url: '' };
  if (/^https?:\/\//i.test(u)) return { url: withInfoLfs(u) };
  if (/^file:\/\//i.test(u)) return { url: u };
  let m = /^(?:git\+)?ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::\d+)?(\/.*)?$/i.exec(u);
  if (m) {
    const user = m[1] ? `${m[1]}@` : '';
    const host = m[2]!;
    const path = m[3] ?? '/';
    return { url: withInfoLfs(`https://${host}${path}`), ssh: { userAndHost: `${user}${host}`, path } };
  }
  m = /^git:\/\/([^/]+)(\/.*)?$/i.exec(u);
  if (m) return { url: withInfoLfs(`https://${m[1]}${m[2] ?? ''}`) };
  // scp-like `[user@]host:path`: a colon before any slash, and not a local path that exists.
  m = /^(?:([^@/:]+)@)?([^/:]+):(.*)$/.exec(u);
  if (m && !isAbsolute(u) && !isDir(resolve(cwd, u))) {
    const user = m[1] ? `${m[1]}@` : '';
    const path = m[3]!;
    const sep = path.startsWith('/') ? '' : '/';
    return { url: withInfoLfs(`https://${m[2]}${sep}${path}`), ssh: { userAndHost: `${user}${m[2]}`, path } };
  }
  const abs = resolve(cwd, u);
  if (isDir(abs)) return { url: `file://${isDir(join(abs, '.git')) ? join(abs, '.git') : abs}` };
  return { url: withInfoLfs(u) };
}

/** The download endpoint of `remote` from configuration (empty url when there is none). */
export function endpointForRemote(config: Config, remote: string, cwd: string): Endpoint {
  const lfsUrl = config.get('lfs.url');
  if (lfsUrl) return { url: lfsUrl };
  const remoteLfs = config.get(`remote.${remote}.lfsurl`);
  if (remoteLfs) return { url: remoteLfs };
  const url = config.get(`remote.${remote}.url`);
  return url ? endpointFromGitUrl(url, cwd) : { url: '' };
}

/** `lfs.<url>.access` for an endpoint (exact URL key; git-lfs's URL matching comes later). */
export function accessModeFor(config: Config, endpointUrl: string): string {
  if (!endpointUrl) return 'none';
  const v = config.get(`lfs.${endpointUrl}.access`)?.toLowerCase();
  return v === 'basic' || v === 'negotiate' ? v : v === 'private' ? 'basic' : 'none';
}

/** Remove a password from a URL's userinfo for display (`https://user@host/...`). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1@');
}

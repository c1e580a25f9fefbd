/**
 * The git credential protocol (`git credential fill|approve|reject`), as git-lfs uses it.
 *
 * Helper input: `capability[]=authtype`, protocol, host (with the port), `path` only when
 * `credential.useHttpPath` is true for the URL, `username` when the URL has one, and the
 * server's challenges as `wwwauth[]` (unless `credential.<url>.skipwwwauth`). Every value is
 * checked before git runs (CVE-2024-53263): LF or NUL is an error, CR too unless
 * `credential.protectProtocol=false`. Helper output may set username/password or
 * authtype/credential (git >= 2.46); protocol/host/path in the output are ignored, so a helper
 * can never retarget a request (CR4).
 *
 * `git credential fill` exiting non-zero (128: no credentials, or a failing helper) means "no
 * credentials", not an error. approve/reject never throw.
 */
import type { Config } from '../config/Config.js';
import { parseGitBool } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import { git, type Env } from '../git/exec.js';
import { urlConfigValue } from './urlMatch.js';

export interface Credentials {
  username: string;
  password: string;
  /** Set when the helper returned `authtype` + `credential` (sent as `<authtype> <credential>`). */
  authtype?: string;
  credential?: string;
  /** Where they came from: only helper credentials are approved or rejected. */
  source: 'url' | 'netrc' | 'helper';
}

/** The fields describing what credentials are asked for. */
export interface CredentialQuery {
  protocol: string;
  host: string;
  path?: string;
  username?: string;
  wwwauth?: string[];
}

/** Decode %XX escapes to UTF-8 text without throwing (malformed escapes stay as they are). */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The credential query for a URL (decoded path without the leading slash, query dropped). */
export function credentialQueryFor(config: Config, url: string, wwwauth: string[] = []): CredentialQuery {
  const u = new URL(url);
  const q: CredentialQuery = { protocol: u.protocol.replace(/:$/, ''), host: u.host };
  const useHttpPath = parseGitBool(urlConfigValue(config, 'credential', 'usehttppath', url)) === true;
  if (useHttpPath) q.path = percentDecode(u.pathname.replace(/^\//, ''));
  if (u.username) q.username = percentDecode(u.username);
  const skip = parseGitBool(urlConfigValue(config, 'credential', 'skipwwwauth', url)) === true;
  if (!skip && wwwauth.length) q.wwwauth = wwwauth;
  return q;
}

/** Throw when a value would break (or inject into) the line-based helper protocol. */
export function checkCredentialValues(q: CredentialQuery, protectProtocol: boolean): void {
  const fields: Array<[string, string | undefined]> = [
    ['protocol', q.protocol],
    ['host', q.host],
    ['path', q.path],
    ['username', q.username],
    ...(q.wwwauth ?? []).map((w): [string, string] => ['wwwauth[]', w]),
  ];
  for (const [name, v] of fields) {
    if (v === undefined) continue;
    let what: string | null = null;
    if (v.includes('\n')) what = 'newline';
    else if (v.includes('\0')) what = 'null byte';
    else if (protectProtocol && v.includes('\r')) what = 'carriage return';
    if (what) throw new TransferError(`credential value for ${name} contains ${what}`, { code: 'ECREDVALUE' });
  }
}

function encodeQuery(q: CredentialQuery, creds?: Credentials): string {
  const lines = ['capability[]=authtype', `protocol=${q.protocol}`, `host=${q.host}`];
  if (q.path !== undefined) lines.push(`path=${q.path}`);
  const user = creds?.username ?? q.username;
  if (user !== undefined && user !== '') lines.push(`username=${user}`);
  if (creds) {
    if (creds.authtype) lines.push(`authtype=${creds.authtype}`, `credential=${creds.credential ?? ''}`);
    else lines.push(`password=${creds.password}`);
  }
  for (const w of q.wwwauth ?? []) lines.push(`wwwauth[]=${w}`);
  return lines.join('\n') + '\n\n';
}

/** Parse `git credential fill` output; null when it holds no usable credentials. */
export function parseFillOutput(text: string): Credentials | null {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    kv.set(line.slice(0, eq), line.slice(eq + 1).replace(/\r$/, ''));
  }
  const authtype = kv.get('authtype');
  const credential = kv.get('credential');
  if (authtype && credential !== undefined) {
    return { username: kv.get('username') ?? '', password: '', authtype, credential, source: 'helper' };
  }
  const username = kv.get('username');
  const password = kv.get('password');
  if (username === undefined && password === undefined) return null;
  return { username: username ?? '', password: password ?? '', source: 'helper' };
}

export interface CredentialHelperOptions {
  config: Config;
  env: Env;
  /** Where `git credential` runs (the repository, so its config applies). */
  cwd: string;
}

/** Talks to `git credential`. Safe for concurrent use. */
export class CredentialHelper {
  constructor(private readonly opts: CredentialHelperOptions) {}

  private protect(): boolean {
    return this.opts.config.getBool('credential.protectprotocol', true);
  }

  /** Ask the helpers (and git's prompt) for credentials; null when there are none. */
  async fill(q: CredentialQuery): Promise<Credentials | null> {
    checkCredentialValues(q, this.protect());
    const r = await git(['credential', 'fill'], { cwd: this.opts.cwd, env: this.opts.env, input: encodeQuery(q), allowFailure: true }).catch(() => null);
    if (!r || r.status !== 0) return null;
    return parseFillOutput(r.stdout.toString('utf8'));
  }

  async approve(q: CredentialQuery, c: Credentials): Promise<void> {
    await this.tell('approve', q, c);
  }

  async reject(q: CredentialQuery, c: Credentials): Promise<void> {
    await this.tell('reject', q, c);
  }

  private async tell(verb: 'approve' | 'reject', q: CredentialQuery, c: Credentials): Promise<void> {
    if (c.source !== 'helper') return;
    try {
      checkCredentialValues({ ...q, ...(c.username ? { username: c.username } : {}) }, this.protect());
      const { wwwauth: _w, ...rest } = q;
      await git(['credential', verb], { cwd: this.opts.cwd, env: this.opts.env, input: encodeQuery(rest, c), allowFailure: true });
    } catch {
      /* approve/reject are best effort */
    }
  }
}

/** The Authorization header value for credentials. */
export function authorizationFor(c: Credentials): string {
  if (c.authtype) return `${c.authtype} ${c.credential ?? ''}`;
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

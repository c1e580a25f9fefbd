/**
 * The git credential protocol (`git credential fill|approve|reject`), as git-lfs uses it.
 *
 * Helper input: `capability[]=authtype` and `capability[]=state`, protocol, host (with the
 * port), `path` only when `credential.useHttpPath` is true for the URL, `username` when the URL
 * has one, the server's challenges as `wwwauth[]` (unless `credential.<url>.skipwwwauth`), and
 * `state[]` when continuing a multistage exchange. Every value is checked before git runs
 * (CVE-2024-53263): LF or NUL is an error, CR too unless `credential.protectProtocol=false`.
 *
 * Helper output may set username/password, or authtype/credential (git >= 2.46 passes these
 * through; older git drops them), plus `state[]`, `continue=1` (a non-final step of a multistage
 * exchange) and `ephemeral=1` (never stored). protocol/host/path in the output are ignored, so a
 * helper can never retarget a request, and a value containing CR or NUL is refused (CR4).
 *
 * `fill` (used for any protocol, e.g. cert passphrases) returns null when git credential fails.
 * `fillForRequest` (the Authenticator's) adds askpass and GIT_TERMINAL_PROMPT=0 handling. Both
 * run git bounded (CR10): output capped, and with GIT_TERMINAL_PROMPT=0 (or
 * TSLFS_CREDENTIAL_TIMEOUT=<seconds>) a timeout that kills git and its helpers.
 * approve/reject never throw.
 */
import type { Config } from '../config/Config.js';
import { parseGitBool } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { askpassCredentials, askpassProgram, hasCredentialHelper } from './askpass.js';
import { runBounded, type BoundedRunResult } from './boundedProcess.js';
import { urlConfigValue } from './urlMatch.js';

/** Default bound on `git credential fill` when no prompt is possible (GIT_TERMINAL_PROMPT=0). */
export const NO_PROMPT_TIMEOUT_MS = 60_000;

export interface Credentials {
  username: string;
  password: string;
  /** Set when the helper returned `authtype` + `credential` (sent as `<authtype> <credential>`). */
  authtype?: string;
  credential?: string;
  /** `state[]` from the helper: handed back on the next fill and on approve/reject. */
  state?: string[];
  /** `continue=1`: a non-final step of a multistage exchange (neither approved nor rejected). */
  continue?: boolean;
  /** `ephemeral=1`: never approved (stored). */
  ephemeral?: boolean;
  /** Where they came from: only helper (and askpass) credentials are approved or rejected. */
  source: 'url' | 'netrc' | 'helper' | 'askpass';
}

/** The fields describing what credentials are asked for. */
export interface CredentialQuery {
  protocol: string;
  host: string;
  path?: string;
  username?: string;
  wwwauth?: string[];
  /** `state[]` of the previous step of a multistage exchange. */
  state?: string[];
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
    ...(q.state ?? []).map((w): [string, string] => ['state[]', w]),
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
  const lines = ['capability[]=authtype', 'capability[]=state', `protocol=${q.protocol}`, `host=${q.host}`];
  if (q.path !== undefined) lines.push(`path=${q.path}`);
  const user = creds?.username ?? q.username;
  // A cert passphrase query names an empty user (as git and git-lfs do), so git asks only for the password.
  if (user !== undefined && (user !== '' || q.protocol === 'cert')) lines.push(`username=${user}`);
  if (creds) {
    if (creds.authtype) lines.push(`authtype=${creds.authtype}`, `credential=${creds.credential ?? ''}`);
    else lines.push(`password=${creds.password}`);
  }
  for (const w of q.wwwauth ?? []) lines.push(`wwwauth[]=${w}`);
  for (const st of creds?.state ?? q.state ?? []) lines.push(`state[]=${st}`);
  return lines.join('\n') + '\n\n';
}

/**
 * Parse `git credential fill` output; null when it holds no usable credentials. Lines without
 * `=` and unknown keys (protocol, host, path, url...) are ignored. Throws a TransferError when a
 * value holds CR or NUL (CR4): git's own output is LF-only, so such a value is an injection.
 */
export function parseFillOutput(text: string): Credentials | null {
  const kv = new Map<string, string>();
  const state: string[] = [];
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (/[\r\0]/.test(value)) {
      if (['username', 'password', 'authtype', 'credential', 'state[]'].includes(key)) {
        throw new TransferError(`credential helper returned a ${key} containing a ${value.includes('\r') ? 'carriage return' : 'null byte'}; refused`, { code: 'ECREDVALUE' });
      }
      continue;
    }
    if (key === 'state[]') state.push(value);
    else kv.set(key, value);
  }
  const extra = (c: Credentials): Credentials => {
    if (state.length) c.state = state;
    if (parseGitBool(kv.get('continue')) === true) c.continue = true;
    if (parseGitBool(kv.get('ephemeral')) === true) c.ephemeral = true;
    return c;
  };
  const authtype = kv.get('authtype');
  const credential = kv.get('credential');
  if (authtype && credential !== undefined) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(authtype)) return null;
    return extra({ username: kv.get('username') ?? '', password: '', authtype, credential, source: 'helper' });
  }
  const username = kv.get('username');
  const password = kv.get('password');
  if (username === undefined && password === undefined) return null;
  return extra({ username: username ?? '', password: password ?? '', source: 'helper' });
}

export interface CredentialHelperOptions {
  config: Config;
  env: Env;
  /** Where `git credential` runs (the repository, so its config applies). */
  cwd: string;
}

/** Talks to `git credential` (and askpass). Safe for concurrent use. */
export class CredentialHelper {
  constructor(private readonly opts: CredentialHelperOptions) {}

  private protect(): boolean {
    return this.opts.config.getBool('credential.protectprotocol', true);
  }

  /** GIT_TERMINAL_PROMPT is false: nobody can be prompted. */
  private noPrompt(): boolean {
    return parseGitBool(this.opts.env['GIT_TERMINAL_PROMPT']) === false;
  }

  /** TSLFS_CREDENTIAL_TIMEOUT (seconds), else 60 s without prompts, else none (Ctrl-C works). */
  private timeoutMs(): number {
    const v = Number(this.opts.env['TSLFS_CREDENTIAL_TIMEOUT']);
    if (Number.isFinite(v) && v > 0) return v * 1000;
    return this.noPrompt() ? NO_PROMPT_TIMEOUT_MS : 0;
  }

  private run(verb: 'fill' | 'approve' | 'reject', input: string): Promise<BoundedRunResult> {
    // Without prompts git needs no terminal: run it in its own process group so a timeout also
    // kills the helper it started.
    return runBounded('git', ['credential', verb], { cwd: this.opts.cwd, env: this.opts.env, input, timeoutMs: this.timeoutMs(), detached: this.noPrompt() });
  }

  /** Ask the helpers (and git's prompt) for credentials; null when there are none. */
  async fill(q: CredentialQuery): Promise<Credentials | null> {
    checkCredentialValues(q, this.protect());
    const r = await this.run('fill', encodeQuery(q));
    if (r.kind !== 'exit' || r.status !== 0) return null;
    return parseFillOutput(r.stdout);
  }

  /**
   * Credentials for an HTTP request to `url` (git-lfs's order after netrc): an askpass program
   * when one is set and no credential.helper applies (not for multistage steps), then
   * `git credential fill`. Throws a TransferError when the helper hangs or floods its output,
   * and, with GIT_TERMINAL_PROMPT=0, when git credential fails (git-lfs's message).
   */
  async fillForRequest(q: CredentialQuery, url: string): Promise<Credentials | null> {
    checkCredentialValues(q, this.protect());
    const askpass = askpassProgram(this.opts.config, this.opts.env);
    if (askpass && !q.state?.length && /^https?$/.test(q.protocol) && !hasCredentialHelper(this.opts.config, url)) {
      const a = await askpassCredentials(
        { protocol: q.protocol, host: q.host, ...(q.path !== undefined ? { path: q.path } : {}), ...(q.username ? { username: q.username } : {}) },
        { program: askpass, cwd: this.opts.cwd, env: this.opts.env, timeoutMs: this.timeoutMs(), detached: this.noPrompt() },
      );
      if (a) return { ...a, source: 'askpass' };
    }
    const r = await this.run('fill', encodeQuery(q));
    if (r.kind !== 'exit') {
      if (r.kind === 'timeout') throw new TransferError(`git credential fill: the credential helper gave no answer (${r.message}); stopped it`, { code: 'ECREDTIMEOUT' });
      if (r.kind === 'overflow') throw new TransferError(`git credential fill: the credential helper printed ${r.message}; stopped it`, { code: 'ECREDVALUE' });
      throw new TransferError(`failed to run git credential fill: ${r.message}`, { code: 'ECRED' });
    }
    if (r.status !== 0) {
      if (this.noPrompt()) {
        throw new TransferError(`change the GIT_TERMINAL_PROMPT env var to be prompted to enter your credentials for ${q.protocol}://${q.host}`, {
          code: 'ENOPROMPT',
          status: 401,
          hint: 'GIT_TERMINAL_PROMPT=0 disables the credential prompt: configure a credential helper (credential.helper) or allow the prompt.',
        });
      }
      return null;
    }
    return parseFillOutput(r.stdout);
  }

  async approve(q: CredentialQuery, c: Credentials): Promise<void> {
    if (c.ephemeral) return;
    await this.tell('approve', q, c);
  }

  async reject(q: CredentialQuery, c: Credentials): Promise<void> {
    await this.tell('reject', q, c);
  }

  private async tell(verb: 'approve' | 'reject', q: CredentialQuery, c: Credentials): Promise<void> {
    if (c.source !== 'helper' && c.source !== 'askpass') return;
    try {
      checkCredentialValues({ ...q, ...(c.username ? { username: c.username } : {}), ...(c.state ? { state: c.state } : {}) }, this.protect());
      const { wwwauth: _w, state: _s, ...rest } = q;
      await this.run(verb, encodeQuery(rest, c));
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

/**
 * SSH hybrid auth (reference 4.2): `ssh [opts] [user@]host git-lfs-authenticate <path> <op>`
 * answers JSON shaped like a batch action, `{"href", "header", "expires_in", "expires_at"}`:
 * href replaces the LFS API URL and header is merged into API requests until it expires.
 *
 * Outcomes:
 *  - success: a validated SshAuth (href http(s) only; header names are HTTP tokens and values
 *    carry no CR/LF/NUL; at most 64 headers). No expiry given: lfs.defaulttokenttl seconds when
 *    set (> 0), else it never expires within the run.
 *  - exit 127, or stderr matching "git-lfs-authenticate: ... not found" (Gerrit): unsupported,
 *    null is returned and the caller falls back to plain HTTPS with the credential helper.
 *  - any other failure: a TransferError showing the (escaped, truncated) stderr. ssh's own
 *    connection failures (exit 255) are retried up to lfs.ssh.retries times (default 5).
 * Hostile replies (HS23): stdout is capped at MAX_AUTH_OUTPUT (the process is killed beyond it),
 * the run at 60 s; non-JSON, non-object JSON, a file:// or other non-http href, a bad expires_at
 * are errors; a negative expires_in is "already expired" (used for the request at hand, never
 * cached, so an always-expired server costs one ssh run per API request, not a loop).
 *
 * SshAuthCache: one entry per operation; concurrent callers share one ssh run. Safe for
 * concurrent use.
 */
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { runCapped } from './runCapped.js';
import { sshInvocation, sshProgram, type ConfigLike, type SshTarget } from './sshCommand.js';

export const MAX_AUTH_OUTPUT = 1024 * 1024;
export const AUTH_TIMEOUT_MS = 60_000;
/** git-lfs treats an action expiring within 5 s as expired. */
export const EXPIRY_MARGIN_MS = 5_000;

export interface SshAuth {
  href?: string;
  header: Record<string, string>;
  /** Epoch ms; undefined: no expiry. */
  expiresAt?: number;
}

export interface SshAuthConfig extends ConfigLike {
  getInt(key: string, dflt: number): number;
}

/** Control characters, ESC and bidi overrides made visible (for stderr shown to the user). */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

function authError(message: string): TransferError {
  return new TransferError(message, { code: 'ESSHAUTH' });
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00\r\n]/;

/**
 * Validate a git-lfs-authenticate reply. `now` is epoch ms; `defaultTtlS` is lfs.defaulttokenttl.
 * Throws TransferError (code ESSHAUTH) for anything unusable.
 */
export function parseAuthReply(text: string, now: number, defaultTtlS = 0): SshAuth {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw authError(`git-lfs-authenticate returned invalid JSON: ${JSON.stringify(printable(text.slice(0, 120)))}`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw authError('git-lfs-authenticate returned JSON that is not an object');
  const o = j as Record<string, unknown>;
  const out: SshAuth = { header: {} };
  if (o['href'] !== undefined && o['href'] !== null && o['href'] !== '') {
    const href = o['href'];
    if (typeof href !== 'string' || href.length > 8192 || /[\x00-\x20\x7f]/.test(href)) throw authError('git-lfs-authenticate returned an invalid href');
    let u: URL;
    try {
      u = new URL(href);
    } catch {
      throw authError(`git-lfs-authenticate returned an invalid href: ${JSON.stringify(printable(href.slice(0, 200)))}`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw authError(`git-lfs-authenticate returned an unsupported href (only http and https are used): ${JSON.stringify(printable(href.slice(0, 200)))}`);
    }
    out.href = href.replace(/\/+$/, '');
  }
  const h = o['header'];
  if (h !== undefined && h !== null) {
    if (typeof h !== 'object' || Array.isArray(h)) throw authError('git-lfs-authenticate returned an invalid header object');
    const entries = Object.entries(h as Record<string, unknown>);
    if (entries.length > 64) throw authError('git-lfs-authenticate returned too many headers');
    for (const [k, v] of entries) {
      if (!TOKEN.test(k) || typeof v !== 'string' || v.length > 16384 || BAD_VALUE.test(v)) {
        throw authError(`git-lfs-authenticate returned an invalid header ${JSON.stringify(printable(k.slice(0, 80)))}`);
      }
      out.header[k] = v;
    }
  }
  const ein = o['expires_in'];
  const eat = o['expires_at'];
  if (typeof ein === 'number' && Number.isFinite(ein) && ein !== 0) {
    out.expiresAt = now + Math.trunc(ein) * 1000;
  } else if (ein !== undefined && ein !== null && typeof ein !== 'number') {
    throw authError('git-lfs-authenticate returned an invalid expires_in');
  } else if (typeof eat === 'string' && eat !== '' && !eat.startsWith('0001-01-01')) {
    const t = Date.parse(eat);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(eat) || Number.isNaN(t)) throw authError(`git-lfs-authenticate returned an invalid expires_at: ${JSON.stringify(printable(eat.slice(0, 60)))}`);
    out.expiresAt = t;
  } else if (eat !== undefined && eat !== null && typeof eat !== 'string') {
    throw authError('git-lfs-authenticate returned an invalid expires_at');
  } else if (defaultTtlS > 0) {
    out.expiresAt = now + defaultTtlS * 1000;
  }
  return out;
}

/** True when `a` expires within the margin at `now`. */
export function authExpired(a: SshAuth, now: number): boolean {
  return a.expiresAt !== undefined && a.expiresAt - EXPIRY_MARGIN_MS <= now;
}

const NOT_FOUND = /git-lfs-authenticate:.*not found/i;

export interface SshAuthOptions {
  env: Env;
  config: SshAuthConfig;
  /** Where ssh runs (the repository). */
  cwd: string;
  target: SshTarget;
  operation: 'download' | 'upload';
  signal?: AbortSignal;
  now?: () => number;
  /** Test hook: delay between retries of a failed ssh connection. */
  retryDelayMs?: number;
}

/** Run git-lfs-authenticate once (with retries of ssh connection failures). null: unsupported. */
export async function sshAuthenticate(o: SshAuthOptions): Promise<SshAuth | null> {
  const inv = sshInvocation({ program: sshProgram(o.env, o.config), target: o.target, remoteCommand: 'git-lfs-authenticate', operation: o.operation }, o.env);
  const retries = Math.max(0, o.config.getInt('lfs.ssh.retries', 5));
  for (let attempt = 0; ; attempt++) {
    const r = await runCapped(inv.file, inv.args, { cwd: o.cwd, env: o.env, maxStdout: MAX_AUTH_OUTPUT, timeoutMs: AUTH_TIMEOUT_MS, ...(o.signal ? { signal: o.signal } : {}) });
    if (r.spawnError) throw authError(`cannot run ssh (${inv.file}): ${printable(r.spawnError.message)}`);
    if (r.overflow) throw authError(`git-lfs-authenticate output is too large (over ${MAX_AUTH_OUTPUT} bytes)`);
    if (r.timedOut) throw authError(`git-lfs-authenticate did not finish within ${AUTH_TIMEOUT_MS / 1000} s`);
    if (r.code === 0) {
      const now = (o.now ?? Date.now)();
      return parseAuthReply(r.stdout.toString('utf8'), now, o.config.getInt('lfs.defaulttokenttl', 0));
    }
    if (r.code === 127 || NOT_FOUND.test(r.stderr)) return null;
    if (r.code === 255 && attempt < retries && !o.signal?.aborted) {
      await new Promise((res) => setTimeout(res, (o.retryDelayMs ?? 200) * (attempt + 1)));
      continue;
    }
    const shown = printable(r.stderr.trim().slice(0, 2000));
    throw authError(`ssh: git-lfs-authenticate failed (exit ${r.code ?? 'signal'})${shown ? `: ${shown}` : ''}`);
  }
}

/**
 * Per-operation cache of git-lfs-authenticate results. get() returns a result that is not
 * expired (running ssh when needed; concurrent callers share one run), or null when the server
 * does not support git-lfs-authenticate (remembered for the run).
 */
export class SshAuthCache {
  private readonly entries = new Map<string, { value: SshAuth | null } | { pending: Promise<SshAuth | null> }>();

  constructor(
    private readonly base: Omit<SshAuthOptions, 'operation' | 'signal'>,
    private readonly run: (o: SshAuthOptions) => Promise<SshAuth | null> = sshAuthenticate,
  ) {}

  async get(operation: 'download' | 'upload', signal?: AbortSignal): Promise<SshAuth | null> {
    const now = (this.base.now ?? Date.now)();
    const e = this.entries.get(operation);
    if (e && 'value' in e && (e.value === null || !authExpired(e.value, now))) return e.value;
    if (e && 'pending' in e) return e.pending;
    const pending = this.run({ ...this.base, operation, ...(signal ? { signal } : {}) });
    this.entries.set(operation, { pending });
    try {
      const value = await pending;
      // An answer that is already expired serves this request only.
      if (value && authExpired(value, (this.base.now ?? Date.now)())) this.entries.delete(operation);
      else this.entries.set(operation, { value });
      return value;
    } catch (err) {
      this.entries.delete(operation);
      throw err;
    }
  }
}

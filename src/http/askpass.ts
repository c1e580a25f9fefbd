/**
 * Credentials from an askpass program (reference 4.2, source 6): `GIT_ASKPASS`, else
 * `core.askpass`, else `SSH_ASKPASS`, used only when no `credential.helper` applies to the URL.
 * As git-lfs does, the program is run once per missing value with one argument, the prompt
 * `Username for "<url>"` / `Password for "<url with user>"`, with no shell and no stdin; its
 * trimmed stdout is the answer. A non-zero exit, a timeout or an answer with control characters
 * means "no credentials from askpass" (the caller goes on to `git credential fill`).
 *
 * The URL in the prompt is the request's real protocol and host (and path with
 * credential.useHttpPath), quoted like Go's %q: control characters are escaped, so a hostile
 * user name or path cannot draw a fake prompt on the terminal (CR6, CVE-2024-50349).
 */
import type { Config } from '../config/Config.js';
import type { Env } from '../git/exec.js';
import { runBounded } from './boundedProcess.js';
import { urlConfigValues } from './urlMatch.js';

export interface AskpassQuery {
  protocol: string;
  host: string;
  path?: string;
  username?: string;
}

/** The askpass program, or null. */
export function askpassProgram(config: Config, env: Env): string | null {
  return env['GIT_ASKPASS'] || config.get('core.askpass') || env['SSH_ASKPASS'] || null;
}

/** Whether any credential.helper applies to `url` (an empty value resets the list, as in git). */
export function hasCredentialHelper(config: Config, url: string): boolean {
  let n = 0;
  for (const v of urlConfigValues(config, 'credential', 'helper', url)) n = v === '' ? 0 : n + 1;
  return n > 0;
}

/** Go's %q for a string: double quotes, with quotes, backslashes and control characters escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

/** The URL shown in a prompt: protocol://[user@]host[/path]. */
export function promptUrl(q: AskpassQuery, withUser: boolean): string {
  const user = withUser && q.username ? `${encodeURIComponent(q.username)}@` : '';
  const path = q.path ? `/${q.path.replace(/^\//, '')}` : '';
  return `${q.protocol}://${user}${q.host}${path}`;
}

export interface AskpassOptions {
  program: string;
  cwd: string;
  env: Env;
  timeoutMs: number;
  detached: boolean;
}

async function ask(prompt: string, o: AskpassOptions): Promise<string | null> {
  const r = await runBounded(o.program, [prompt], { cwd: o.cwd, env: o.env, timeoutMs: o.timeoutMs, detached: o.detached, maxStdout: 16 * 1024 });
  if (r.kind !== 'exit' || r.status !== 0) return null;
  const v = r.stdout.trim();
  if (/[\x00-\x1f\x7f]/.test(v)) return null;
  return v;
}

/** Ask for the user name (unless known) and the password; null when the program gives none. */
export async function askpassCredentials(q: AskpassQuery, o: AskpassOptions): Promise<{ username: string; password: string } | null> {
  let username = q.username ?? '';
  if (!username) {
    const u = await ask(`Username for ${goQuote(promptUrl(q, false))}`, o);
    if (u === null) return null;
    username = u;
  }
  const password = await ask(`Password for ${goQuote(promptUrl({ ...q, username }, true))}`, o);
  if (password === null) return null;
  return { username, password };
}

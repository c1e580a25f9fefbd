/**
 * ~/.netrc lookup (credential source 4 of git-lfs): `machine <host> login <user> password <pw>`
 * entries, tokens separated by any whitespace, `macdef` bodies skipped. Only an entry whose
 * machine equals the request's host name is used: the `default` entry is ignored on purpose,
 * because it would hand the same password to any server a repository names (CR7). Pure parsing
 * plus one file read.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Env } from '../git/exec.js';

export interface NetrcEntry {
  machine: string;
  login?: string;
  password?: string;
}

/** Parse netrc text into machine entries (the `default` entry is dropped). */
export function parseNetrc(text: string): NetrcEntry[] {
  const out: NetrcEntry[] = [];
  const lines = text.split(/\r?\n/);
  const tokens: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words[0] === 'macdef') {
      // Skip the macro body: up to the next empty line.
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') i++;
      continue;
    }
    for (const w of words) {
      if (w.startsWith('#')) break;
      tokens.push(w);
    }
  }
  let cur: NetrcEntry | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t === 'machine' && next !== undefined) {
      cur = { machine: next };
      out.push(cur);
      i++;
    } else if (t === 'default') {
      cur = null; // entries after `default` belong to it: ignored
    } else if ((t === 'login' || t === 'password' || t === 'account') && next !== undefined) {
      if (cur && t !== 'account') cur[t] = next;
      i++;
    }
  }
  return out;
}

/** The login/password for `hostname` in $HOME/.netrc, or null. Never throws. */
export async function netrcCredentials(env: Env, hostname: string): Promise<{ username: string; password: string } | null> {
  const home = env['HOME'] ?? env['USERPROFILE'];
  if (!home) return null;
  const text = await readFile(join(home, '.netrc'), 'utf8').catch(() => null);
  if (text === null) return null;
  const e = parseNetrc(text).find((m) => m.machine.toLowerCase() === hostname.toLowerCase());
  if (!e || e.login === undefined || e.password === undefined) return null;
  return { username: e.login, password: e.password };
}

/**
 * One immutable view of configuration: git config (all scopes, as `git config -l -z` lists them),
 * the safe subset of `.lfsconfig` (lower precedence), and an env map passed in. Pure: loading is
 * in config/load.ts.
 *
 * Keys are canonicalised as git does: section and variable lower-case, subsection kept as is.
 */
import type { Env } from '../git/exec.js';

/** [key, value] or [key, value, scope] where scope is git's --show-scope word (local, global...). */
export type ConfigEntry = readonly [key: string, value: string, scope?: string];

/** Lower-case the section and the variable name, keep the subsection's case. */
export function canonicalKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first < 0) return key.toLowerCase();
  if (first === last) return key.toLowerCase();
  return key.slice(0, first).toLowerCase() + key.slice(first, last) + key.slice(last).toLowerCase();
}

/** git's boolean parsing. Returns undefined for an unparseable value. */
export function parseGitBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === '' || s === 'false' || s === 'no' || s === 'off' || s === '0') return false;
  if (s === 'true' || s === 'yes' || s === 'on' || s === '1') return true;
  const n = Number(s);
  if (Number.isInteger(n)) return n !== 0;
  return undefined;
}

/** Truthiness of GIT_LFS_* style environment switches (1/true/on/yes). */
export function envTruthy(v: string | undefined): boolean {
  return parseGitBool(v) === true;
}

export class Config {
  private readonly values = new Map<string, string[]>();
  private readonly lfsconfig = new Map<string, string[]>();
  private readonly scoped = new Map<string, string[]>();

  constructor(
    gitEntries: readonly ConfigEntry[],
    lfsconfigEntries: readonly ConfigEntry[] = [],
    readonly env: Env = {},
  ) {
    for (const [k, v, scope] of gitEntries) {
      const ck = canonicalKey(k);
      push(this.values, ck, v);
      if (scope) push(this.scoped, `${scope}\0${ck}`, v);
    }
    for (const [k, v] of lfsconfigEntries) push(this.lfsconfig, canonicalKey(k), v);
  }

  /** Last value wins, as in git; git config beats .lfsconfig. */
  get(key: string): string | undefined {
    const k = canonicalKey(key);
    const a = this.values.get(k) ?? this.lfsconfig.get(k);
    return a === undefined ? undefined : a[a.length - 1];
  }

  /** The last value of `key` in one scope (local, global, system, worktree, command). */
  getInScope(key: string, scope: string): string | undefined {
    const a = this.scoped.get(`${scope}\0${canonicalKey(key)}`);
    return a === undefined ? undefined : a[a.length - 1];
  }

  getAll(key: string): string[] {
    const k = canonicalKey(key);
    return [...(this.values.get(k) ?? this.lfsconfig.get(k) ?? [])];
  }

  getBool(key: string, dflt: boolean): boolean {
    return parseGitBool(this.get(key)) ?? dflt;
  }

  getInt(key: string, dflt: number): number {
    const v = this.get(key);
    if (v === undefined) return dflt;
    const m = /^\s*(-?\d+)\s*([kmg]?)\s*$/i.exec(v);
    if (!m) return dflt;
    const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
    return Number(m[1]) * mult;
  }

  /** Every canonical key (git config and .lfsconfig) that starts with `prefix`. */
  keysWithPrefix(prefix: string): string[] {
    const p = canonicalKey(prefix + 'x').slice(0, -1);
    const out = new Set<string>();
    for (const k of this.values.keys()) if (k.startsWith(p)) out.add(k);
    for (const k of this.lfsconfig.keys()) if (k.startsWith(p)) out.add(k);
    return [...out];
  }

  /** All git-config entries (not .lfsconfig), canonical keys, in order of appearance per key. */
  entries(): Array<[string, string[]]> {
    return [...this.values.entries()].map(([k, v]) => [k, [...v]]);
  }
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

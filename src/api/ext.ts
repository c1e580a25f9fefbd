/**
 * Library entry point for `ext [list [name...]]`: the configured LFS pointer extensions
 * (`lfs.extension.<name>.clean/smudge/priority`), sorted by priority as git-lfs lists them.
 * Read from git config only (all scopes), never from `.lfsconfig`, which may not define
 * extensions. Works outside a repository (global config).
 */
import { TslfsError } from '../errors/TslfsError.js';
import { git, splitNul, type Env } from '../git/exec.js';

export interface ExtensionInfo {
  name: string;
  clean: string;
  smudge: string;
  priority: number;
}

export interface ExtResult {
  extensions: ExtensionInfo[];
  /** Requested names that are not configured. */
  missing: string[];
}

/** Throws TslfsError when two extensions share a priority (git-lfs: "duplicate priority N on <name>"). */
export async function ext(opts: { cwd: string; env: Env; names?: string[] }): Promise<ExtResult> {
  const r = await git(['config', '-z', '--get-regexp', '^lfs\\.extension\\.'], { cwd: opts.cwd, env: opts.env, allowFailure: true });
  const byName = new Map<string, ExtensionInfo>();
  for (const rec of splitNul(r.stdout)) {
    const nl = rec.indexOf('\n');
    const key = nl < 0 ? rec : rec.slice(0, nl);
    const value = nl < 0 ? '' : rec.slice(nl + 1);
    const rest = key.slice('lfs.extension.'.length);
    const dot = rest.lastIndexOf('.');
    if (dot <= 0) continue;
    const name = rest.slice(0, dot);
    const field = rest.slice(dot + 1).toLowerCase();
    const e = byName.get(name) ?? { name, clean: '', smudge: '', priority: 0 };
    if (field === 'clean') e.clean = value;
    else if (field === 'smudge') e.smudge = value;
    else if (field === 'priority') e.priority = /^\s*\d+\s*$/.test(value) ? Number(value) : 0;
    else continue;
    byName.set(name, e);
  }
  const all = [...byName.values()].sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : 1));
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.priority === all[i - 1]!.priority) throw new TslfsError(`duplicate priority ${all[i]!.priority} on ${all[i]!.name}`);
  }
  if (!opts.names || opts.names.length === 0) return { extensions: all, missing: [] };
  const extensions: ExtensionInfo[] = [];
  const missing: string[] = [];
  for (const n of opts.names) {
    const e = byName.get(n);
    if (e) extensions.push(e);
    else missing.push(n);
  }
  return { extensions, missing };
}

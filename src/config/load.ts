/**
 * Build a Config for a repository: `git config -l -z` (every scope) plus the safe keys of
 * `.lfsconfig` from the work tree, else the index, else HEAD (HEAD only in a bare repository).
 * A `.lfsconfig` that is a symlink is never followed.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { git, splitNul, type Env } from '../git/exec.js';
import type { RepoInfo } from '../git/repo.js';
import { canonicalKey, Config, type ConfigEntry } from './Config.js';
import { isSafeLfsconfigKey } from './lfsconfigKeys.js';

/** Parse `git config -l -z` output; with `withScope`, the output of `--show-scope` too. */
export function parseConfigList(stdout: Buffer, withScope = false): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  const items = splitNul(stdout);
  for (let i = 0; i < items.length; i++) {
    const scope = withScope ? items[i++] : undefined;
    const item = items[i];
    if (item === undefined) break;
    const nl = item.indexOf('\n');
    // A key with no value (`[section] key`) lists without a newline; git treats it as true.
    const key = nl < 0 ? item : item.slice(0, nl);
    const value = nl < 0 ? 'true' : item.slice(nl + 1);
    out.push(scope === undefined ? [key, value] : [key, value, scope]);
  }
  return out;
}

export async function readGitConfig(cwd: string, env: Env): Promise<ConfigEntry[]> {
  const r = await git(['config', '-l', '-z', '--show-scope'], { cwd, env, allowFailure: true });
  return parseConfigList(r.stdout, true);
}

export interface LfsconfigRead {
  entries: ConfigEntry[];
  /** Keys present in .lfsconfig that were ignored as unsafe. */
  ignored: string[];
}

export async function readLfsconfig(repo: RepoInfo | null, cwd: string, env: Env): Promise<LfsconfigRead> {
  if (!repo) return { entries: [], ignored: [] };
  let raw: ConfigEntry[] | null = null;
  if (repo.workTree) {
    const p = join(repo.workTree, '.lfsconfig');
    const st = await lstat(p).catch(() => null);
    if (st?.isFile()) {
      const r = await git(['config', '-l', '-z', '--no-includes', '-f', p], { cwd, env, allowFailure: true });
      raw = r.status === 0 ? parseConfigList(r.stdout) : [];
    } else if (st) {
      raw = []; // a symlink or directory: ignored
    }
  }
  if (!raw) {
    // One cat-file call says which of the index and HEAD versions exist (usually neither), so
    // a repository without .lfsconfig costs one git process here, not two.
    const blobs = repo.workTree ? [':.lfsconfig', 'HEAD:.lfsconfig'] : ['HEAD:.lfsconfig'];
    const check = await git(['cat-file', '--batch-check=%(objecttype)'], { cwd, env, input: blobs.join('\n') + '\n', allowFailure: true });
    const kinds = check.stdout.toString('utf8').split('\n');
    const blob = blobs.find((_, i) => kinds[i] === 'blob');
    if (blob) {
      const r = await git(['config', '-l', '-z', '--no-includes', '--blob', blob], { cwd, env, allowFailure: true });
      if (r.status === 0) raw = parseConfigList(r.stdout);
    }
  }
  const entries: ConfigEntry[] = [];
  const ignored: string[] = [];
  for (const [k, v] of raw ?? []) {
    const ck = canonicalKey(k);
    if (isSafeLfsconfigKey(ck)) entries.push([ck, v]);
    else ignored.push(ck);
  }
  return { entries, ignored };
}

export async function loadConfig(repo: RepoInfo | null, cwd: string, env: Env): Promise<{ config: Config; ignoredLfsconfigKeys: string[] }> {
  const [gitEntries, lfs] = await Promise.all([readGitConfig(cwd, env), readLfsconfig(repo, cwd, env)]);
  return { config: new Config(gitEntries, lfs.entries, env), ignoredLfsconfigKeys: lfs.ignored };
}

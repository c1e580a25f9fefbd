/**
 * The git configuration a library caller without a git binary gets: `extraFiles` first (lowest
 * precedence, e.g. the user's ~/.gitconfig when the caller wants it), then the repository's
 * `<commondir>/config`, then `<gitdir>/config.worktree` when `extensions.worktreeConfig` is on.
 * Like isomorphic-git, global and system files are NOT read unless passed, and `[include]` is
 * not followed. Missing files count as empty; a file with a syntax error throws TslfsError.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Config, parseGitBool, type ConfigEntry } from '../../config/Config.js';
import type { Env } from '../exec.js';
import type { RepoInfo } from '../repo.js';
import { parseGitConfigText } from './parseGitConfigText.js';

async function readEntries(path: string): Promise<ConfigEntry[]> {
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? [] : parseGitConfigText(text, path);
}

export async function readIsoConfig(repo: RepoInfo, opts: { extraFiles?: readonly string[]; env?: Env } = {}): Promise<Config> {
  const entries: ConfigEntry[] = [];
  for (const f of opts.extraFiles ?? []) entries.push(...(await readEntries(f)));
  const local = await readEntries(join(repo.commonDir, 'config'));
  entries.push(...local.map(([k, v]) => [k, v, 'local'] as const));
  const wtc = local.filter(([k]) => k === 'extensions.worktreeconfig').pop();
  if (parseGitBool(wtc?.[1]) === true) {
    const wt = await readEntries(join(repo.gitDir, 'config.worktree'));
    entries.push(...wt.map(([k, v]) => [k, v, 'worktree'] as const));
  }
  return new Config(entries, [], opts.env ?? {});
}

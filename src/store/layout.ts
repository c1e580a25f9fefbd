/**
 * Where the LFS store lives for a repository: `<common git dir>/lfs` (linked worktrees share it)
 * or `lfs.storage` (absolute, or relative to the common git dir), plus reference stores found
 * through git alternates. Reading alternates is the only I/O here.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/Config.js';
import type { Env } from '../git/exec.js';
import type { RepoInfo } from '../git/repo.js';

export interface StoreLayout {
  /** The LFS dir: objects/, tmp/, incomplete/, logs/, bad/ live under it. */
  lfsDir: string;
  objectsDir: string;
  tmpDir: string;
  incompleteDir: string;
  logsDir: string;
  badDir: string;
  /** Read-only `lfs/objects` dirs of alternate object stores that exist. */
  referenceObjectDirs: string[];
}

export function storeLayoutFor(lfsDir: string, referenceObjectDirs: string[] = []): StoreLayout {
  return {
    lfsDir,
    objectsDir: join(lfsDir, 'objects'),
    tmpDir: join(lfsDir, 'tmp'),
    incompleteDir: join(lfsDir, 'incomplete'),
    logsDir: join(lfsDir, 'logs'),
    badDir: join(lfsDir, 'bad'),
    referenceObjectDirs,
  };
}

export function lfsDirFor(repo: RepoInfo, config: Config): string {
  const storage = config.get('lfs.storage');
  if (storage) return isAbsolute(storage) ? storage : resolve(repo.commonDir, storage);
  return join(repo.commonDir, 'lfs');
}

/** Unquote one alternates entry (git allows C-style quoted paths). */
function unquoteAlternate(line: string): string {
  if (!line.startsWith('"') || !line.endsWith('"') || line.length < 2) return line;
  const body = line.slice(1, -1);
  return body.replace(/\\(["\\abfnrtv]|[0-7]{3})/g, (_m, c: string) => {
    const map: Record<string, string> = { '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
    return map[c] ?? String.fromCharCode(parseInt(c, 8));
  });
}

/** Parse `objects/info/alternates` text into object dirs (relative ones resolved). */
export function parseAlternates(text: string, objectsDir: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const p = unquoteAlternate(line);
    out.push(isAbsolute(p) ? p : resolve(objectsDir, p));
  }
  return out;
}

export async function referenceObjectDirs(repo: RepoInfo, env: Env): Promise<string[]> {
  const gitObjects = join(repo.commonDir, 'objects');
  const dirs: string[] = [];
  const text = await readFile(join(gitObjects, 'info', 'alternates'), 'utf8').catch(() => '');
  dirs.push(...parseAlternates(text, gitObjects));
  const envAlt = env['GIT_ALTERNATE_OBJECT_DIRECTORIES'];
  if (envAlt) for (const p of envAlt.split(':')) if (p) dirs.push(resolve(unquoteAlternate(p)));
  const out: string[] = [];
  for (const d of dirs) {
    const lfsObjects = resolve(d, '..', 'lfs', 'objects');
    const st = await stat(lfsObjects).catch(() => null);
    if (st?.isDirectory() && !out.includes(lfsObjects)) out.push(lfsObjects);
  }
  return out;
}

export async function resolveStoreLayout(repo: RepoInfo, config: Config, env: Env): Promise<StoreLayout> {
  return storeLayoutFor(lfsDirFor(repo, config), await referenceObjectDirs(repo, env));
}

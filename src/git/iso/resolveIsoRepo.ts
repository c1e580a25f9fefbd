/**
 * Find a repository's git dirs from a work tree directory without a git binary, for library
 * callers that use isomorphic-git's `{ dir, gitdir? }` convention:
 *  - `gitdir` given: used as is (a bare repository when `dir` is absent);
 *  - else `dir/.git`: a directory, or a file `gitdir: <path>` (linked worktrees, submodules;
 *    a relative path is relative to `dir`);
 *  - the common dir (shared refs, config and LFS store of linked worktrees) is named by
 *    `<gitdir>/commondir` (relative to the git dir), else it is the git dir.
 * Unlike git, `dir` is not searched upwards: it must be the work tree root (use isomorphic-git's
 * findRoot first when needed). Reads files only; throws NotARepositoryError.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NotARepositoryError } from '../../errors/TslfsError.js';
import type { RepoInfo } from '../repo.js';

export interface IsoRepoLocation {
  /** The work tree root (isomorphic-git's `dir`). */
  dir?: string;
  /** The git dir (isomorphic-git's `gitdir`); default `dir/.git` (following a `gitdir:` file). */
  gitdir?: string;
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** Read a one-line pointer file (`.git` file, `commondir`): its first line, trimmed of CR/LF. */
async function firstLine(p: string): Promise<string | null> {
  const text = await readFile(p, 'utf8').catch(() => null);
  if (text === null) return null;
  return text.split('\n')[0]!.replace(/\r$/, '');
}

export async function resolveIsoRepo(loc: IsoRepoLocation): Promise<RepoInfo> {
  if (!loc.dir && !loc.gitdir) throw new NotARepositoryError('Not in a Git repository (neither dir nor gitdir given).');
  const workTree = loc.dir ? resolve(loc.dir) : null;
  let gitDir: string;
  if (loc.gitdir) {
    gitDir = resolve(loc.gitdir);
  } else {
    const dotgit = join(workTree!, '.git');
    const st = await stat(dotgit).catch(() => null);
    if (!st) throw new NotARepositoryError(`Not in a Git repository: ${dotgit} does not exist.`);
    if (st.isDirectory()) gitDir = dotgit;
    else {
      const line = await firstLine(dotgit);
      if (line === null || !line.startsWith('gitdir: ')) throw new NotARepositoryError(`Not in a Git repository: invalid gitfile format: ${dotgit}`);
      gitDir = resolve(workTree!, line.slice(8).trim());
    }
  }
  if (!(await isDir(gitDir))) throw new NotARepositoryError(`Not in a Git repository: ${gitDir} is not a directory.`);
  const common = await firstLine(join(gitDir, 'commondir'));
  const commonDir = common ? resolve(gitDir, common.trim()) : gitDir;
  if (!(await isDir(join(commonDir, 'objects')))) throw new NotARepositoryError(`Not in a Git repository: ${commonDir} has no objects directory.`);
  return { gitDir, commonDir, workTree, bare: workTree === null, prefix: '' };
}

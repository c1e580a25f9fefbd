/**
 * Where a repository lives: its git dir, the common dir that linked worktrees share (and so the
 * LFS store), and the work tree if there is one. One `git rev-parse` call.
 */
import { resolve } from 'node:path';
import { NotARepositoryError } from '../errors/TslfsError.js';
import { git, type Env } from './exec.js';

export interface RepoInfo {
  /** Absolute git dir of this worktree (e.g. /r/.git or /r/.git/worktrees/w). */
  gitDir: string;
  /** Absolute common git dir (shared by linked worktrees). */
  commonDir: string;
  /** Absolute work tree root, or null in a bare repository. */
  workTree: string | null;
  bare: boolean;
  /** The caller's directory relative to the work tree root, with a trailing slash or empty. */
  prefix: string;
}

/** Throws NotARepositoryError outside a repository. */
export async function discoverRepo(cwd: string, env: Env): Promise<RepoInfo> {
  const r = await git(
    ['rev-parse', '--path-format=absolute', '--absolute-git-dir', '--git-common-dir', '--is-bare-repository', '--show-prefix', '--show-toplevel'],
    { cwd, env, allowFailure: true },
  );
  const lines = r.stdout.toString('utf8').split('\n');
  if (lines.length < 4 || !lines[0]) {
    throw new NotARepositoryError('Not in a Git repository.', r.stderr.trim() || undefined);
  }
  const bare = lines[2] === 'true';
  const top = lines[4] ?? '';
  const gitDir = lines[0];
  const workTree = bare || !top ? null : top;
  return {
    gitDir,
    commonDir: resolve(cwd, lines[1]!),
    workTree,
    bare,
    prefix: workTree ? lines[3] ?? '' : '',
  };
}

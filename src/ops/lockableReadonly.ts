/**
 * Making `lockable` files read-only in the work tree after checkout, commit and merge (the
 * post-checkout, post-commit and post-merge hooks), as git-lfs does: a file matching a `lockable`
 * attribute is made read-only unless we hold its lock, and writable when we do.
 *
 * Hooks run on every checkout, so the common case (no `lockable` anywhere) must cost almost
 * nothing: `mayHaveLockable` reads the attribute sources (the .gitattributes files in the
 * index, $GIT_DIR/info/attributes, core.attributesFile) and only when the word `lockable`
 * appears does any further git command run.
 *
 * Which files are ours: `LockOwnership.isLockedByUs(path)`; the hooks pass the local lock cache
 * (ops/localLockOwnership.ts). NO_LOCKS_HELD says "not ours" for every path.
 *
 * Never throws for a single file it cannot chmod (a missing or replaced file is skipped); git
 * failures throw GitError.
 */
import { chmod, lstat, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Config } from '../config/Config.js';
import { envTruthy, parseGitBool } from '../config/Config.js';
import { git, splitNul, type Env } from '../git/exec.js';
import type { RepoInfo } from '../git/repo.js';

/** Which lockable files we hold the lock of (the locking work plugs in here). */
export interface LockOwnership {
  isLockedByUs(path: string): boolean | Promise<boolean>;
}

export const NO_LOCKS_HELD: LockOwnership = { isLockedByUs: () => false };

export interface LockableContext {
  repo: RepoInfo;
  config: Config;
  env: Env;
}

/** lfs.setlockablereadonly=false or GIT_LFS_SET_LOCKABLE_READONLY=0 turn the feature off. */
export function setLockableReadonlyEnabled(config: Config | null, env: Env): boolean {
  const e = env['GIT_LFS_SET_LOCKABLE_READONLY'];
  if (e !== undefined && e !== '') return parseGitBool(e) ?? envTruthy(e);
  return config ? config.getBool('lfs.setlockablereadonly', true) : true;
}

/** The global attributes file git reads: core.attributesFile, else $XDG_CONFIG_HOME/git/attributes. */
function globalAttributesFile(config: Config, env: Env): string | null {
  const v = config.get('core.attributesFile');
  if (v) {
    if ((v === '~' || v.startsWith('~/')) && env['HOME']) return join(env['HOME'], v.slice(1));
    return v;
  }
  const xdg = env['XDG_CONFIG_HOME'] || (env['HOME'] ? join(env['HOME'], '.config') : '');
  return xdg ? join(xdg, 'git', 'attributes') : null;
}

async function mentionsLockable(path: string): Promise<boolean> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.includes('lockable');
}

/**
 * False when no attribute source mentions `lockable` (then nothing can be lockable). One git
 * call (ls-files of .gitattributes files) plus small file reads.
 */
export async function mayHaveLockable(ctx: LockableContext, attributeFiles?: readonly string[]): Promise<boolean> {
  const { repo, config, env } = ctx;
  const sources: string[] = [join(repo.commonDir, 'info', 'attributes')];
  const global = globalAttributesFile(config, env);
  if (global) sources.push(isAbsolute(global) ? global : join(repo.workTree ?? repo.gitDir, global));
  for (const s of sources) if (await mentionsLockable(s)) return true;
  if (!repo.workTree) return false;
  for (const rel of new Set(attributeFiles ?? (await listAttributeFiles(repo.workTree, env)))) {
    if (await mentionsLockable(join(repo.workTree, rel))) return true;
  }
  return false;
}

/**
 * The .gitattributes files in the index, repo-root-relative, from any directory of the work
 * tree (`cwd`). The hooks start this at the same time as the repository lookup.
 */
export async function listAttributeFiles(cwd: string, env: Env): Promise<string[]> {
  const r = await git(['ls-files', '-z', '--full-name', '--', ':(top).gitattributes', ':(top,glob)**/.gitattributes'], { cwd, env });
  return splitNul(r.stdout);
}

/** Index paths (repo-root-relative) whose `lockable` attribute is set, optionally limited to `among`. */
export async function lockablePaths(ctx: LockableContext, among?: readonly string[]): Promise<string[]> {
  const cwd = ctx.repo.workTree!;
  if (among && among.length === 0) return [];
  const r = await git(['ls-files', '-z', '--', ':(top,attr:lockable)'], { cwd, env: ctx.env });
  const all = splitNul(r.stdout);
  if (!among) return [...new Set(all)];
  const wanted = new Set(among);
  return [...new Set(all.filter((p) => wanted.has(p)))];
}

/**
 * Set the write bits of `paths` (repo-root-relative): read-only unless locked by us. Symlinks,
 * missing files and directories are skipped. Returns the paths whose mode changed.
 */
export async function applyLockableModes(workTree: string, paths: readonly string[], locks: LockOwnership): Promise<string[]> {
  const changed: string[] = [];
  for (const rel of paths) {
    const abs = join(workTree, rel);
    const st = await lstat(abs).catch(() => null);
    if (!st || !st.isFile()) continue;
    const mode = st.mode & 0o7777;
    const ours = await locks.isLockedByUs(rel);
    // Writable: the owner's write bit only (as git-lfs). Group/other write is never added, so
    // locking a file can never make it world-writable.
    const next = ours ? mode | 0o200 : mode & ~0o222;
    if (next === mode) continue;
    try {
      await chmod(abs, next);
      changed.push(rel);
    } catch {
      /* a file we cannot chmod (not ours, vanished) is not worth failing a checkout for */
    }
  }
  return changed;
}

export type LockableScope =
  | { kind: 'all' }
  /** Files changed between two commits (post-checkout of a branch). */
  | { kind: 'diff'; from: string; to: string }
  /** Files changed by one commit (post-commit). */
  | { kind: 'commit'; rev: string };

async function changedPaths(ctx: LockableContext, scope: LockableScope): Promise<string[] | undefined> {
  const cwd = ctx.repo.workTree!;
  if (scope.kind === 'all') return undefined;
  const args =
    scope.kind === 'diff'
      ? ['diff', '--name-only', '-z', '--no-renames', scope.from, scope.to, '--']
      : ['diff-tree', '--no-commit-id', '--name-only', '-z', '-r', '--root', '--no-renames', scope.rev, '--'];
  const r = await git(args, { cwd, env: ctx.env, noFilters: true });
  return splitNul(r.stdout);
}

/**
 * The whole hook job: returns the paths whose mode changed (empty when disabled, bare, or
 * nothing is lockable).
 */
export async function fixLockableFiles(ctx: LockableContext, scope: LockableScope, locks: LockOwnership = NO_LOCKS_HELD): Promise<string[]> {
  if (!ctx.repo.workTree) return [];
  if (!setLockableReadonlyEnabled(ctx.config, ctx.env)) return [];
  if (!(await mayHaveLockable(ctx))) return [];
  const among = await changedPaths(ctx, scope);
  const paths = await lockablePaths(ctx, among);
  return applyLockableModes(ctx.repo.workTree, paths, locks);
}

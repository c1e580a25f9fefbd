/**
 * The four git hooks tslfs installs (pre-push, post-checkout, post-commit, post-merge): their
 * script text, where they go (core.hooksPath or <common git dir>/hooks), and which existing
 * contents may be replaced: ours (any command form), git-lfs's current and older scripts, and
 * empty files. Anything else is a foreign hook and is never overwritten without `force`.
 *
 * Concurrency: hooks are written with a plain writeFile (a hook is < 1 KiB); two tslfs processes
 * installing at once write the same bytes. Throws HookExistsError for a foreign hook, and
 * filesystem errors as they come (installHooksQuietly swallows everything).
 */
import { chmod, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Config } from '../config/Config.js';
import { TslfsError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import type { RepoInfo } from '../git/repo.js';
import { isTslfsCommand, tslfsCommand, type TslfsSelf } from './tslfsCommand.js';

export const HOOK_TYPES = ['pre-push', 'post-checkout', 'post-commit', 'post-merge'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/** A hook that is not ours is in the way (git-lfs words; exit 2). */
export class HookExistsError extends TslfsError {
  constructor(
    readonly hook: string,
    readonly contents: string,
  ) {
    super(`Hook already exists: ${hook}\n\n${indent(contents)}\n`, {
      code: 'EHOOKEXISTS',
      hint:
        'To resolve this, either:\n' +
        '  1: run `tslfs update --manual` for instructions on how to merge hooks.\n' +
        '  2: run `tslfs update --force` to overwrite your hook.',
    });
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => (l ? '\t' + l : l))
    .join('\n');
}

/** Text for a double-quoted sh string (echo's argument). */
function dq(s: string): string {
  return s.replace(/[\\"$`]/g, (c) => '\\' + c);
}

/**
 * The hook script for `type` running `cmd` (see tslfsCommand). When the command is missing it
 * says how to remove the hook and exits 2, as git-lfs's hooks do.
 */
export function hookScript(type: HookType, cmd: string): string {
  const removal =
    `If you no longer wish to use Git LFS, remove this hook by deleting the '${type}' file in the hooks directory ` +
    `(set by 'core.hookspath'; usually '.git/hooks').`;
  let check: string;
  if (cmd === 'tslfs') {
    check =
      `command -v tslfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS (tslfs) but ` +
      `'tslfs' was not found on your path. ${removal}\\n"; exit 2; }`;
  } else {
    // cmd is `'<node>' '<bin>'`: both must still exist.
    const [node, bin] = cmd.match(/'(?:[^']|'\\'')*'/g) ?? [];
    check =
      `[ -x ${node} ] && [ -f ${bin} ] || { echo >&2 "\\nThis repository is configured for Git LFS (tslfs) but ` +
      `${dq(`tslfs (${cmd})`)} was not found. ${removal}\\n"; exit 2; }`;
  }
  return `#!/bin/sh\n${check}\n${cmd} ${type} "$@"\n`;
}

// git-lfs's hook scripts, current and older, that may be replaced by ours ({{Command}} = type).
const GIT_LFS_MISSING = `command -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS but 'git-lfs' was not found on your path. If you no longer wish to use Git LFS, remove this hook by deleting`;
const GIT_LFS_HOOKS: readonly string[] = [
  `#!/bin/sh\n${GIT_LFS_MISSING} the '{{Command}}' file in the hooks directory (set by 'core.hookspath'; usually '.git/hooks').\\n"; exit 2; }\ngit lfs {{Command}} "$@"`,
  `#!/bin/sh\n${GIT_LFS_MISSING} '.git/hooks/{{Command}}'.\\n"; exit 2; }\ngit lfs {{Command}} "$@"`,
  `#!/bin/sh\n${GIT_LFS_MISSING} .git/hooks/{{Command}}.\\n"; exit 2; }\ngit lfs {{Command}} "$@"`,
];
const GIT_LFS_OLD_PRE_PUSH: readonly string[] = [
  '#!/bin/sh\ngit lfs push --stdin $*',
  '#!/bin/sh\ngit lfs push --stdin "$@"',
  '#!/bin/sh\ngit lfs pre-push "$@"',
  `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository has been set up with Git LFS but Git LFS is not installed.\\n"; exit 0; }\ngit lfs pre-push "$@"`,
  `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository has been set up with Git LFS but Git LFS is not installed.\\n"; exit 2; }\ngit lfs pre-push "$@"`,
];

/** Trim, unify line ends and drop each line's leading whitespace (git-lfs compares "undented"). */
function normalize(s: string): string {
  return s
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .trim();
}

/** A hook tslfs wrote, with whatever command form: `#!/bin/sh`, the missing check, `<cmd> <type> "$@"`. */
export function isTslfsHook(type: HookType, contents: string): boolean {
  const lines = normalize(contents).split('\n');
  if (lines.length !== 3 || lines[0] !== '#!/bin/sh') return false;
  if (!lines[1]!.includes('tslfs') || !lines[1]!.endsWith('exit 2; }')) return false;
  const suffix = ` ${type} "$@"`;
  return lines[2]!.endsWith(suffix) && isTslfsCommand(lines[2]!.slice(0, -suffix.length));
}

/** A script git-lfs wrote for this hook (current or older versions). */
export function isGitLfsHook(type: HookType, contents: string): boolean {
  const n = normalize(contents);
  const known = type === 'pre-push' ? [...GIT_LFS_HOOKS, ...GIT_LFS_OLD_PRE_PUSH] : GIT_LFS_HOOKS;
  return known.some((k) => k.replaceAll('{{Command}}', type) === n);
}

export type HookState = 'missing' | 'current' | 'ours' | 'git-lfs' | 'empty' | 'foreign';

/** What is at a hook path now, relative to the script we want (`wanted`). */
export function classifyHook(type: HookType, existing: string | null, wanted: string): HookState {
  if (existing === null) return 'missing';
  if (normalize(existing) === normalize(wanted)) return 'current';
  if (normalize(existing) === '') return 'empty';
  if (isTslfsHook(type, existing)) return 'ours';
  if (isGitLfsHook(type, existing)) return 'git-lfs';
  return 'foreign';
}

/**
 * The hooks directory git uses: core.hooksPath (`~/` expanded; relative to the work tree root,
 * or to the git dir in a bare repository, where git runs hooks) or <common git dir>/hooks.
 */
export function hooksDir(repo: RepoInfo, config: Config, env: Env): string {
  const hp = config.get('core.hooksPath');
  if (hp) {
    let p = hp;
    if ((p === '~' || p.startsWith('~/')) && env['HOME']) p = join(env['HOME'], p.slice(1));
    return isAbsolute(p) ? p : resolve(repo.workTree ?? repo.gitDir, p);
  }
  return join(repo.commonDir, 'hooks');
}

/** How to show a hook path to the user: relative to the work tree when inside it. */
export function displayHookPath(repo: RepoInfo, dir: string, type: string): string {
  const p = join(dir, type);
  if (repo.workTree) {
    const rel = relative(repo.workTree, p);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return p;
}

async function readHook(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Replace a hook atomically (temp file + rename), so a running git never execs half a file. */
async function writeHook(path: string, text: string): Promise<void> {
  const tmp = `${path}.tslfs-${process.pid}-${Date.now()}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o755, flag: 'wx' });
    await chmod(tmp, 0o755);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

export interface HookTarget {
  repo: RepoInfo;
  config: Config;
  env: Env;
}

export interface HooksOptions extends HookTarget {
  /** The tslfs that the hooks should run. */
  self: TslfsSelf;
  /** Overwrite foreign hooks too. */
  force?: boolean;
}

/**
 * Install or upgrade all four hooks, in order. Missing, empty, ours and git-lfs's hooks are
 * (re)written; a foreign hook throws HookExistsError unless `force` (hooks before it are already
 * written, as with git-lfs). Returns the hook types written.
 */
export async function installHooks(opts: HooksOptions): Promise<HookType[]> {
  const dir = hooksDir(opts.repo, opts.config, opts.env);
  const cmd = tslfsCommand(opts.self, opts.env);
  await mkdir(dir, { recursive: true });
  const written: HookType[] = [];
  for (const type of HOOK_TYPES) {
    const path = join(dir, type);
    const wanted = hookScript(type, cmd);
    const existing = await readHook(path);
    const state = classifyHook(type, existing, wanted);
    if (state === 'current') continue;
    if (state === 'foreign' && !opts.force) throw new HookExistsError(type, normalize(existing!));
    await writeHook(path, wanted);
    written.push(type);
  }
  return written;
}

/**
 * Remove the hooks that tslfs wrote (any command form). Everything else stays, including
 * git-lfs's own hooks: they belong to a git-lfs installation that `tslfs uninstall` should not
 * break. Returns the hook types removed.
 */
export async function uninstallHooks(opts: HookTarget): Promise<HookType[]> {
  const dir = hooksDir(opts.repo, opts.config, opts.env);
  const removed: HookType[] = [];
  for (const type of HOOK_TYPES) {
    const path = join(dir, type);
    const existing = await readHook(path);
    if (existing === null) continue;
    if (isTslfsHook(type, existing)) {
      await rm(path, { force: true });
      removed.push(type);
    }
  }
  return removed;
}

/** `update --manual` / `install --manual`: what to add to each hook, git-lfs's layout. */
export function manualHookInstructions(opts: HookTarget & { self: TslfsSelf }): string {
  const dir = hooksDir(opts.repo, opts.config, opts.env);
  const cmd = tslfsCommand(opts.self, opts.env);
  return (
    HOOK_TYPES.map(
      (type) => `Add the following to '${displayHookPath(opts.repo, dir, type)}':\n\n${indent(hookScript(type, cmd).trimEnd())}\n`,
    ).join('\n')
  );
}

/**
 * Put a complete executable file at `dest` unless something is already there. Written to a temp
 * name first and then hard-linked into place: git may be about to run the hook (a clone runs
 * post-checkout while filter-process is still going), and exec of a file still open for writing
 * fails with ETXTBSY. link() also never replaces a file that appeared in the meantime.
 */
async function placeNewFile(dest: string, content: string): Promise<boolean> {
  const tmp = `${dest}.tslfs-${process.pid}-${Date.now()}.tmp`;
  await writeFile(tmp, content, { mode: 0o755, flag: 'wx' });
  try {
    await link(tmp, dest);
    return true;
  } catch {
    return false;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * For the filters, track and other commands that set a repository up on the side (git-lfs's
 * `installHooks(false)`): write the hooks that are missing, and nothing else (existing hooks,
 * ours or not, are left as they are). Never throws; returns the hook types written.
 */
export async function installHooksQuietly(ctx: HookTarget, self: TslfsSelf): Promise<HookType[]> {
  try {
    const dir = hooksDir(ctx.repo, ctx.config, ctx.env);
    const missing: HookType[] = [];
    for (const type of HOOK_TYPES) {
      if ((await readHook(join(dir, type)).catch(() => '')) === null) missing.push(type);
    }
    if (missing.length === 0) return [];
    const cmd = tslfsCommand(self, ctx.env);
    await mkdir(dir, { recursive: true });
    const written: HookType[] = [];
    for (const type of missing) {
      try {
        if (await placeNewFile(join(dir, type), hookScript(type, cmd))) written.push(type);
      } catch {
        /* best effort */
      }
    }
    return written;
  } catch {
    return [];
  }
}

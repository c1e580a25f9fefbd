/**
 * `track`: list the LFS patterns, or add patterns to the .gitattributes of the current directory
 * (as git-lfs does: patterns are relative to that directory), rewrite the `lockable` attribute
 * of existing lines, and touch index files that the new patterns match so git sees them dirty.
 *
 * Output is returned as ordered messages (nothing here prints). Safety:
 * - a `.gitattributes` that is a symlink or not a regular file is refused before anything is
 *   written (HR15); the file is opened with O_NOFOLLOW so a symlink swapped in meanwhile fails;
 * - a new pattern that matches an index file named `.git*` or `.lfs*` is not written
 *   ("matches forbidden file", git-lfs's guard);
 * - the index listing is streamed (`git ls-files -z`), so memory grows with matches only.
 */
import { spawn } from 'node:child_process';
import { constants as fsc } from 'node:fs';
import { chmod, lstat, open, realpath, utimes } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseGitBool } from '../config/Config.js';
import { TslfsError, UnsafePathError, UsageError } from '../errors/TslfsError.js';
import { cleanEnv, NO_FILTER_ARGS, type Env } from '../git/exec.js';
import { knownLfsPatterns, type KnownPattern } from '../git/attributes.js';
import {
  autocrlfLineEnding,
  compileAttrPattern,
  escapeGlobCharacters,
  escapeTrackPattern,
  formatTrackLine,
  GIT_ATTR_MAX_FILE,
  goPathJoin,
  linePatternField,
  splitLines,
  trimCurrentPrefix,
  unescapeTrackPattern,
  type AttrMatcher,
} from '../model/gitattributes.js';
import type { RepoContext } from './repoContext.js';

export type TrackMessage =
  | { type: 'tracking'; pattern: string }
  | { type: 'already-supported'; pattern: string }
  | { type: 'searching'; pattern: string }
  | { type: 'found'; pattern: string; count: number }
  | { type: 'forbidden'; pattern: string; file: string }
  | { type: 'touching'; path: string }
  | { type: 'error'; message: string };

export interface TrackOptions {
  patterns: readonly string[];
  lockable?: boolean;
  notLockable?: boolean;
  verbose?: boolean;
  /** Report what would happen; write and touch nothing. */
  dryRun?: boolean;
  /** Do not change .gitattributes; only touch files (and fix lockable permissions). */
  noModifyAttrs?: boolean;
  /** Treat the arguments as literal file names (escape glob characters). */
  filename?: boolean;
  onMessage?: (m: TrackMessage) => void;
}

export interface TrackResult {
  messages: TrackMessage[];
  /** 0; 1 when every new pattern was refused as matching a forbidden file; 2 after errors. */
  exitCode: number;
  /** The .gitattributes written (absolute), or null when none was. */
  written: string | null;
}

const FORBIDDEN_PREFIXES = ['.git', '.lfs'];

/** The forbidden prefix a path's base name starts with, or null. */
export function forbiddenPrefix(path: string): string | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return FORBIDDEN_PREFIXES.find((p) => base.startsWith(p)) ?? null;
}

/** Go's strings.Fields (split on whitespace runs). */
function fields(line: string): string[] {
  return line.split(/\s+/u).filter((f) => f !== '');
}

function toSlash(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/**
 * Check that `path` is absent or a regular file; throws UnsafePathError for a symlink (HR15) or
 * anything else, TslfsError for a file over git's 100 MiB attributes limit. Returns whether it
 * exists.
 */
export async function assertAttributesFile(path: string, display = '.gitattributes'): Promise<boolean> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (!st) return false;
  if (st.isSymbolicLink()) throw new UnsafePathError(path, `expected '${display}' to be a file, got a symbolic link`);
  if (!st.isFile()) throw new UnsafePathError(path, `expected '${display}' to be a file`);
  // git ignores attribute files over 100 MiB; refuse rather than read one whole.
  if (st.size > GIT_ATTR_MAX_FILE) throw new TslfsError(`'${display}' is too large (${st.size} bytes)`);
  return true;
}

/** Read a regular file without following a final symlink. */
export async function readNoFollow(path: string): Promise<string> {
  const fh = await open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    return (await fh.readFile()).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Replace a file's contents in place, never through a symlink (new files get 0660 & ~umask). */
export async function writeNoFollow(path: string, text: string): Promise<void> {
  const fh = await open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, 0o660);
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
}

/**
 * Stream `git ls-files -z <extra>` in `cwd` and call `onPath` for each path (relative to cwd).
 * Memory stays bounded by the longest path, whatever the index size.
 */
export function streamLsFiles(cwd: string, env: Env, extra: readonly string[], onPath: (p: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...NO_FILTER_ARGS, 'ls-files', '-z', ...extra], {
      cwd,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = Buffer.alloc(0);
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      for (;;) {
        const nul = buf.indexOf(0, start);
        if (nul < 0) break;
        onPath(buf.toString('utf8', start, nul));
        start = nul + 1;
      }
      pending = Buffer.from(buf.subarray(start));
      buf = pending;
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8');
    });
    child.on('error', (e) => reject(new TslfsError(`failed to run git ls-files: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new TslfsError(`Error getting tracked files: ${stderr.trim() || `git ls-files exited with ${code}`}`));
    });
  });
}

/** The current directory relative to the work tree, slash-separated ('' at the root). */
async function cwdRelative(ctx: RepoContext): Promise<string> {
  const workTree = ctx.repo.workTree!;
  const real = await realpath(ctx.cwd).catch(() => ctx.cwd);
  const realTree = await realpath(workTree).catch(() => workTree);
  const rel = toSlash(relative(realTree, real));
  if (rel.startsWith('..')) {
    throw new TslfsError(`Current directory "${real}" outside of Git working directory "${realTree}".`);
  }
  return rel;
}

/** Whether lockable files should be made read-only (lfs.setlockablereadonly, env override). */
function setLockableReadOnly(ctx: RepoContext): boolean {
  const env = parseGitBool(ctx.env['GIT_LFS_SET_LOCKABLE_READONLY']);
  if (env !== undefined) return env;
  return ctx.config.getBool('lfs.setlockablereadonly', true);
}

/**
 * The patterns `track` lists. `includeOutside` adds the global and system files (listing);
 * git-lfs leaves them out when deciding whether a pattern is already supported.
 */
export async function listPatterns(ctx: RepoContext, includeOutside = true): Promise<KnownPattern[]> {
  return (await knownLfsPatterns({ repo: ctx.repo, config: ctx.config, cwd: ctx.cwd, env: ctx.env }, includeOutside)).patterns;
}

interface NewPattern {
  /** The pattern as given (or escaped, with --filename): the map key git-lfs uses. */
  key: string;
  /** The line to write, line ending included. */
  line: string;
  /** The escaped pattern as written (what git will apply). */
  written: string;
}

export async function trackPatterns(ctx: RepoContext, opts: TrackOptions): Promise<TrackResult> {
  if (!ctx.repo.workTree) throw new TslfsError('This operation must be run in a work tree.', { exitCode: 128 });
  const messages: TrackMessage[] = [];
  const emit = (m: TrackMessage) => {
    messages.push(m);
    opts.onMessage?.(m);
  };
  // An empty pattern would write a line git reads as something else (git-lfs writes it, then fails).
  if (opts.patterns.some((p) => trimCurrentPrefix(p) === '')) throw new UsageError('Empty pattern: nothing to track');
  const noModify = Boolean(opts.noModifyAttrs || opts.dryRun);
  const attrPath = join(ctx.cwd, '.gitattributes');
  // Refuse a symlinked (or non-file) .gitattributes before doing anything (HR15).
  const exists = noModify ? false : await assertAttributesFile(attrPath);
  const existing = exists ? await readNoFollow(attrPath) : '';

  const known = await knownLfsPatterns({ repo: ctx.repo, config: ctx.config, cwd: ctx.cwd, env: ctx.env }, false);
  // Keep the target file's own line ending; else the root file's (git-lfs), else core.autocrlf.
  const own = splitLines(existing);
  const lineEnd = own.eol || known.rootLineEnding || autocrlfLineEnding(ctx.config.get('core.autocrlf'));
  const relpath = await cwdRelative(ctx);

  const changed = new Map<string, NewPattern>();
  const readOnly: string[] = [];
  const writeable: string[] = [];
  next: for (const arg of opts.patterns) {
    let pattern = trimCurrentPrefix(arg);
    let encoded: string;
    if (opts.filename) {
      encoded = escapeGlobCharacters(pattern);
      pattern = encoded;
    } else {
      encoded = escapeTrackPattern(pattern);
    }
    if (!noModify) {
      const full = goPathJoin(relpath, pattern);
      for (const k of known.patterns) {
        // The second form catches --filename patterns with spaces, which git-lfs never finds.
        if (
          (unescapeTrackPattern(k.pattern) === full || k.pattern === goPathJoin(relpath, encoded)) &&
          ((opts.lockable && k.lockable) || (opts.notLockable && !k.lockable) || (!opts.lockable && !opts.notLockable))
        ) {
          emit({ type: 'already-supported', pattern });
          continue next;
        }
      }
    }
    changed.set(pattern, { key: pattern, line: formatTrackLine(encoded, Boolean(opts.lockable), lineEnd), written: encoded });
    // git-lfs also makes files of every plain new pattern writeable; only --not-lockable can
    // need that (and doing it for a plain pattern could undo another pattern's lockable).
    if (opts.lockable) readOnly.push(encoded);
    else if (opts.notLockable) writeable.push(encoded);
    emit({ type: 'tracking', pattern: unescapeTrackPattern(encoded) });
  }

  // Rewrite the existing lines (git-lfs drops blank lines and normalises line endings), replacing
  // those whose pattern changed; what is left in `pending` is new.
  const pending = new Map(changed);
  const byWritten = new Map([...changed.values()].map((n) => [n.written, n]));
  let body = '';
  if (!noModify && existing.length > 0) {
    for (const line of own.lines) {
      if (fields(line).length < 1) continue;
      const field = linePatternField(line);
      const repl = pending.get(unescapeTrackPattern(field)) ?? byWritten.get(field);
      if (repl && pending.has(repl.key)) {
        body += repl.line;
        pending.delete(repl.key);
      } else {
        body += line + lineEnd;
      }
    }
  }
  const replacedSome = changed.size > pending.size;

  // Which index files under the cwd do the new patterns match? One streamed pass for all.
  const news = [...pending.values()];
  const icase = ctx.config.getBool('core.ignorecase', false);
  const matchers: AttrMatcher[] = news.map((n) => compileAttrPattern(n.written, { ignoreCase: icase }));
  const hits: string[][] = news.map(() => []);
  if (news.length > 0) {
    const seen = new Set<string>();
    await streamLsFiles(ctx.cwd, ctx.env, ['--cached'], (p) => {
      if (seen.has(p)) return; // unmerged paths list once per stage
      seen.add(p);
      for (let i = 0; i < matchers.length; i++) if (matchers[i]!(p)) hits[i]!.push(p);
    });
  }

  let modified = false;
  let sawError = false;
  const toTouch: string[] = [];
  for (let i = 0; i < news.length; i++) {
    const n = news[i]!;
    const files = hits[i]!;
    if (opts.verbose) emit({ type: 'searching', pattern: n.key });
    if (opts.verbose) emit({ type: 'found', pattern: n.key, count: files.length });
    let blocked = false;
    for (const f of files) {
      if (forbiddenPrefix(f)) {
        emit({ type: 'forbidden', pattern: n.key, file: f });
        blocked = true;
      }
    }
    if (blocked) continue;
    body += n.line;
    modified = true;
    for (const f of files) {
      if (opts.verbose || opts.dryRun) emit({ type: 'touching', path: f });
      if (!opts.dryRun) toTouch.push(f);
    }
  }

  let written: string | null = null;
  if (!noModify && (modified || replacedSome)) {
    // Re-check right before writing: the file may have been replaced by a symlink meanwhile
    // (O_NOFOLLOW below also refuses that).
    await assertAttributesFile(attrPath);
    await writeNoFollow(attrPath, body);
    written = attrPath;
  }

  const now = new Date();
  for (const f of toTouch) {
    try {
      await utimes(join(ctx.cwd, f), now, now);
    } catch (e) {
      emit({ type: 'error', message: `Error marking ${JSON.stringify(f)} modified: ${(e as Error).message}` });
      sawError = true;
    }
  }

  if (!opts.dryRun && (readOnly.length > 0 || writeable.length > 0) && setLockableReadOnly(ctx)) {
    try {
      await fixWriteFlags(ctx, readOnly, writeable, icase);
    } catch (e) {
      emit({ type: 'error', message: `Error changing lockable file permissions: ${(e as Error).message}` });
      sawError = true;
    }
  }

  const exitCode = sawError ? 2 : !modified && pending.size > 0 ? 1 : 0;
  return { messages, exitCode, written };
}

/**
 * Make files under the cwd that match a lockable pattern read-only and those matching a
 * non-lockable pattern writeable again (git-lfs's FixFileWriteFlagsInDir). Files are those git
 * sees (index plus untracked, not ignored). Only modes that change are written.
 */
async function fixWriteFlags(ctx: RepoContext, readOnly: string[], writeable: string[], icase: boolean): Promise<void> {
  const ro = readOnly.map((p) => compileAttrPattern(p, { ignoreCase: icase }));
  const rw = writeable.map((p) => compileAttrPattern(p, { ignoreCase: icase }));
  const targets: Array<[string, boolean]> = [];
  const seen = new Set<string>();
  await streamLsFiles(ctx.cwd, ctx.env, ['--cached', '--others', '--exclude-standard'], (p) => {
    if (seen.has(p)) return;
    seen.add(p);
    if (ro.some((m) => m(p))) targets.push([p, false]);
    else if (rw.some((m) => m(p))) targets.push([p, true]);
  });
  for (const [p, makeWriteable] of targets) {
    const abs = join(ctx.cwd, p);
    const st = await lstat(abs).catch(() => null);
    if (!st || !st.isFile()) continue; // deleted, or a symlink: never chmod through it
    const mode = st.mode & 0o7777;
    const next = makeWriteable ? mode | 0o200 : mode & ~0o222;
    if (next !== mode) await chmod(abs, next);
  }
}

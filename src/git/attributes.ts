/**
 * Reading gitattributes sources and asking git about attributes.
 *
 * - findAttributeFiles: the repository's attribute files in git-lfs's listing order
 *   ($GIT_DIR/info/attributes and every .gitattributes in the index or untracked-but-not-ignored,
 *   most specific (longest path) first), then the global and system files.
 * - readAttributeFile: a file's text, or null when absent, unreadable, over git's 100 MiB limit,
 *   or (for in-tree files) a symlink, which git itself refuses to follow.
 * - knownLfsPatterns: the patterns with `filter` or `lockable` that `git lfs track` lists.
 * - checkAttr: `git check-attr --stdin -z`, the authoritative answer to "which attributes does
 *   this path get", for any engineer who needs it.
 *
 * Nothing here writes.
 */
import { lstat, open, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { Config } from '../config/Config.js';
import {
  GIT_ATTR_MAX_FILE,
  goPathJoin,
  parseLfsAttributes,
  type Attr,
  type LineEnding,
} from '../model/gitattributes.js';
import { encodePathBytes, hasEscapedBytes } from '../model/pathBytes.js';
import { git, splitNul, splitNulPaths, type Env } from './exec.js';

const NUL = Buffer.from([0]);
import type { RepoInfo } from './repo.js';

export type AttrFileKind = 'info' | 'tree' | 'global' | 'system';

export interface AttrFile {
  /** Absolute path. */
  path: string;
  kind: AttrFileKind;
  /** The work-tree-relative path for 'tree' files (e.g. "sub/.gitattributes"). */
  treePath?: string;
  /** Whether `[attr]` macro definitions in this file count (git: top-level and outside files). */
  readMacros: boolean;
}

export interface AttrSourceContext {
  repo: RepoInfo;
  config: Config;
  cwd: string;
  env: Env;
}

/** The global attributes file: core.attributesFile (with ~ expanded) or $XDG_CONFIG_HOME/git/attributes. */
export function globalAttributesPath(config: Config, env: Env): string | null {
  const af = config.get('core.attributesfile');
  const home = env['HOME'] || homedir();
  if (af) {
    if (af === '~') return home;
    if (af.startsWith('~/')) return join(home, af.slice(2));
    return af;
  }
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg) return join(xdg, 'git', 'attributes');
  return home ? join(home, '.config', 'git', 'attributes') : null;
}

/** The system attributes file: `git var GIT_ATTR_SYSTEM` (git >= 2.42), else $PREFIX/etc/gitattributes. */
export async function systemAttributesPath(cwd: string, env: Env): Promise<string> {
  const r = await git(['var', 'GIT_ATTR_SYSTEM'], { cwd, env, allowFailure: true });
  const out = r.stdout.toString('utf8').split('\n')[0] ?? '';
  if (r.status === 0 && out) return out;
  const prefix = env['PREFIX'] || '/';
  return join(prefix, 'etc', 'gitattributes');
}

/**
 * The .gitattributes files of the work tree that git would read: in the index, or untracked and
 * not ignored (`ls-files --cached --others --exclude-standard`), limited by pathspec to names
 * ending in ".gitattributes" so a large repository's listing stays small. Work-tree-relative.
 */
export async function listTreeAttributeFiles(workTree: string, env: Env): Promise<string[]> {
  const r = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.gitattributes'], {
    cwd: workTree,
    env,
    noFilters: true,
    allowFailure: true,
  });
  if (r.status !== 0) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of splitNul(r.stdout)) {
    if (p !== '.gitattributes' && !p.endsWith('/.gitattributes')) continue;
    if (seen.has(p)) continue; // unmerged entries list once per stage
    seen.add(p);
    out.push(p);
  }
  return out;
}

/**
 * The repository's own attribute files in the order git-lfs lists them: info/attributes first,
 * then tree files in ls-files order, all stably sorted by absolute path length, longest first.
 */
export async function findRepoAttributeFiles(repo: RepoInfo, env: Env): Promise<AttrFile[]> {
  const files: AttrFile[] = [];
  // git reads info/attributes from the common dir (shared by linked worktrees).
  const info = join(repo.commonDir, 'info', 'attributes');
  const st = await stat(info).catch(() => null);
  if (st && !st.isDirectory()) files.push({ path: info, kind: 'info', readMacros: true });
  if (repo.workTree) {
    for (const rel of await listTreeAttributeFiles(repo.workTree, env)) {
      files.push({ path: join(repo.workTree, rel), kind: 'tree', treePath: rel, readMacros: rel === '.gitattributes' });
    }
  }
  // Array.prototype.sort is stable.
  return files.sort((a, b) => b.path.length - a.path.length);
}

/**
 * Read an attributes file as text. Null when missing or unreadable, larger than git's limit, or
 * a symlink where `noFollow` is set (in-tree files: git refuses to follow those).
 */
export async function readAttributeFile(path: string, noFollow: boolean): Promise<string | null> {
  const st = await (noFollow ? lstat(path) : stat(path)).catch(() => null);
  if (!st || !st.isFile() || st.size > GIT_ATTR_MAX_FILE) return null;
  const fh = await open(path, 'r').catch(() => null);
  if (!fh) return null;
  try {
    const buf = await fh.readFile();
    if (buf.length > GIT_ATTR_MAX_FILE) return null;
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

/** One listed pattern, as `git lfs track` shows it. */
export interface KnownPattern {
  /** The pattern joined with its file's directory relative to the work tree (git-lfs's form). */
  pattern: string;
  /** The file it came from, relative to the work tree ("" for the global and system files). */
  source: string;
  lockable: boolean;
  /** filter=lfs. */
  tracked: boolean;
}

export interface KnownPatternsResult {
  /** Repository files first, then the global file, then the system file. */
  patterns: KnownPattern[];
  /** The line ending of the root .gitattributes as detected while listing ('' when unknown). */
  rootLineEnding: LineEnding;
}

/**
 * Expands macros the way git-lfs does when listing: one level, and a macro is known only once
 * the file defining it has been read (system, global, then repository files in order).
 */
class MacroTable {
  private macros = new Map<string, Attr[]>([
    ['binary', [
      { name: 'diff', value: 'false', unspecified: false },
      { name: 'merge', value: 'false', unspecified: false },
      { name: 'text', value: 'false', unspecified: false },
    ]],
  ]);
  define(name: string, attrs: Attr[]): void {
    this.macros.set(name, attrs);
  }
  expand(attrs: Attr[]): Attr[] {
    const out: Attr[] = [];
    for (const a of attrs) {
      const m = this.macros.get(a.name);
      if (m && a.value === 'true' && !a.unspecified) out.push(...m);
      else if (m && a.unspecified) for (const x of m) out.push({ name: x.name, value: '', unspecified: true });
      out.push(a);
    }
    return out;
  }
}

function patternsFromText(
  text: string,
  macros: MacroTable,
  readMacros: boolean,
  source: string,
  reldir: string,
): { patterns: KnownPattern[]; eol: LineEnding } {
  const parsed = parseLfsAttributes(text);
  if (!parsed) return { patterns: [], eol: '' };
  const patterns: KnownPattern[] = [];
  for (const line of parsed.lines) {
    if (line.kind === 'macro') {
      if (readMacros) macros.define(line.macro, line.attrs);
      continue;
    }
    let lockable = false;
    let tracked = false;
    let hasFilter = false;
    for (const a of macros.expand(line.attrs)) {
      if (a.name === 'filter') {
        hasFilter = true;
        tracked = a.value === 'lfs';
      } else if (a.name === 'lockable' && a.value === 'true') {
        lockable = true;
      }
    }
    if (!hasFilter && !lockable) continue;
    const pattern = reldir ? goPathJoin(reldir, line.pattern) : line.pattern;
    patterns.push({ pattern, source, lockable, tracked });
  }
  return { patterns, eol: parsed.eol };
}

function slashRel(from: string, to: string): string {
  const r = relative(from, to);
  return sep === '/' ? r : r.split(sep).join('/');
}

/**
 * Every pattern with a `filter` or `lockable` attribute, as `git lfs track` lists them.
 * `includeOutside` false skips the global and system files (their macros are still read, as
 * git-lfs does when adding patterns).
 */
export async function knownLfsPatterns(ctx: AttrSourceContext, includeOutside = true): Promise<KnownPatternsResult> {
  const macros = new MacroTable();
  const workTree = ctx.repo.workTree ?? '';
  const sysPath = await systemAttributesPath(ctx.cwd, ctx.env);
  const sysText = await readAttributeFile(sysPath, false);
  const system = sysText === null ? [] : patternsFromText(sysText, macros, true, '', '').patterns;
  const globalPath = globalAttributesPath(ctx.config, ctx.env);
  const globalText = globalPath ? await readAttributeFile(globalPath, false) : null;
  // git-lfs computes the source of an outside file relative to an empty directory, which fails,
  // so it shows as "".
  const global = globalText === null ? [] : patternsFromText(globalText, macros, true, '', '').patterns;
  const patterns: KnownPattern[] = [];
  let rootLineEnding: LineEnding = '';
  for (const f of await findRepoAttributeFiles(ctx.repo, ctx.env)) {
    const text = await readAttributeFile(f.path, f.kind === 'tree');
    if (text === null) continue;
    const source = workTree ? slashRel(workTree, f.path) : f.path;
    // git-lfs joins every pattern with its file's directory, info/attributes included.
    const slash = source.lastIndexOf('/');
    const reldir = slash < 0 ? '' : source.slice(0, slash);
    const r = patternsFromText(text, macros, f.readMacros, source, reldir);
    if (source === '.gitattributes' && r.patterns.length > 0) rootLineEnding = r.eol;
    patterns.push(...r.patterns);
  }
  if (includeOutside) patterns.push(...global, ...system);
  return { patterns, rootLineEnding };
}

// ---------------------------------------------------------------------------------------------
// git check-attr

/** 'set' / 'unset' / 'unspecified' or the value string, as git check-attr reports them. */
export type AttrValue = string;

export interface CheckAttrOptions {
  cwd: string;
  env: Env;
  /** Read .gitattributes from the index only (`--cached`). */
  cached?: boolean;
  /** Read attributes from this tree-ish (`--source`, git >= 2.40). */
  source?: string;
}

/**
 * Ask git which values `attrs` have for each path (relative to `cwd`). Paths are sent on stdin
 * NUL-terminated, so any byte in a name is safe. Returns a map path -> attr -> value. Throws
 * GitError when git fails. Output size is bounded by paths x attrs; callers with very many
 * paths should call in batches.
 */
export async function checkAttr(
  paths: readonly string[],
  attrs: readonly string[],
  opts: CheckAttrOptions,
): Promise<Map<string, Record<string, AttrValue>>> {
  const result = new Map<string, Record<string, AttrValue>>();
  if (paths.length === 0 || attrs.length === 0) return result;
  const args = ['check-attr', '--stdin', '-z'];
  if (opts.cached) args.push('--cached');
  if (opts.source) args.push(`--source=${opts.source}`);
  // With --stdin there is no `--`: git would take everything before it as attributes (none).
  // Attribute names cannot start with '-', so they cannot be taken for options.
  args.push(...attrs);
  // Names that are not UTF-8 (escaped as model/pathBytes.ts does) go to git as their bytes and
  // come back the same way, so answers are keyed by the names asked about.
  const input = paths.some(hasEscapedBytes)
    ? Buffer.concat(paths.flatMap((p) => [encodePathBytes(p), NUL]))
    : paths.map((p) => `${p}\0`).join('');
  const r = await git(args, { cwd: opts.cwd, env: opts.env, input, noFilters: true });
  const parts = splitNulPaths(r.stdout);
  for (let i = 0; i + 2 < parts.length; i += 3) {
    const path = parts[i];
    const attr = parts[i + 1];
    const value = parts[i + 2];
    if (path === undefined || attr === undefined || value === undefined) break;
    let rec = result.get(path);
    if (!rec) {
      rec = {};
      result.set(path, rec);
    }
    rec[attr] = value;
  }
  return result;
}


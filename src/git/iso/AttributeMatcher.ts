/**
 * gitattributes lookup without a git binary: which attributes a path gets, following git's
 * attr.c rules, for library callers (isomorphic-git has no attribute support).
 *
 * Sources, lowest precedence first: `extraFiles` (a global or system file the caller wants),
 * the work tree's `.gitattributes` from the root down to the path's directory, then
 * `<commondir>/info/attributes`. Within a file a later line beats an earlier one. The first
 * source that decides an attribute (set, unset, value or `!unspecified`) wins. Macros (`[attr]`)
 * count only in the root .gitattributes, info/attributes and extra files; the first definition
 * in precedence order wins; a macro expands (recursively) only when set, and only into
 * attributes not decided yet; `binary` is built in. Patterns are matched relative to their
 * file's directory (compileAttrPattern: git's wildmatch), case-insensitively with
 * core.ignorecase.
 *
 * Differences from git, by design: .gitattributes are read from the work tree only (git reads
 * the index first when checking out), and a .gitattributes that is a symlink is ignored (git
 * does the same). Files are read lazily, once per directory, and cached for the matcher's life:
 * create a new matcher after attribute files change. Not safe against concurrent edits of the
 * files it reads (it reads each once).
 */
import { join } from 'node:path';
import {
  compileAttrPattern,
  parseGitAttributeLine,
  type Attr,
  type AttrMatcher,
} from '../../model/gitattributes.js';
import { readAttributeFile } from '../attributes.js';

/** As `git check-attr` prints it: 'set', 'unset', 'unspecified' or the value. */
export type CheckAttrValue = string;

interface Rule {
  match: AttrMatcher;
  attrs: Attr[];
}

interface Macro {
  attrs: Attr[];
}

interface AttrFileData {
  /** Directory of the file relative to the work tree ('' for root and outside files). */
  base: string;
  rules: Rule[];
  /** Macro definitions in file order (empty when the file may not define macros). */
  macros: Array<[string, Macro]>;
}

const BINARY: Macro = {
  attrs: [
    { name: 'diff', value: 'false', unspecified: false },
    { name: 'merge', value: 'false', unspecified: false },
    { name: 'text', value: 'false', unspecified: false },
  ],
};

/** Decided state of one attribute: true (set), false (unset), a string value, or null (`!`). */
type State = true | false | string | null;

function stateOf(a: Attr): State {
  if (a.unspecified) return null;
  // The model folds `-x` to 'false' and `x` to 'true'; a literal `x=true` reads the same way
  // (a corner case git distinguishes only for macro expansion).
  if (a.value === 'true') return true;
  if (a.value === 'false') return false;
  return a.value;
}

export function parseAttributeFileText(text: string, base: string, allowMacros: boolean, ignoreCase: boolean): AttrFileData {
  const rules: Rule[] = [];
  const macros: Array<[string, Macro]> = [];
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const l = parseGitAttributeLine(raw);
    if (!l) continue;
    if (l.kind === 'macro') {
      if (allowMacros && l.macro !== '') macros.push([l.macro, { attrs: l.attrs }]);
      continue;
    }
    rules.push({ match: compileAttrPattern(l.pattern, { ignoreCase }), attrs: l.attrs });
  }
  return { base, rules, macros };
}

export interface AttributeMatcherOptions {
  /** Work tree root; null for a bare repository (info/attributes and extra files only). */
  workTree: string | null;
  /** The common git dir (info/attributes lives there). */
  commonDir: string;
  /** core.ignorecase. */
  ignoreCase?: boolean;
  /** More attribute files, lowest precedence first, e.g. [systemFile, globalFile]. */
  extraFiles?: readonly string[];
}

export class AttributeMatcher {
  private readonly dirCache = new Map<string, Promise<AttrFileData | null>>();
  private fixed: Promise<{ outside: AttrFileData[]; info: AttrFileData | null }> | null = null;

  constructor(private readonly opts: AttributeMatcherOptions) {}

  private async load(path: string, base: string, macros: boolean, noFollow: boolean): Promise<AttrFileData | null> {
    const text = await readAttributeFile(path, noFollow);
    return text === null ? null : parseAttributeFileText(text, base, macros, Boolean(this.opts.ignoreCase));
  }

  private fixedFiles() {
    this.fixed ??= (async () => {
      const outside: AttrFileData[] = [];
      for (const f of this.opts.extraFiles ?? []) {
        const d = await this.load(f, '', true, false);
        if (d) outside.push(d);
      }
      const info = await this.load(join(this.opts.commonDir, 'info', 'attributes'), '', true, false);
      return { outside, info };
    })();
    return this.fixed;
  }

  private dirFile(dir: string): Promise<AttrFileData | null> {
    let p = this.dirCache.get(dir);
    if (!p) {
      const wt = this.opts.workTree!;
      const path = dir === '' ? join(wt, '.gitattributes') : join(wt, ...dir.split('/'), '.gitattributes');
      p = this.load(path, dir, dir === '', true);
      this.dirCache.set(dir, p);
    }
    return p;
  }

  /** The attribute files that apply to `path`, highest precedence first. */
  private async stack(path: string): Promise<AttrFileData[]> {
    const { outside, info } = await this.fixedFiles();
    const tree: AttrFileData[] = [];
    if (this.opts.workTree !== null) {
      const comps = path.split('/').slice(0, -1);
      const dirs = [''];
      for (let i = 0; i < comps.length; i++) dirs.push(comps.slice(0, i + 1).join('/'));
      for (const d of dirs) {
        const f = await this.dirFile(d);
        if (f) tree.push(f);
      }
    }
    const low = [...outside, ...tree];
    const out = low.reverse();
    if (info) out.unshift(info);
    return out;
  }

  /**
   * Every decided attribute of `path` (repo-relative, forward slashes), as git check-attr
   * prints values. Attributes not mentioned are absent (git: 'unspecified').
   */
  async attributesOf(path: string): Promise<Map<string, CheckAttrValue>> {
    const stack = await this.stack(path);
    const macros = new Map<string, Macro>();
    for (const f of stack) for (let i = f.macros.length - 1; i >= 0; i--) {
      const [name, m] = f.macros[i]!;
      if (!macros.has(name)) macros.set(name, m);
    }
    if (!macros.has('binary')) macros.set('binary', BINARY);
    const decided = new Map<string, State>();
    const fill = (attrs: Attr[], depth: number) => {
      // git walks a line's attributes from last to first; a decided attribute is left alone.
      for (let i = attrs.length - 1; i >= 0; i--) {
        const a = attrs[i]!;
        if (decided.has(a.name)) continue;
        const st = stateOf(a);
        decided.set(a.name, st);
        const m = macros.get(a.name);
        // The depth bound stops a macro cycle; git's "already decided" check does the same.
        if (m && st === true && depth < 64) fill(m.attrs, depth + 1);
      }
    };
    for (const f of stack) {
      let rel = path;
      if (f.base !== '') {
        if (!path.startsWith(f.base + '/')) continue;
        rel = path.slice(f.base.length + 1);
      }
      for (let i = f.rules.length - 1; i >= 0; i--) {
        const r = f.rules[i]!;
        if (r.match(rel)) fill(r.attrs, 0);
      }
    }
    const out = new Map<string, CheckAttrValue>();
    for (const [k, v] of decided) out.set(k, v === true ? 'set' : v === false ? 'unset' : v === null ? 'unspecified' : v);
    return out;
  }

  /** One attribute as git check-attr prints it ('unspecified' when nothing decides it). */
  async attributeOf(path: string, name: string): Promise<CheckAttrValue> {
    return (await this.attributesOf(path)).get(name) ?? 'unspecified';
  }

  /** True when `path` gets filter=lfs. */
  async isLfsTracked(path: string): Promise<boolean> {
    return (await this.attributeOf(path, 'filter')) === 'lfs';
  }
}

/** A matcher for an opened repository (core.ignorecase from its config). */
export function attributeMatcherFor(
  ctx: { repo: { workTree: string | null; commonDir: string }; config: { getBool(key: string, dflt: boolean): boolean } },
  extraFiles?: readonly string[],
): AttributeMatcher {
  return new AttributeMatcher({
    workTree: ctx.repo.workTree,
    commonDir: ctx.repo.commonDir,
    ignoreCase: ctx.config.getBool('core.ignorecase', false),
    extraFiles,
  });
}

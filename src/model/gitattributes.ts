/**
 * Pure .gitattributes text handling: splitting a file into lines and detecting its line ending,
 * parsing lines (patterns, quoted patterns, `[attr]` macros, attribute lists), escaping patterns
 * the way `git lfs track` writes them, formatting the line it writes, and a gitattributes pattern
 * matcher (git's wildmatch rules). No I/O.
 *
 * Two parsers live here on purpose:
 * - parseLfsAttributeLine follows git-lfs's own reader (what `track` lists and compares against):
 *   the pattern ends at the first space, attributes are separated by single spaces.
 * - parseGitAttributeLine follows git's reader (what git applies): blanks are space, tab and CR,
 *   lines over 2048 bytes and negative patterns are ignored.
 */

/** git ignores attribute lines longer than this (CVE-2022-23521 fix, git 2.39.1). */
export const GIT_ATTR_MAX_LINE = 2048;
/** git ignores attribute files larger than this. */
export const GIT_ATTR_MAX_FILE = 100 * 1024 * 1024;

export type LineEnding = '\r\n' | '\n' | '';

export interface SplitLines {
  /** Lines without their terminator (one trailing CR of a CRLF-terminated line removed). */
  lines: string[];
  /** The dominant ending: CRLF when CRLF lines outnumber LF lines, '' when no line ended. */
  eol: LineEnding;
}

/**
 * Split text into lines like Go's bufio.ScanLines (which git-lfs uses): a final unterminated line
 * is kept, an empty trailing piece is not, and a CR right before LF is dropped and counted.
 */
export function splitLines(text: string): SplitLines {
  const lines: string[] = [];
  let lf = 0;
  let crlf = 0;
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      lines.push(text.slice(start));
      break;
    }
    let line = text.slice(start, nl);
    if (line.endsWith('\r')) {
      crlf++;
      line = line.slice(0, -1);
    } else {
      lf++;
    }
    lines.push(line);
    start = nl + 1;
  }
  const eol: LineEnding = crlf > lf ? '\r\n' : lf === 0 && crlf === 0 ? '' : '\n';
  return { lines, eol };
}

export interface Attr {
  /** Attribute name without a `-` or `!` prefix. */
  name: string;
  /** 'true' when set, 'false' when unset (`-name`), the value for `name=value`. */
  value: string;
  /** `!name`: explicitly unspecified. */
  unspecified: boolean;
}

export type AttrLine =
  | { kind: 'pattern'; pattern: string; attrs: Attr[] }
  | { kind: 'macro'; macro: string; attrs: Attr[] };

/** Parse one attribute token: `name`, `-name`, `!name`, `name=value`. */
export function parseAttr(token: string): Attr {
  if (token.startsWith('-')) return { name: token.slice(1), value: 'false', unspecified: false };
  if (token.startsWith('!')) return { name: token.slice(1), value: '', unspecified: true };
  const eq = token.indexOf('=');
  if (eq >= 0) return { name: token.slice(0, eq), value: token.slice(eq + 1), unspecified: false };
  return { name: token, value: 'true', unspecified: false };
}

export class AttrParseError extends Error {}

/**
 * Parse one line as git-lfs does. Returns null for blank lines and comments; throws
 * AttrParseError for an unbalanced or invalid quoted pattern (git-lfs then ignores the whole
 * file).
 */
export function parseLfsAttributeLine(raw: string): AttrLine | null {
  const text = goTrimSpace(raw);
  if (text.length === 0 || text[0] === '#') return null;
  let pattern = '';
  let applied = '';
  let macro: string | null = null;
  if (text[0] === '"') {
    const last = text.lastIndexOf('"');
    if (last === 0) throw new AttrParseError(`unbalanced quote: ${text}`);
    const q = goUnquote(text.slice(0, last + 1));
    if (q === null) throw new AttrParseError(`unable to unquote: ${text.slice(0, last + 1)}`);
    pattern = q;
    applied = goTrimSpace(text.slice(last + 1));
  } else {
    const sp = text.indexOf(' ');
    const first = sp < 0 ? text : text.slice(0, sp);
    if (first.startsWith('[attr]')) macro = first.slice(6);
    else pattern = first;
    if (sp >= 0) applied = text.slice(sp + 1);
  }
  const attrs = applied.split(' ').filter((s) => s !== '').map(parseAttr);
  if (macro !== null || pattern === '') return { kind: 'macro', macro: macro ?? '', attrs };
  return { kind: 'pattern', pattern, attrs };
}

/** Parse a whole file as git-lfs does; null when git-lfs would ignore it (a parse error). */
export function parseLfsAttributes(text: string): { lines: AttrLine[]; eol: LineEnding } | null {
  const { lines, eol } = splitLines(text);
  const out: AttrLine[] = [];
  try {
    for (const l of lines) {
      // git never applies over-long lines, so they are not listed either (HR14).
      if (Buffer.byteLength(l, 'utf8') > GIT_ATTR_MAX_LINE) continue;
      const p = parseLfsAttributeLine(l);
      if (p) out.push(p);
    }
  } catch (e) {
    if (e instanceof AttrParseError) return null;
    throw e;
  }
  return { lines: out, eol };
}

const GIT_BLANK = /[ \t\r\n]/;

/**
 * Parse one line as git applies it. Returns null for lines git ignores: blank, comment, over
 * 2048 bytes, negative (`!pattern`) patterns, bad quoting.
 */
export function parseGitAttributeLine(line: string): AttrLine | null {
  if (Buffer.byteLength(line, 'utf8') > GIT_ATTR_MAX_LINE) return null;
  let i = 0;
  while (i < line.length && GIT_BLANK.test(line[i]!)) i++;
  if (i >= line.length || line[i] === '#') return null;
  let name: string;
  let rest: string;
  if (line[i] === '"') {
    const r = cUnquotePrefix(line.slice(i));
    if (!r) return null;
    name = r.value;
    rest = line.slice(i + r.consumed);
  } else {
    let j = i;
    while (j < line.length && !GIT_BLANK.test(line[j]!)) j++;
    name = line.slice(i, j);
    rest = line.slice(j);
  }
  const attrs = rest.split(/[ \t\r\n]+/).filter((s) => s !== '').map(parseAttr);
  if (name.startsWith('[attr]')) return { kind: 'macro', macro: name.slice(6), attrs };
  if (name.startsWith('!')) return null;
  return { kind: 'pattern', pattern: name, attrs };
}

// ---------------------------------------------------------------------------------------------
// Escaping what `track` writes.

/**
 * Escape a pattern argument as `git lfs track` writes it: on POSIX a backslash is doubled (it is
 * an ordinary file name character there), then spaces become `[[:space:]]` and `#` becomes `\#`
 * so the line parses back to the same pattern (git's parser splits on blanks, `#` starts a
 * comment).
 */
export function escapeTrackPattern(p: string): string {
  return p.replace(/\\/g, '\\\\').replace(/ /g, '[[:space:]]').replace(/#/g, '\\#');
}

/**
 * `--filename`: escape so that the pattern matches exactly one literal file name: backslash
 * first, then the glob characters `*?[]`, then spaces and `#` as escapeTrackPattern does, and a
 * leading `!`.
 */
export function escapeGlobCharacters(p: string): string {
  const out = p
    .replace(/\\/g, '\\\\')
    .replace(/[*?[\]]/g, (c) => `\\${c}`)
    .replace(/ /g, '[[:space:]]')
    .replace(/#/g, '\\#');
  // A leading `!` would make git ignore the line as a negative pattern; `\!` is git's literal
  // form (git-lfs leaves it, and the file name is never matched).
  return out.startsWith('!') ? `\\${out}` : out;
}

/** Inverse of escapeTrackPattern (spaces and `#`, then doubled backslashes). */
export function unescapeTrackPattern(p: string): string {
  return p.replace(/\[\[:space:\]\]/g, ' ').replace(/\\#/g, '#').replace(/\\\\/g, '\\');
}

/** Strip a leading `./` (repeatedly, as `./././x` is still x). */
export function trimCurrentPrefix(p: string): string {
  let s = p;
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/**
 * Make an escaped pattern safe to write as the first field of a line: a pattern holding a
 * control character (tab, CR and LF would split or end the line) or starting with a double quote
 * is written C-quoted, which git and git-lfs both unquote, so the line reads back as the same
 * pattern (CVE-2025-48384 lesson). Other patterns are returned as they are.
 */
export function quotePatternField(escaped: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f]/.test(escaped) && !escaped.startsWith('"')) return escaped;
  let out = '"';
  for (const ch of escaped) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}

/**
 * The pattern field of an existing line for comparisons: a C-quoted leading pattern unquoted,
 * else the first whitespace-separated field (as git-lfs's strings.Fields). '' for blank lines.
 */
export function linePatternField(line: string): string {
  const t = line.replace(/^\s+/u, '');
  if (t.startsWith('"')) {
    const q = cUnquotePrefix(t);
    if (q) return q.value;
  }
  return t.split(/\s+/u)[0] ?? '';
}

/** The line `track` writes for an already-escaped pattern, with its line ending. */
export function formatTrackLine(escapedPattern: string, lockable: boolean, eol: string): string {
  return `${quotePatternField(escapedPattern)} filter=lfs diff=lfs merge=lfs -text${lockable ? ' lockable' : ''}${eol}`;
}

/**
 * The line ending git-lfs falls back to when no attributes file tells: CRLF when core.autocrlf
 * is true by Go's strconv.ParseBool rules (so "yes" and "input" do not count), else LF.
 */
export function autocrlfLineEnding(autocrlf: string | undefined): '\r\n' | '\n' {
  return autocrlf !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(autocrlf) ? '\r\n' : '\n';
}

// ---------------------------------------------------------------------------------------------
// Go-compatible string helpers (git-lfs's observable formats depend on them).

const GO_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r', '\u0085', '\u00a0']);

/** Go's strings.TrimSpace (Unicode White_Space; the common ones). */
export function goTrimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (GO_SPACE.has(s[a]!) || /\s/u.test(s[a]!))) a++;
  while (b > a && (GO_SPACE.has(s[b - 1]!) || /\s/u.test(s[b - 1]!))) b--;
  return s.slice(a, b);
}

/** Go's strconv.Unquote for a double-quoted string; null when invalid. */
export function goUnquote(q: string): string | null {
  if (q.length < 2 || q[0] !== '"' || q[q.length - 1] !== '"') return null;
  const body = q.slice(1, -1);
  const bytes: number[] = [];
  const pushStr = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"' || c === '\n') return null;
    if (c !== '\\') {
      pushStr(c);
      continue;
    }
    const n = body[++i];
    if (n === undefined) return null;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
    if (n in simple) bytes.push(simple[n]!);
    else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) return null;
      const v = parseInt(hex, 16);
      if (n === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return null;
        pushStr(String.fromCodePoint(v));
      }
      i += len;
    } else if (n >= '0' && n <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      const v = parseInt(oct, 8);
      if (v > 255) return null;
      bytes.push(v);
      i += 2;
    } else return null;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** git's C-style unquoting of a leading quoted string; null when unterminated or invalid. */
export function cUnquotePrefix(s: string): { value: string; consumed: number } | null {
  if (s[0] !== '"') return null;
  const bytes: number[] = [];
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return { value: Buffer.from(bytes).toString('utf8'), consumed: i + 1 };
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i];
    if (n === undefined) return null;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
    if (n in simple) bytes.push(simple[n]!);
    else if (n >= '0' && n <= '3') {
      const oct = s.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      bytes.push(parseInt(oct, 8));
      i += 2;
    } else return null;
  }
  return null;
}

/**
 * Go's path.Join for slash paths: join non-empty parts and clean the result (`.`/`..`, double
 * slashes). Returns '' when every part is empty.
 */
export function goPathJoin(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '' : goPathClean(joined);
}

/** Go's path.Clean. */
export function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}

// ---------------------------------------------------------------------------------------------
// Matching (git's wildmatch, as attr.c applies it).

const MATCH = 0;
const NOMATCH = 1;
const ABORT_ALL = -1;
const ABORT_TO_STARSTAR = -2;

const CLASSES: Record<string, (c: string) => boolean> = {
  alnum: (c) => /[A-Za-z0-9]/.test(c),
  alpha: (c) => /[A-Za-z]/.test(c),
  blank: (c) => c === ' ' || c === '\t',
  cntrl: (c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127,
  digit: (c) => /[0-9]/.test(c),
  graph: (c) => c.charCodeAt(0) > 32 && c.charCodeAt(0) < 127,
  lower: (c) => /[a-z]/.test(c),
  print: (c) => c.charCodeAt(0) >= 32 && c.charCodeAt(0) < 127,
  punct: (c) => /[!-/:-@[-`{-~]/.test(c),
  space: (c) => /[ \t\n\v\f\r]/.test(c),
  upper: (c) => /[A-Z]/.test(c),
  xdigit: (c) => /[0-9A-Fa-f]/.test(c),
};

/**
 * git's wildmatch. Pattern and text are compared as UTF-8 bytes, as git does (so `?` matches one
 * byte). `pathname`: `*`, `?` and brackets do not match `/`, and `**` between slashes spans
 * directories. The abort codes bound the backtracking (once a `*` has scanned to the end, outer
 * stars are not retried), so a hostile pattern cannot take exponential time.
 */
export function wildmatch(pattern: string, text: string, opts: { pathname?: boolean; ignoreCase?: boolean } = {}): boolean {
  const p = Buffer.from(pattern, 'utf8').toString('latin1');
  const t = Buffer.from(text, 'utf8').toString('latin1');
  return dowild(p, 0, t, 0, Boolean(opts.pathname), Boolean(opts.ignoreCase)) === MATCH;
}

const isUpper = (c: string) => c >= 'A' && c <= 'Z';
const isLower = (c: string) => c >= 'a' && c <= 'z';
const fold = (c: string, icase: boolean) => (icase && isUpper(c) ? c.toLowerCase() : c);

function dowild(p: string, pi: number, t: string, ti: number, pathname: boolean, icase: boolean): number {
  for (; pi < p.length; pi++, ti++) {
    let pc = fold(p[pi]!, icase);
    if (ti >= t.length && pc !== '*') return ABORT_ALL;
    const tc = fold(t[ti] ?? '', icase);
    switch (pc) {
      case '\\':
        pi++;
        pc = fold(p[pi] ?? '', icase);
        if (tc !== pc) return NOMATCH;
        continue;
      case '?':
        if (pathname && tc === '/') return NOMATCH;
        continue;
      case '*': {
        let matchSlash: boolean;
        const starAt = pi;
        if (p[pi + 1] === '*') {
          while (p[pi + 1] === '*') pi++;
          if (!pathname) matchSlash = true;
          else if (
            (starAt === 0 || p[starAt - 1] === '/') &&
            (pi + 1 === p.length || p[pi + 1] === '/' || (p[pi + 1] === '\\' && p[pi + 2] === '/'))
          ) {
            // `**/` may also match zero directories.
            if (p[pi + 1] === '/' && dowild(p, pi + 2, t, ti, pathname, icase) === MATCH) return MATCH;
            matchSlash = true;
          } else matchSlash = false;
        } else {
          matchSlash = !pathname;
        }
        if (pi + 1 === p.length) {
          // A trailing star matches the rest, unless it may not cross a slash.
          if (!matchSlash && t.indexOf('/', ti) >= 0) return ABORT_TO_STARSTAR;
          return MATCH;
        }
        if (!matchSlash && p[pi + 1] === '/') {
          // `*/`: the star can only end at the next slash.
          const slash = t.indexOf('/', ti);
          if (slash < 0) return ABORT_ALL;
          ti = slash - 1; // the loop step moves onto the slash, the next pattern char is '/'
          continue;
        }
        for (; ti < t.length; ti++) {
          const r = dowild(p, pi + 1, t, ti, pathname, icase);
          if (r !== NOMATCH) {
            if (!matchSlash || r !== ABORT_TO_STARSTAR) return r;
          } else if (!matchSlash && t[ti] === '/') {
            return ABORT_TO_STARSTAR;
          }
        }
        return ABORT_ALL;
      }
      case '[': {
        let j = pi + 1;
        let c = p[j];
        if (c === '^') c = '!';
        const negated = c === '!';
        if (negated) c = p[++j];
        let prev = '';
        let matched = false;
        for (;;) {
          if (c === undefined) return ABORT_ALL;
          if (c === '\\') {
            c = p[++j];
            if (c === undefined) return ABORT_ALL;
            if (tc === c) matched = true;
          } else if (c === '-' && prev !== '' && p[j + 1] !== undefined && p[j + 1] !== ']') {
            c = p[++j]!;
            if (c === '\\') {
              c = p[++j];
              if (c === undefined) return ABORT_ALL;
            }
            if (tc <= c && tc >= prev) matched = true;
            else if (icase && isLower(tc)) {
              const up = tc.toUpperCase();
              if (up <= c && up >= prev) matched = true;
            }
            c = '';
          } else if (c === '[' && p[j + 1] === ':') {
            const s = j + 2;
            let k = s;
            while (k < p.length && p[k] !== ']') k++;
            if (k >= p.length) return ABORT_ALL;
            if (k - s - 1 < 0 || p[k - 1] !== ':') {
              // No ":]": the '[' is an ordinary member.
              if (tc === '[') matched = true;
              c = '[';
            } else {
              const name = p.slice(s, k - 1);
              const fn = CLASSES[name];
              if (!fn) return ABORT_ALL;
              if (fn(tc)) matched = true;
              else if (icase && name === 'upper' && isLower(tc)) matched = true;
              j = k;
              c = '';
            }
          } else if (tc === c) {
            matched = true;
          }
          prev = c;
          c = p[++j];
          if (c === ']') break;
        }
        pi = j;
        if (matched === negated || (pathname && tc === '/')) return NOMATCH;
        continue;
      }
      default:
        if (tc !== pc) return NOMATCH;
    }
  }
  return ti >= t.length ? MATCH : NOMATCH;
}

export interface AttrMatcher {
  /** True when the pattern applies to `path` (relative to the attributes file's directory). */
  (path: string): boolean;
}

/**
 * Compile a gitattributes pattern as git applies it to files: a pattern without a slash matches
 * the base name at any depth; otherwise it matches the whole relative path (a leading slash
 * anchors, `**` spans directories). A trailing slash (directory-only) never matches a file.
 */
export function compileAttrPattern(pattern: string, opts: { ignoreCase?: boolean } = {}): AttrMatcher {
  let p = pattern;
  if (p.endsWith('/')) return () => false;
  const nodir = !p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const icase = Boolean(opts.ignoreCase);
  const eq = (a: string, b: string) => (icase ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (nodir) {
    return (path: string) => {
      const base = path.slice(path.lastIndexOf('/') + 1);
      return wildmatch(p, base, { ignoreCase: icase });
    };
  }
  // git compares the literal prefix (up to the first glob character) on its own and wildmatches
  // only the rest, which changes how a following `**` is read (`x**/**` matches `x`): do the same.
  const special = p.search(/[*?[\\]/);
  const prefix = special < 0 ? p : p.slice(0, special);
  const rest = special < 0 ? '' : p.slice(special);
  return (path: string) => {
    if (path.length < prefix.length || !eq(path.slice(0, prefix.length), prefix)) return false;
    const name = path.slice(prefix.length);
    if (rest === '') return name === '';
    return wildmatch(rest, name, { pathname: true, ignoreCase: icase });
  };
}

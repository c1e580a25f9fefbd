/**
 * A git config file reader that needs no git binary (for the isomorphic-git adapter): the
 * syntax of git's config.c - `[section]`, `[section "subsection"]`, the deprecated
 * `[section.subsection]`, `key = value`, a bare `key` (true), quoted values with `\" \\ \n \t \b`
 * escapes, backslash-newline continuation, `#`/`;` comments, unquoted whitespace runs kept as
 * single spaces, CRLF line ends. Pure; no includes are followed (the caller decides which files).
 *
 * Returns entries in file order as `[canonical key, value]` (section and variable lower-cased,
 * subsection kept), the form Config takes. Throws TslfsError on a syntax error, with the line.
 */
import { TslfsError } from '../../errors/TslfsError.js';
import type { ConfigEntry } from '../../config/Config.js';

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === '\r';
const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);

export function parseGitConfigText(text: string, source = 'config'): ConfigEntry[] {
  // git reads CRLF as LF and skips a UTF-8 byte order mark.
  const s = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const out: ConfigEntry[] = [];
  let i = 0;
  let line = 1;
  let section: string | null = null;
  const fail = (why: string): never => {
    throw new TslfsError(`bad config line ${line} in file ${source}: ${why}`, { code: 'EBADCONFIG' });
  };

  const parseHeader = () => {
    i++; // '['
    let name = '';
    while (i < s.length && (isAlnum(s[i]) || s[i] === '-' || s[i] === '.')) name += s[i++];
    if (s[i] === ']') {
      i++;
      if (name === '') fail('empty section name');
      // `[a.B]`: the deprecated form; the subsection is lower-cased like the rest.
      section = name.toLowerCase();
      return;
    }
    if (!isSpace(s[i]) || name === '' || name.includes('.')) fail('bad section header');
    while (isSpace(s[i])) i++;
    if (s[i] !== '"') fail('bad section header');
    i++;
    let sub = '';
    for (;;) {
      const c = s[i++];
      if (c === undefined || c === '\n') fail('unterminated subsection');
      if (c === '"') break;
      if (c === '\\') {
        const n = s[i++];
        if (n === undefined || n === '\n') fail('unterminated subsection');
        sub += n; // git keeps the escaped character as is
        continue;
      }
      sub += c;
    }
    if (s[i] !== ']') fail('bad section header');
    i++;
    section = `${name.toLowerCase()}.${sub}`;
  };

  const parseValue = (): string => {
    let v = '';
    let quote = false;
    let comment = false;
    let spaces = 0;
    for (;;) {
      const c = s[i++];
      if (c === undefined || c === '\n') {
        if (c === '\n') line++;
        if (quote) fail('unterminated quote');
        return v;
      }
      if (comment) continue;
      if (isSpace(c) && !quote) {
        if (v.length > 0) spaces++;
        continue;
      }
      if (!quote && (c === ';' || c === '#')) {
        comment = true;
        continue;
      }
      v += ' '.repeat(spaces);
      spaces = 0;
      if (c === '\\') {
        const n = s[i++];
        if (n === '\n') {
          line++;
          continue;
        }
        const map: Record<string, string> = { t: '\t', b: '\b', n: '\n', '\\': '\\', '"': '"' };
        const r = n === undefined ? undefined : map[n];
        if (r === undefined) fail('invalid escape sequence');
        v += r;
        continue;
      }
      if (c === '"') {
        quote = !quote;
        continue;
      }
      v += c;
    }
  };

  while (i < s.length) {
    const c = s[i]!;
    if (c === '\n') {
      i++;
      line++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '#' || c === ';') {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      parseHeader();
      continue;
    }
    if (!/[A-Za-z]/.test(c)) fail('bad key');
    if (section === null) fail('key outside a section');
    let name = '';
    while (i < s.length && (isAlnum(s[i]) || s[i] === '-')) name += s[i++];
    while (isSpace(s[i])) i++;
    const key = `${section}.${name.toLowerCase()}`;
    if (s[i] === '=') {
      i++;
      out.push([key, parseValue()]);
    } else if (i >= s.length || s[i] === '\n' || s[i] === '#' || s[i] === ';') {
      // A bare key is boolean true (as `git config -l` reports it); skip a trailing comment.
      while (i < s.length && s[i] !== '\n') i++;
      out.push([key, 'true']);
    } else {
      fail('bad key');
    }
  }
  return out;
}

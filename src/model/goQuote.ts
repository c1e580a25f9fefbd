/**
 * Go-compatible string formatting that git-lfs's output depends on (JSON strings: ui/goJson.ts). Pure.
 *
 * - goQuote: Go's `%q` (strconv.Quote): double quotes, C-like escapes for control characters,
 *   `\xNN` for other control bytes, `\uXXXX` for non-printable runes; printable Unicode is kept.
 *   A name with a newline cannot forge an output line.
 */

import { namedEscape } from './cQuote.js';

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const named = namedEscape(cp);
    if (named) out += named;
    else if (ch === ' ' || (cp >= 0x21 && cp < 0x7f)) out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'; // a lone surrogate: not valid text
    else if (cp >= 0x80 && PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

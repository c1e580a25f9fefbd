import { decodePathBytes } from './pathBytes.js';

/** The escapes C, git and Go share for a double quote, a backslash and named controls. */
const NAMED_ESCAPES: Readonly<Record<number, string>> = { 0x22: '\\"', 0x5c: '\\\\', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/** The named escape of a character code (`\n`, `\"`, ...), or undefined. */
export function namedEscape(code: number): string | undefined {
  return NAMED_ESCAPES[code];
}

/**
 * git's C-style path quoting (core.quotePath), over bytes: wrapped in double quotes with C
 * escapes when the name holds control characters, a double quote, a backslash or (unless
 * `quoteNonAscii` is false) bytes >= 0x80; returned as is otherwise. Bytes, not a string,
 * because a file name need not be UTF-8; bytes left unquoted that are not UTF-8 come back
 * escaped as model/pathBytes.ts does (writeOut prints them as the bytes they are). Pure.
 */
export function cQuoteBytes(bytes: Uint8Array, opts: { quoteNonAscii?: boolean } = {}): string {
  // core.quotePath=false leaves bytes >= 0x80 alone but still quotes control characters.
  const hi = opts.quoteNonAscii === false ? 0x100 : 0x80;
  let needs = false;
  for (const b of bytes) if (b < 0x20 || b === 0x22 || b === 0x5c || b === 0x7f || b >= hi) needs = true;
  if (!needs) return decodePathBytes(bytes);
  let out = '"';
  for (const b of bytes) {
    const named = NAMED_ESCAPES[b];
    if (named) out += named;
    else if (b < 0x20 || b === 0x7f || b >= hi) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  // With quoteNonAscii off, bytes >= 0x80 were copied one per char: decode them back as UTF-8.
  return hi === 0x100 ? decodePathBytes(Buffer.from(out + '"', 'latin1')) : out + '"';
}

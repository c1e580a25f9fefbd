import { cQuoteBytes } from '../model/cQuote.js';
import { encodePathBytes } from '../model/pathBytes.js';

/**
 * Make untrusted text (paths, server messages) safe to print: control characters, including
 * ESC, CR and BEL, become visible escapes so that nothing can move the cursor or forge lines.
 * Pure.
 */
export function escapeForTerminal(s: string): string {
  // The u flag matches code points: a lone surrogate U+DC80..U+DC9F (an escaped C1 byte of a
  // name that is not UTF-8, see model/pathBytes.ts, which writeOut would print as that byte)
  // is escaped as the byte, and the second half of an emoji is left alone.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069\udc80-\udc9f]/gu, (c) => {
    const code = c.charCodeAt(0);
    if (code >= 0xdc80 && code <= 0xdc9f) return `\\x${(code - 0xdc00).toString(16)}`;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Quote a path as git does with core.quotePath=true (the default): wrap in double quotes and
 * use C escapes when it holds control characters, a double quote, a backslash or non-ASCII
 * bytes. Used for human-readable listings; --json output uses raw strings.
 */
export function quotePath(p: string, opts: { quoteNonAscii?: boolean } = {}): string {
  // A name that is not UTF-8 (escaped as model/pathBytes.ts does) is quoted as its bytes.
  return cQuoteBytes(encodePathBytes(p), opts);
}

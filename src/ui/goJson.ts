import { encodePathBytes } from '../model/pathBytes.js';

/**
 * JSON text exactly as Go's encoding/json writes it (git-lfs's --json output): strings escape
 * `<`, `>` and `&` as \u003c \u003e \u0026, U+2028/U+2029 as \u2028 \u2029, control
 * characters other than \n \r \t as \u00XX, and lone surrogates become \ufffd. Pure.
 */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\\ufffd';
    else out += s[i]!;
  }
  return out + '"';
}

/**
 * Byte-wise string order, as Go sorts map keys: by UTF-8 bytes, and names that are not UTF-8
 * (escaped as model/pathBytes.ts does) by their own bytes.
 */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(encodePathBytes(a), encodePathBytes(b));
}


import { isUtf8 } from 'node:buffer';

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

/** Byte-wise (UTF-8) string order, as Go sorts map keys. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Bytes a UTF-8 sequence starting with `lead` has (0: never a valid lead byte). */
function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * goJsonString of bytes that need not be UTF-8 (a file name): as Go's encoder, each byte that
 * does not start a valid sequence is written as \ufffd.
 */
export function goJsonBytes(raw: Uint8Array): string {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let out = '';
  let run = 0; // start of the current run of valid UTF-8
  const flush = (end: number) => {
    if (end > run) out += goJsonString(buf.toString('utf8', run, end)).slice(1, -1);
  };
  for (let i = 0; i < buf.length; ) {
    const n = utf8Length(buf[i]!);
    if (n > 0 && i + n <= buf.length && isUtf8(buf.subarray(i, i + n))) {
      i += n;
      continue;
    }
    flush(i);
    out += '\\ufffd';
    run = ++i;
  }
  flush(buf.length);
  return `"${out}"`;
}

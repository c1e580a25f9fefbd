/**
 * File names as git stores them are bytes, not necessarily UTF-8. To carry such a name through
 * code that works on strings (maps keyed by path, path joins, validation) without losing it,
 * bytes that are not part of valid UTF-8 are kept as lone surrogates U+DC80..U+DCFF (the
 * "surrogateescape" scheme of Python's os.fsdecode): byte b becomes U+DC00 + b. Valid UTF-8
 * never decodes to a lone surrogate, so the mapping is one-to-one and encodePathBytes restores
 * the exact bytes. A name that is valid UTF-8 decodes to the same string as toString('utf8').
 *
 * Such a string must reach the file system through fsPath() (Node would write a lone surrogate
 * as U+FFFD, a different file) and git's stdin through encodePathBytes(). Pure.
 */
import { isUtf8 } from 'node:buffer';

// The u flag: match lone surrogates only, never the second half of a pair (an emoji).
const ESCAPE_RE = /[\udc80-\udcff]/u;

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(buf: Uint8Array, i: number): number {
  const b = buf[i]!;
  if (b < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => j < buf.length && buf[j]! >= lo && buf[j]! <= hi;
  // Ranges of the second byte per Unicode's table of well-formed sequences (no overlongs, no
  // surrogates, nothing above U+10FFFF).
  if (b >= 0xc2 && b <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/** A name's bytes as a string, bytes outside valid UTF-8 escaped (see the module comment). */
export function decodePathBytes(buf: Uint8Array): string {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (isUtf8(b)) return b.toString('utf8');
  let out = '';
  let run = 0; // start of the current run of valid sequences
  let i = 0;
  while (i < b.length) {
    const n = sequenceLength(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('utf8', run, i) + String.fromCharCode(0xdc00 + b[i]!);
    i += 1;
    run = i;
  }
  return out + b.toString('utf8', run, b.length);
}

/** True when `s` holds escaped bytes (it names a file that is not valid UTF-8). */
export function hasEscapedBytes(s: string): boolean {
  return ESCAPE_RE.test(s);
}

/** The bytes a string from decodePathBytes stands for. */
export function encodePathBytes(s: string): Buffer {
  if (!hasEscapedBytes(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    // A lone low surrogate comes out of for...of as itself; a valid pair as one code point.
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(run, 'utf8'), Buffer.from([c - 0xdc00]));
      run = '';
    } else {
      run += ch;
    }
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** What to hand to node:fs for a path string: itself, or its bytes when it holds escapes. */
export function fsPath(s: string): string | Buffer {
  return hasEscapedBytes(s) ? encodePathBytes(s) : s;
}

/**
 * Make untrusted text (paths, server messages) safe to print: control characters, including
 * ESC, CR and BEL, become visible escapes so that nothing can move the cursor or forge lines.
 * Pure.
 */
export function escapeForTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Quote a path as git does with core.quotePath=true (the default): wrap in double quotes and
 * use C escapes when it holds control characters, a double quote, a backslash or non-ASCII
 * bytes. Used for human-readable listings; --json output uses raw strings.
 */
export function quotePath(p: string, opts: { quoteNonAscii?: boolean } = {}): string {
  // core.quotePath=false leaves bytes >= 0x80 alone but still quotes control characters.
  const hi = opts.quoteNonAscii === false ? 0x100 : 0x80;
  const bytes = Buffer.from(p, 'utf8');
  let needs = false;
  for (const b of bytes) if (b < 0x20 || b === 0x22 || b === 0x5c || b === 0x7f || b >= hi) needs = true;
  if (!needs) return p;
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x07) out += '\\a';
    else if (b === 0x08) out += '\\b';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0b) out += '\\v';
    else if (b === 0x0c) out += '\\f';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b === 0x7f || b >= hi) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  // With quoteNonAscii off, bytes >= 0x80 were copied one per char: decode them back as UTF-8.
  return hi === 0x100 ? Buffer.from(out + '"', 'latin1').toString('utf8') : out + '"';
}

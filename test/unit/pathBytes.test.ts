/**
 * model/pathBytes.ts: names as bytes carried in strings. Round trips are checked on seeded
 * random byte strings biased towards the bytes that make or break UTF-8 sequences.
 */
import { describe, expect, it } from 'vitest';
import { decodePathBytes, encodePathBytes, fsPath, hasEscapedBytes } from '../../src/model/pathBytes.js';
import { escapeForTerminal, quotePath } from '../../src/ui/escape.js';
import { rng } from '../support/rng.js';

const INTERESTING = [0x00, 0x2f, 0x61, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90];

describe('pathBytes', () => {
  it('decodes valid UTF-8 exactly as toString does, with no escapes', () => {
    for (const s of ['plain', 'sp ace/tab\t', 'ünïcödé/日本', '🙂 emoji', 'a\u202eb', '']) {
      const b = Buffer.from(s, 'utf8');
      expect(decodePathBytes(b)).toBe(s);
      expect(hasEscapedBytes(decodePathBytes(b))).toBe(false);
      expect(fsPath(s)).toBe(s);
    }
  });

  it('escapes each byte outside a well-formed sequence, and only those', () => {
    const cases: Array<[number[], string]> = [
      [[0x61, 0xfe, 0x62], 'a\udcfeb'],
      [[0xc0, 0x80], '\udcc0\udc80'], // overlong NUL
      [[0xed, 0xa0, 0x80], '\udced\udca0\udc80'], // an encoded surrogate
      [[0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'], // above U+10FFFF
      [[0xe2, 0x82], '\udce2\udc82'], // truncated
      [[0xe2, 0x82, 0xac, 0xff], '€\udcff'],
      [[0xf0, 0x9f, 0x99, 0x82, 0x80], '🙂\udc80'],
    ];
    for (const [bytes, want] of cases) {
      const got = decodePathBytes(Buffer.from(bytes));
      expect(got).toBe(want);
      expect(hasEscapedBytes(got)).toBe(true);
      expect(encodePathBytes(got).equals(Buffer.from(bytes))).toBe(true);
      expect(fsPath(got)).toEqual(Buffer.from(bytes));
    }
  });

  it('round-trips 5000 random byte strings exactly', () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(r() * 12);
      const bytes = Buffer.alloc(n);
      for (let j = 0; j < n; j++) bytes[j] = r() < 0.5 ? INTERESTING[Math.floor(r() * INTERESTING.length)]! : Math.floor(r() * 256);
      const s = decodePathBytes(bytes);
      expect(encodePathBytes(s).equals(bytes), bytes.toString('hex')).toBe(true);
      // Distinct byte strings stay distinct (the lossy decoding merged them).
      if (!bytes.equals(Buffer.from(bytes.toString('utf8'), 'utf8'))) expect(hasEscapedBytes(s)).toBe(true);
    }
  });

  it('an emoji is not an escape; escapeForTerminal shows an escaped C1 byte instead of printing it', () => {
    expect(hasEscapedBytes('💀 💩')).toBe(false);
    expect(fsPath('💀')).toBe('💀');
    const csi = decodePathBytes(Buffer.from([0x61, 0x9b, 0x32, 0x4a]));
    expect(escapeForTerminal(csi)).toBe('a\\x9b2J');
    expect(escapeForTerminal('💀 ok')).toBe('💀 ok');
    // A byte >= 0xa0 that is not UTF-8 stays an escape (printed as that byte by writeOut).
    expect(escapeForTerminal(decodePathBytes(Buffer.from([0xfe])))).toBe('\udcfe');
  });

  it('quotePath quotes an escaped name as its bytes, as git does', () => {
    expect(quotePath(decodePathBytes(Buffer.from([0x61, 0xfe, 0x2e, 0x62])))).toBe('"a\\376.b"');
  });
});

import { describe, expect, it } from 'vitest';
import { BadPointerError, NotAPointerError } from '../../src/errors/TslfsError.js';
import { EMPTY_OID } from '../../src/model/oid.js';
import { decodePointer, encodePointer, POINTER_MAX_SIZE, tryDecodePointer, type Pointer } from '../../src/model/pointer.js';
import { rng } from '../support/rng.js';

const OID = '4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393';
const OID2 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'.replace('e3', 'aa');
const V = 'version https://git-lfs.github.com/spec/v1\n';
const ptr = (oidLine: string, sizeLine: string, extra = '') => `${V}${extra}${oidLine}\n${sizeLine}\n`;
const CANON = ptr(`oid sha256:${OID}`, 'size 12345');

describe('decodePointer: accepted inputs', () => {
  const cases: Array<[string, string, Partial<Pointer> & { canonical: boolean }]> = [
    ['canonical', CANON, { oid: OID, size: 12345, canonical: true }],
    ['CRLF line endings', CANON.replace(/\n/g, '\r\n'), { oid: OID, size: 12345, canonical: false }],
    ['no final newline', CANON.slice(0, -1), { oid: OID, size: 12345, canonical: false }],
    ['surrounding whitespace and blank lines', `\n\n${CANON}\n\n  `, { oid: OID, size: 12345, canonical: false }],
    ['hawser version', CANON.replace('https://git-lfs.github.com/spec/v1', 'https://hawser.github.com/spec/v1'), { oid: OID, size: 12345, canonical: false }],
    ['git-media version', CANON.replace('https://git-lfs.github.com/spec/v1', 'http://git-media.io/v/2'), { oid: OID, size: 12345, canonical: false }],
    ['size 0005 (non-canonical)', ptr(`oid sha256:${OID}`, 'size 0005'), { oid: OID, size: 5, canonical: false }],
    ['size 2^53-1', ptr(`oid sha256:${OID}`, `size ${2 ** 53 - 1}`), { oid: OID, size: 2 ** 53 - 1, canonical: true }],
    ['one extension', ptr(`oid sha256:${OID}`, 'size 1', `ext-0-foo sha256:${OID2}\n`), { oid: OID, size: 1, canonical: true }],
  ];
  it.each(cases)('%s', (_name, input, want) => {
    const p = decodePointer(input);
    expect(p.oid).toBe(want.oid);
    expect(p.size).toBe(want.size);
    expect(p.canonical).toBe(want.canonical);
  });

  it('sorts extensions by priority and re-encodes canonically', () => {
    const text = ptr(`oid sha256:${OID}`, 'size 9', `ext-2-bar sha256:${OID2}\next-1-foo sha256:${OID}\n`);
    const p = decodePointer(text);
    expect(p.extensions.map((e) => `${e.priority}-${e.name}`)).toEqual(['1-foo', '2-bar']);
    expect(p.canonical).toBe(false);
    expect(encodePointer(p)).toBe(ptr(`oid sha256:${OID}`, 'size 9', `ext-1-foo sha256:${OID}\next-2-bar sha256:${OID2}\n`));
  });

  it('empty input is the empty pointer, and size 0 encodes as the empty string', () => {
    const p = decodePointer('');
    expect(p).toMatchObject({ oid: EMPTY_OID, size: 0, canonical: true });
    expect(encodePointer({ oid: EMPTY_OID, size: 0, extensions: [] })).toBe('');
  });
});

describe('decodePointer: rejected inputs', () => {
  const bad: Array<[string, string]> = [
    ['oid path traversal', ptr('oid sha256:../../x', 'size 1')],
    ['oid long traversal', ptr(`oid sha256:../../../../tmp/${'a'.repeat(50)}`, 'size 1')],
    ['oid uppercase hex', ptr(`oid sha256:${OID.toUpperCase()}`, 'size 1')],
    ['oid 63 chars', ptr(`oid sha256:${OID.slice(1)}`, 'size 1')],
    ['oid 65 chars', ptr(`oid sha256:${OID}a`, 'size 1')],
    ['oid non-hex', ptr(`oid sha256:${OID.slice(1)}g`, 'size 1')],
    ['oid sha1 type', ptr(`oid sha1:${OID}`, 'size 1')],
    ['oid SHA256 type', ptr(`oid SHA256:${OID}`, 'size 1')],
    ['oid with NUL', ptr(`oid sha256:${OID.slice(1)}\0`, 'size 1')],
    ['size -1', ptr(`oid sha256:${OID}`, 'size -1')],
    ['size +5', ptr(`oid sha256:${OID}`, 'size +5')],
    ['size 0x10', ptr(`oid sha256:${OID}`, 'size 0x10')],
    ['size 1e3', ptr(`oid sha256:${OID}`, 'size 1e3')],
    ['size with leading space', ptr(`oid sha256:${OID}`, 'size  5')],
    ['size Arabic-Indic digits', ptr(`oid sha256:${OID}`, 'size ٥')],
    ['size 2^53+1', ptr(`oid sha256:${OID}`, 'size 9007199254740993')],
    ['size 2^63', ptr(`oid sha256:${OID}`, 'size 9223372036854775808')],
    ['size 2^64', ptr(`oid sha256:${OID}`, 'size 18446744073709551616')],
    ['missing size', `${V}oid sha256:${OID}\n`],
    ['missing oid', `${V}size 5\n`],
    ['missing version', `oid sha256:${OID}\nsize 5\ngit-lfs\n`],
    ['unknown version', CANON.replace('spec/v1', 'spec/v2')],
    ['extra line after size', CANON + 'foo bar\n'],
    ['unknown key', ptr(`oid sha256:${OID}`, 'size 1', 'foo bar\n')],
    ['keys out of order', `${V}size 5\noid sha256:${OID}\n`],
    ['line without space', CANON.replace('size 12345', 'size12345')],
    ['ext before version', `ext-0-foo sha256:${OID2}\n${CANON}`],
    ['ext after oid', `${V}oid sha256:${OID}\next-0-foo sha256:${OID2}\nsize 1\n`],
    ['two-digit ext priority', ptr(`oid sha256:${OID}`, 'size 1', `ext-10-foo sha256:${OID2}\n`)],
    ['duplicate ext priority', ptr(`oid sha256:${OID}`, 'size 1', `ext-1-foo sha256:${OID2}\next-1-bar sha256:${OID}\n`)],
    ['ext name with slash', ptr(`oid sha256:${OID}`, 'size 1', `ext-1-a/b sha256:${OID2}\n`)],
    ['ext name with $()', ptr(`oid sha256:${OID}`, 'size 1', `ext-1-$(touch) sha256:${OID2}\n`)],
    ['ext bad oid', ptr(`oid sha256:${OID}`, 'size 1', `ext-1-foo sha256:../../x\n`)],
    ['no header word', 'hello world\n'],
    ['BOM before version', '\ufeff' + CANON],
  ];
  it.each(bad)('%s', (_name, input) => {
    expect(tryDecodePointer(input)).toBeNull();
    let err: unknown;
    try {
      decodePointer(input);
    } catch (e) {
      err = e;
    }
    expect(err instanceof NotAPointerError || err instanceof BadPointerError).toBe(true);
  });
});

describe('decodePointer: size cutoff', () => {
  const padTo = (n: number) => CANON + ' '.repeat(n - CANON.length);
  it.each([
    [1023, true],
    [1024, false],
    [1025, false],
  ])('a valid pointer padded to %i bytes -> pointer: %s', (n, ok) => {
    const input = padTo(n);
    expect(Buffer.byteLength(input)).toBe(n);
    expect(tryDecodePointer(input) !== null).toBe(ok);
  });
  it('POINTER_MAX_SIZE is 1024', () => expect(POINTER_MAX_SIZE).toBe(1024));
});

describe('property: encode/decode round trip', () => {
  const rand = rng(0xc0ffee);
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
  const names = ['foo', 'bar', 'x_1', 'Z9'];

  it('decode(encode(p)) == p and is canonical for 500 random pointers', () => {
    for (let i = 0; i < 500; i++) {
      const size = 1 + Math.floor(rand() * (rand() < 0.5 ? 1000 : Number.MAX_SAFE_INTEGER));
      const prios = [...new Set(Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * 10)))].sort((a, b) => a - b);
      const p: Pointer = { oid: hex(64), size, extensions: prios.map((priority, k) => ({ priority, name: names[k % names.length]!, oid: hex(64) })) };
      const text = encodePointer(p);
      const d = decodePointer(text);
      expect({ oid: d.oid, size: d.size, extensions: d.extensions }).toEqual(p);
      expect(d.canonical).toBe(true);
      expect(decodePointer(Buffer.from(text.replace(/\n/g, '\r\n'))).canonical).toBe(false);
    }
  });

  it('random single-byte mutations never throw anything but pointer errors', () => {
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(CANON);
      const pos = Math.floor(rand() * b.length);
      b[pos] = Math.floor(rand() * 256);
      let res: unknown;
      try {
        res = decodePointer(b);
      } catch (e) {
        expect(e instanceof NotAPointerError || e instanceof BadPointerError).toBe(true);
        continue;
      }
      // Whatever decodes must still have a valid oid and a safe size.
      const p = res as Pointer;
      expect(p.oid).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isSafeInteger(p.size) && p.size >= 0).toBe(true);
    }
  });
});

describe('decodePointer fast path for canonical pointers', () => {
  it('gives the same answer as the full parse for random canonical pointers and near misses', async () => {
    const { randomBytes } = await import('node:crypto');
    for (let i = 0; i < 300; i++) {
      const oid = randomBytes(32).toString('hex');
      const size = i < 100 ? 1 + Math.floor(Math.random() * 1000) : Math.floor(Math.random() * Number.MAX_SAFE_INTEGER) + 1;
      const text = encodePointer({ oid, size, extensions: [] });
      expect(decodePointer(text)).toEqual({ oid, size, extensions: [], canonical: true });
      // Near misses take the full parse: still decoded, but not canonical.
      expect(decodePointer(text.replace(`size ${size}`, `size 0${size}`))).toMatchObject({ oid, size, canonical: false });
      expect(decodePointer(text.replace(/\n/g, '\r\n'))).toMatchObject({ oid, size, canonical: false });
      expect(decodePointer(text.slice(0, -1))).toMatchObject({ oid, size, canonical: false });
    }
    // Beyond 2^53 the fast path steps aside and the full parse refuses it.
    expect(() => decodePointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${'a'.repeat(64)}\nsize 9007199254740993\n`)).toThrow();
  });
});

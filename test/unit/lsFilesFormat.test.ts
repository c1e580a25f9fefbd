import { describe, expect, it } from 'vitest';
import { escapeRawName, formatHumanSize, formatLsFilesDebug, formatLsFilesJson, formatLsFilesLine, displayName } from '../../src/ui/lsFilesFormat.js';
import { compareUtf8, goJsonString } from '../../src/ui/goJson.js';
import { formatStatusJson, formatStatusPorcelain, relativize } from '../../src/ui/statusFormat.js';
import { quotePath } from '../../src/ui/escape.js';
import type { LsFilesEntry } from '../../src/ops/lsFiles.js';
import type { StatusEntry, StatusReport } from '../../src/ops/status.js';

// Expected values observed from git-lfs 3.3.0 (`ls-files -s` on pointers of these sizes).
const SIZES: Array<[number, string]> = [
  [1, '1 B'], [9, '9 B'], [10, '10 B'], [99, '99 B'], [999, '999 B'], [1000, '1.0 KB'], [1049, '1.0 KB'], [1050, '1.1 KB'],
  [1149, '1.1 KB'], [1150, '1.2 KB'], [1250, '1.3 KB'], [9949, '9.9 KB'], [9950, '10 KB'], [9999, '10 KB'], [10000, '10 KB'],
  [10049, '10 KB'], [10050, '10 KB'], [10450, '10 KB'], [10500, '10 KB'], [10549, '10 KB'], [10550, '11 KB'], [11500, '12 KB'],
  [12500, '12 KB'], [99949, '100 KB'], [99950, '100 KB'], [999499, '1000 KB'], [999500, '1000 KB'], [999999, '1000 KB'],
  [1000000, '1.0 MB'], [1500000, '1.5 MB'], [10500000, '10 MB'], [999999999, '1000 MB'], [1e9, '1.0 GB'], [1e12, '1.0 TB'],
  [1234567890123456, '1.2 PB'], [999999999999999, '1.0 PB'], [1e15, '1.0 PB'],
];

const OID = 'a'.repeat(64);
const entry = (name: string, over: Partial<LsFilesEntry> = {}): LsFilesEntry => ({
  name,
  pointer: { oid: OID, size: 1234, extensions: [], canonical: true },
  source: 'tree',
  checkout: true,
  downloaded: false,
  ...over,
});

describe('formatHumanSize', () => {
  it.each(SIZES)('%d -> %s', (n, want) => expect(formatHumanSize(n)).toBe(want));
  it('never throws for huge sizes (git-lfs panics past PB)', () => {
    expect(formatHumanSize(5e18)).toBe('5.0 EB');
  });
  it('is monotonic in its numeric part within a unit (random sizes)', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const n = Math.floor(rnd() * 1e12) + 10;
      const s = formatHumanSize(n);
      expect(s).toMatch(/^\d+(\.\d)? (B|KB|MB|GB|TB)$/);
      const [num] = s.split(' ');
      expect(Number(num)).toBeGreaterThan(0);
      expect(Number(num)).toBeLessThanOrEqual(1000);
    }
  });
});

describe('goJsonString', () => {
  it.each([
    ['plain', '"plain"'],
    ['<&>', '"\\u003c\\u0026\\u003e"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\n\r\t', '"\\n\\r\\t"'],
    ['\b\f\x1b\x00', '"\\u0008\\u000c\\u001b\\u0000"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['ünï 😀', '"ünï 😀"'],
    ['\ud800x', '"\\ufffdx"'],
  ])('%j', (s, want) => expect(goJsonString(s)).toBe(want));
  it('round-trips through JSON.parse for valid strings', () => {
    for (const s of ['a<b>&c', 'x\u0001y', 'tab\there', 'emoji 😀', '\u2028']) expect(JSON.parse(goJsonString(s))).toBe(s);
  });
  it('orders keys by UTF-8 bytes as Go does', () => {
    expect(['\uffff', '😀', 'a', 'B'].sort(compareUtf8)).toEqual(['B', 'a', '\uffff', '😀']);
  });
});

describe('name display', () => {
  it('escapes every control character in raw names, keeps other text', () => {
    expect(escapeRawName('a\tb\nc\rd\x1b[0m\u202e ü "q" \\')).toBe('a\\x09b\\x0ac\\x0dd\\x1b[0m\\u202e ü "q" \\');
  });
  it('quotes index paths as git does, raw-escapes tree and history paths', () => {
    expect(displayName({ name: 'ü "x".bin', source: 'index' }, { quotePath: true })).toBe('"\\303\\274 \\"x\\".bin"');
    expect(displayName({ name: 'ü "x".bin', source: 'index' }, { quotePath: false })).toBe('"ü \\"x\\".bin"');
    expect(displayName({ name: 'ü "x".bin', source: 'tree' }, { quotePath: true })).toBe('ü "x".bin');
    expect(displayName({ name: 'e\x1b.bin', source: 'history' }, { quotePath: true })).toBe('e\\x1b.bin');
  });
  it('quotePath without non-ASCII quoting still quotes control characters', () => {
    expect(quotePath('ü\tx', { quoteNonAscii: false })).toBe('"ü\\tx"');
    expect(quotePath('ü', { quoteNonAscii: false })).toBe('ü');
    expect(quotePath('ü')).toBe('"\\303\\274"');
  });
});

describe('ls-files lines', () => {
  const style = { quotePath: true };
  it('formats the plain, long, size and name-only lines', () => {
    expect(formatLsFilesLine(entry('a b.bin'), style)).toBe(`${OID.slice(0, 10)} * a b.bin\n`);
    expect(formatLsFilesLine(entry('a.bin', { checkout: false }), { ...style, long: true, size: true })).toBe(`${OID} - a.bin (1.2 KB)\n`);
    expect(formatLsFilesLine(entry('a.bin'), { ...style, nameOnly: true, size: true, long: true })).toBe('a.bin (1.2 KB)\n');
  });
  it('formats the debug block', () => {
    expect(formatLsFilesDebug(entry('x.bin'), style)).toBe(
      `filepath: x.bin\n    size: 1234\ncheckout: true\ndownload: false\n     oid: sha256 ${OID}\n version: https://git-lfs.github.com/spec/v1\n\n`,
    );
  });
  it('formats JSON with one-space indentation and null for no files', () => {
    expect(formatLsFilesJson([], style)).toBe('{\n "files": null\n}\n');
    const j = formatLsFilesJson([entry('<x>\n.bin'), entry('y')], style);
    expect(j.startsWith('{\n "files": [\n  {\n   "name": "\\u003cx\\u003e\\n.bin",\n   "size": 1234,\n')).toBe(true);
    expect(JSON.parse(j).files.map((f: { name: string }) => f.name)).toEqual(['<x>\n.bin', 'y']);
    expect(Object.keys(JSON.parse(j).files[0])).toEqual(['name', 'size', 'checkout', 'downloaded', 'oid_type', 'oid', 'version']);
  });
  it('JSON names index entries as git quotes them (git-lfs reads them from diff-index), per core.quotePath', async () => {
    const { decodePathBytes } = await import('../../src/model/pathBytes.js');
    const odd = decodePathBytes(Buffer.from([0x61, 0xfe, 0x2e, 0x62]));
    const names = (quotePath: boolean) =>
      JSON.parse(formatLsFilesJson([entry('é.bin', { source: 'index' }), entry('s p', { source: 'index' }), entry(odd, { source: 'index' }), entry('é.bin')], { quotePath })).files.map((f: { name: string }) => f.name);
    expect(names(true)).toEqual(['"\\303\\251.bin"', 's p', '"a\\376.b"', 'é.bin']);
    expect(names(false)).toEqual(['é.bin', 's p', 'a\ufffd.b', 'é.bin']);
  });
});

describe('status formats', () => {
  it.each([
    ['', 'a.bin', 'a.bin'],
    ['sub/', 'a.bin', '../a.bin'],
    ['sub/', 'sub/x.bin', 'x.bin'],
    ['a/b/', 'a/c/d.bin', '../c/d.bin'],
    ['a/', 'ab/x', '../ab/x'],
  ])('relativize(%j, %j) = %j', (prefix, path, want) => expect(relativize(prefix, path)).toBe(want));

  const e = (status: string, srcName: string, dstName = '', kind: 'LFS' | 'Git' = 'LFS'): StatusEntry => ({
    srcMode: '100644', dstMode: '100644', srcSha: '1'.repeat(40), dstSha: '2'.repeat(40), status, srcName, dstName, from: { kind, sha: 'f'.repeat(64) },
  });
  const report = (staged: StatusEntry[], unstaged: StatusEntry[]): StatusReport => ({ branch: 'main', upstream: null, toPush: [], staged, unstaged });

  it('porcelain: unstaged first, one line per path, M with a leading space', () => {
    const r = report([e('M', 'a'), e('R', 'old', 'new'), e('A', 'n')], [e('M', 'a'), e('D', 'd')]);
    expect(formatStatusPorcelain(r, { quotePath: true })).toBe(' M a\nD  d\nR  old -> new\nA  n\n');
  });
  it('json: LFS sources only, staged wins, keys sorted', () => {
    const r = report([e('A', 'z'), e('R', 'old', 'b'), e('M', 'git', '', 'Git')], [e('M', 'z')]);
    expect(formatStatusJson(r, { quotePath: true })).toBe('{"files":{"b":{"status":"R","from":"old"},"z":{"status":"A"}}}\n');
  });
});

describe('names that are not UTF-8', () => {
  it('in JSON each byte that starts no valid sequence is \\ufffd, as Go writes it', async () => {
    const { decodePathBytes } = await import('../../src/model/pathBytes.js');
    const json = (b: number[] | Buffer) => goJsonString(decodePathBytes(Buffer.from(b)));
    expect(json([0x61, 0xff, 0x2e])).toBe('"a\\ufffd."');
    // A truncated 3-byte sequence: one \ufffd per byte (WHATWG decoding would give one in all).
    expect(json([0xe2, 0x82, 0x41])).toBe('"\\ufffd\\ufffdA"');
    expect(json(Buffer.from('é<€', 'utf8'))).toBe('"é\\u003c€"');
    // A surrogate encoded in UTF-8 (ED A0 80) is not valid UTF-8.
    expect(json([0xed, 0xa0, 0x80])).toBe('"\\ufffd\\ufffd\\ufffd"');
  });

  it('a tree name keeps its bytes but controls and C1 bytes are escaped', async () => {
    const { decodePathBytes, encodePathBytes } = await import('../../src/model/pathBytes.js');
    const name = decodePathBytes(Buffer.from([0x61, 0xff, 0x0a, 0x9b, 0x62]));
    const line = formatLsFilesLine(entry(name), { quotePath: true, nameOnly: true });
    expect(encodePathBytes(line).equals(Buffer.from('a\xff\\x0a\\x9bb\n', 'latin1'))).toBe(true);
  });
});

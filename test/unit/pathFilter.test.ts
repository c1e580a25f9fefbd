import { describe, expect, it } from 'vitest';
import { makePathFilter, splitPatterns } from '../../src/model/pathFilter.js';
import { parseDiffIndexZ, isZeroOid } from '../../src/git/diffIndex.js';
import { checkVerdict } from '../../src/ops/pointerCheck.js';

const FILES = ['a.dat', 'b.bin', 'dir/a.dat', 'dir/c.bin', 'dir/sub/a.dat', 'dir/sub/d.dat', 'other/dir/a.dat', 'other/e.dat', 'x/dira.dat', 'dirx.dat'];

// Included sets observed from `git lfs ls-files -n -I <pattern>` (git-lfs 3.3.0) on FILES.
const INCLUDED: Array<[string, string[]]> = [
  ['*.dat', ['a.dat', 'dir/a.dat', 'dir/sub/a.dat', 'dir/sub/d.dat', 'dirx.dat', 'other/dir/a.dat', 'other/e.dat', 'x/dira.dat']],
  ['dir/', ['dir/a.dat', 'dir/c.bin', 'dir/sub/a.dat', 'dir/sub/d.dat', 'other/dir/a.dat']],
  ['dir', ['dir/a.dat', 'dir/c.bin', 'dir/sub/a.dat', 'dir/sub/d.dat', 'other/dir/a.dat']],
  ['dir/*', ['dir/a.dat', 'dir/c.bin', 'dir/sub/a.dat', 'dir/sub/d.dat']],
  ['**/a.dat', ['a.dat', 'dir/a.dat', 'dir/sub/a.dat', 'other/dir/a.dat']],
  ['a.dat', ['a.dat', 'dir/a.dat', 'dir/sub/a.dat', 'other/dir/a.dat']],
  ['/a.dat', ['a.dat']],
  ['/dir', ['dir/a.dat', 'dir/c.bin', 'dir/sub/a.dat', 'dir/sub/d.dat']],
  ['dir*', ['dir/a.dat', 'dir/c.bin', 'dir/sub/a.dat', 'dir/sub/d.dat', 'dirx.dat', 'other/dir/a.dat', 'x/dira.dat']],
  ['.', []],
  ['./dir', []],
  ['DIR', []],
  ['!a.dat', []],
  ['*/a.dat', ['dir/a.dat']],
  ['[ad].dat', ['a.dat', 'dir/a.dat', 'dir/sub/a.dat', 'dir/sub/d.dat', 'other/dir/a.dat']],
  ['*.dat,*.bin', [...FILES]],
];

describe('makePathFilter', () => {
  it.each(INCLUDED)('-I %s', (p, want) => {
    const f = makePathFilter(p, undefined, { ignorecase: false });
    expect(FILES.filter(f).sort()).toEqual([...want].sort());
  });
  it.each(INCLUDED)('-X %s is the complement', (p, want) => {
    const f = makePathFilter(undefined, p, { ignorecase: false });
    expect(FILES.filter(f).sort()).toEqual(FILES.filter((x) => !want.includes(x)).sort());
  });
  it('combines include and exclude; no patterns allows all', () => {
    expect(FILES.filter(makePathFilter('*.dat', 'dir', { ignorecase: false }))).toEqual(['a.dat', 'other/e.dat', 'x/dira.dat', 'dirx.dat']);
    expect(FILES.filter(makePathFilter(undefined, undefined))).toEqual(FILES);
    expect(splitPatterns(' a , ,b ')).toEqual(['a', 'b']);
  });
});

describe('parseDiffIndexZ', () => {
  it('parses modifications, additions and renames with -z', () => {
    const z = '0'.repeat(40);
    const a = '1'.repeat(40);
    const raw = `:100644 100644 ${a} ${z} M\0sp ace\0:000000 100644 ${z} ${a} A\0new\nline\0:100644 100644 ${a} ${a} R100\0old\0new\0`;
    const es = parseDiffIndexZ(Buffer.from(raw));
    expect(es.map((e) => [e.status, e.srcName, e.dstName, e.score])).toEqual([
      ['M', 'sp ace', '', undefined],
      ['A', 'new\nline', '', undefined],
      ['R', 'old', 'new', 100],
    ]);
    expect(isZeroOid(es[0]!.dstSha)).toBe(true);
    expect(isZeroOid(es[0]!.srcSha)).toBe(false);
  });
});

describe('checkVerdict', () => {
  const OID = '4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393';
  const canon = `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 12345\n`;
  it.each([
    [canon, false, 0],
    [canon, true, 0],
    ['', true, 0],
    [canon.replace(/\n/g, '\r\n'), false, 0],
    [canon.replace(/\n/g, '\r\n'), true, 2],
    ['not a pointer\n', false, 1],
    ['not a pointer\n', true, 1],
  ])('%j strict=%s -> %d', (text, strict, want) => {
    expect(checkVerdict({ data: Buffer.from(text), more: false }, strict)).toBe(want);
  });
  it('input longer than the pointer limit is never a pointer', () => {
    expect(checkVerdict({ data: Buffer.from(canon), more: true }, false)).toBe(1);
  });
});

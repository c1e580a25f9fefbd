// The pure .gitattributes layer: line splitting, both parsers, track escaping/formatting, Go
// quoting, and the pattern matcher, which is checked against `git check-attr` on generated
// patterns and paths (differential).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  autocrlfLineEnding,
  compileAttrPattern,
  escapeGlobCharacters,
  escapeTrackPattern,
  formatTrackLine,
  goPathJoin,
  goUnquote,
  linePatternField,
  parseAttr,
  quotePatternField,
  parseGitAttributeLine,
  parseLfsAttributeLine,
  parseLfsAttributes,
  splitLines,
  trimCurrentPrefix,
  unescapeTrackPattern,
  wildmatch,
} from '../../src/model/gitattributes.js';
import { goQuote } from '../../src/model/goQuote.js';
import { goJsonString } from '../../src/ui/goJson.js';
import { checkAttr } from '../../src/git/attributes.js';

describe('splitLines', () => {
  it.each([
    ['', [], ''],
    ['a', ['a'], ''],
    ['a\n', ['a'], '\n'],
    ['a\r\nb\r\n', ['a', 'b'], '\r\n'],
    ['a\r\nb\n', ['a', 'b'], '\n'], // a tie is LF
    ['a\r\nb\r\nc\n', ['a', 'b', 'c'], '\r\n'],
    ['a\rb\n', ['a\rb'], '\n'], // a CR inside a line stays
    ['a\r\r\n', ['a\r'], '\r\n'], // only one CR is dropped
    ['\n\n', ['', ''], '\n'],
  ])('%j', (text, lines, eol) => {
    expect(splitLines(text)).toEqual({ lines, eol });
  });
});

describe('parseAttr', () => {
  it.each([
    ['filter=lfs', { name: 'filter', value: 'lfs', unspecified: false }],
    ['-text', { name: 'text', value: 'false', unspecified: false }],
    ['!filter', { name: 'filter', value: '', unspecified: true }],
    ['lockable', { name: 'lockable', value: 'true', unspecified: false }],
    ['eol=crlf=x', { name: 'eol', value: 'crlf=x', unspecified: false }],
  ])('%s', (tok, want) => expect(parseAttr(tok)).toEqual(want));
});

describe('parseLfsAttributeLine (git-lfs reader)', () => {
  it('patterns, attributes, comments, blanks', () => {
    expect(parseLfsAttributeLine('*.bin filter=lfs diff=lfs merge=lfs -text')).toEqual({
      kind: 'pattern',
      pattern: '*.bin',
      attrs: [
        { name: 'filter', value: 'lfs', unspecified: false },
        { name: 'diff', value: 'lfs', unspecified: false },
        { name: 'merge', value: 'lfs', unspecified: false },
        { name: 'text', value: 'false', unspecified: false },
      ],
    });
    expect(parseLfsAttributeLine('# *.bin filter=lfs')).toBeNull();
    expect(parseLfsAttributeLine('   ')).toBeNull();
    expect(parseLfsAttributeLine('  *.s   filter=lfs  ')).toMatchObject({ pattern: '*.s', attrs: [{ name: 'filter' }] });
  });
  it('quoted patterns', () => {
    expect(parseLfsAttributeLine('"q q.bin" filter=lfs')).toMatchObject({ kind: 'pattern', pattern: 'q q.bin' });
    expect(parseLfsAttributeLine('"a\\tb" filter=lfs')).toMatchObject({ pattern: 'a\tb' });
    expect(() => parseLfsAttributeLine('"unbalanced filter=lfs')).toThrow(/unbalanced quote/);
  });
  it('macros', () => {
    expect(parseLfsAttributeLine('[attr]mylfs filter=lfs diff=lfs')).toMatchObject({ kind: 'macro', macro: 'mylfs' });
    expect(parseLfsAttributeLine('*.m mylfs')).toMatchObject({ kind: 'pattern', attrs: [{ name: 'mylfs', value: 'true' }] });
  });
  it('a tab does not separate the pattern (git-lfs splits on spaces only)', () => {
    expect(parseLfsAttributeLine('*.t\tfilter=lfs')).toEqual({ kind: 'pattern', pattern: '*.t\tfilter=lfs', attrs: [] });
  });
  it('whole files: a bad quote discards the file, a 2049-byte line is skipped', () => {
    expect(parseLfsAttributes('*.a filter=lfs\n"bad filter=lfs\n')).toBeNull();
    const long = `${'x'.repeat(2049 - ' filter=lfs'.length)} filter=lfs`;
    expect(Buffer.byteLength(long)).toBe(2049);
    const r = parseLfsAttributes(`${long}\n*.a filter=lfs\r\n*.b filter=lfs\r\n`)!;
    expect(r.lines.map((l) => (l.kind === 'pattern' ? l.pattern : ''))).toEqual(['*.a', '*.b']);
    expect(r.eol).toBe('\r\n');
    const ok = `${'x'.repeat(2048 - ' filter=lfs'.length)} filter=lfs`;
    expect(parseLfsAttributes(ok)!.lines).toHaveLength(1);
  });
});

describe('parseGitAttributeLine (git reader)', () => {
  it.each([
    ['*.bin filter=lfs -text', '*.bin', ['filter', 'text']],
    ['*.t\tfilter=lfs', '*.t', ['filter']],
    ['  "a b" filter=lfs', 'a b', ['filter']],
    ['"a\\"b" x', 'a"b', ['x']],
    ['*.x filter=lfs\r', '*.x', ['filter']],
  ])('%j', (line, pattern, names) => {
    const p = parseGitAttributeLine(line);
    expect(p).toMatchObject({ kind: 'pattern', pattern });
    expect(p!.attrs.map((a) => a.name)).toEqual(names);
  });
  it.each([['# c'], [''], ['   '], ['!neg filter=lfs'], ['"unterminated filter=lfs'], [`${'y'.repeat(2040)} filter=lfs`]])(
    'ignores case %#',
    (line) => expect(parseGitAttributeLine(line)).toBeNull(),
  );
  it('macros', () => {
    expect(parseGitAttributeLine('[attr]bin -diff -merge')).toMatchObject({ kind: 'macro', macro: 'bin' });
  });
});

describe('track escaping and formatting', () => {
  it.each([
    ['*.bin', '*.bin'],
    ['a b.bin', 'a[[:space:]]b.bin'],
    ['#x', '\\#x'],
    ['a\\b', 'a\\\\b'],
    ['  ', '[[:space:]][[:space:]]'],
  ])('escapeTrackPattern(%j)', (p, want) => {
    expect(escapeTrackPattern(p)).toBe(want);
    expect(unescapeTrackPattern(want)).toBe(p);
  });
  it.each([
    ['c*[?].bin', 'c\\*\\[\\?\\].bin'],
    ['project [1].psd', 'project[[:space:]]\\[1\\].psd'],
    ['a\\b #', 'a\\\\b[[:space:]]\\#'],
  ])('escapeGlobCharacters(%j)', (p, want) => expect(escapeGlobCharacters(p)).toBe(want));

  it('--filename escaping matches exactly the one literal name', () => {
    for (const name of ['c*[?].bin', 'project [1].psd', 'a\\b #x', '[!a]', '**', 'x?y']) {
      const m = compileAttrPattern(escapeGlobCharacters(name));
      expect(m(name), name).toBe(true);
      expect(m(`${name}x`), name).toBe(false);
      expect(m('cX[?].bin')).toBe(false);
    }
  });

  it('what track writes parses back to the same pattern (no CR/space/# surprises)', () => {
    for (const p of ['a b', '#c', 'x\\y', 'sp  ace', '*.bin']) {
      const line = formatTrackLine(escapeTrackPattern(p), true, '\r\n');
      const parsed = parseGitAttributeLine(splitLines(line).lines[0]!);
      expect(parsed).toMatchObject({ kind: 'pattern', pattern: escapeTrackPattern(p) });
      expect(parsed!.attrs.map((a) => `${a.name}=${a.value}`)).toEqual(['filter=lfs', 'diff=lfs', 'merge=lfs', 'text=false', 'lockable=true']);
    }
    expect(formatTrackLine('*.a', false, '\n')).toBe('*.a filter=lfs diff=lfs merge=lfs -text\n');
  });

  it('patterns with control characters or a leading quote are written C-quoted and read back', () => {
    for (const p of ['a\tb', 'c\nd', 'e\rf', '"q', 'x\x01y', 'plain', 'a"b']) {
      const field = quotePatternField(escapeTrackPattern(p));
      const line = formatTrackLine(escapeTrackPattern(p), false, '\n').slice(0, -1);
      expect(line.includes('\n') || line.includes('\r') || line.includes('\t'), p).toBe(false);
      expect(parseGitAttributeLine(line), p).toMatchObject({ pattern: escapeTrackPattern(p) });
      expect(parseLfsAttributeLine(line), p).toMatchObject({ pattern: escapeTrackPattern(p) });
      expect(linePatternField(line), p).toBe(escapeTrackPattern(p));
      expect(field.startsWith('"')).toBe(p !== 'plain' && p !== 'a"b');
    }
    expect(linePatternField('  *.a\tfilter=lfs')).toBe('*.a');
    expect(linePatternField('')).toBe('');
  });

  it('--filename escapes a leading ! (git ignores negative patterns)', () => {
    expect(escapeGlobCharacters('!x.bin')).toBe('\\!x.bin');
    expect(compileAttrPattern(escapeGlobCharacters('!x.bin'))('!x.bin')).toBe(true);
    expect(parseGitAttributeLine(formatTrackLine(escapeGlobCharacters('!x.bin'), false, ''))).toMatchObject({ pattern: '\\!x.bin' });
  });

  it('helpers', () => {
    expect(trimCurrentPrefix('././a')).toBe('a');
    expect(goPathJoin('sub', '../up')).toBe('up');
    expect(goPathJoin('', '*.bin')).toBe('*.bin');
    expect(goPathJoin('sub', '/c.bin')).toBe('sub/c.bin');
    expect(goPathJoin('a', 'b//c/')).toBe('a/b/c');
    expect(autocrlfLineEnding('true')).toBe('\r\n');
    expect(autocrlfLineEnding('1')).toBe('\r\n');
    expect(autocrlfLineEnding('input')).toBe('\n');
    expect(autocrlfLineEnding('yes')).toBe('\n');
    expect(autocrlfLineEnding(undefined)).toBe('\n');
    expect(goUnquote('"a\\x41\\101\\u00e9"')).toBe('aAAé');
    expect(goUnquote('"bad\\q"')).toBeNull();
  });
});

describe('Go formatting', () => {
  it.each([
    ['*.bin', '"*.bin"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['x\ny\r\t', '"x\\ny\\r\\t"'],
    ['\x1b[31m', '"\\x1b[31m"'],
    ['é日本', '"é日本"'],
    ['\u202e', '"\\u202e"'],
    ['\u00a0', '"\\u00a0"'],
  ])('goQuote(%j)', (s, want) => expect(goQuote(s)).toBe(want));
  it.each([
    ['a<b>&c', '"a\\u003cb\\u003e\\u0026c"'],
    ['x\ny\u0001\b', '"x\\ny\\u0001\\u0008"'],
    ['é', '"é"'],
  ])('goJsonString(%j)', (s, want) => expect(goJsonString(s)).toBe(want));
});

describe('wildmatch', () => {
  it.each([
    ['*.bin', 'a.bin', {}, true],
    ['*.bin', 'd/a.bin', { pathname: true }, false],
    ['*.bin', 'd/a.bin', {}, true],
    ['**/a', 'x/y/a', { pathname: true }, true],
    ['**/a', 'a', { pathname: true }, true],
    ['a/**/b', 'a/b', { pathname: true }, true],
    ['a/**/b', 'a/x/y/b', { pathname: true }, true],
    ['a/**', 'a/x/y', { pathname: true }, true],
    ['a**b', 'a/b', { pathname: true }, false],
    ['[!a]x', 'bx', {}, true],
    ['[^a]x', 'ax', {}, false],
    ['[]]', ']', {}, true],
    ['[a-c]', 'b', {}, true],
    ['[[:space:]]', ' ', {}, true],
    ['[[:digit:][:upper:]]', 'Q', {}, true],
    ['\\*', '*', {}, true],
    ['\\*', 'a', {}, false],
    ['A.BIN', 'a.bin', { ignoreCase: true }, true],
    ['?', 'é', {}, false], // one byte, as git
    ['??', 'é', {}, true],
  ])('%s vs %s %j', (p, t, o, want) => expect(wildmatch(p, t, o)).toBe(want));

  it('a backtracking-heavy pattern against a 10 KB name finishes (bounded by the abort rules)', () => {
    const name = 'a'.repeat(10_000);
    expect(wildmatch('*a*a*a*a*a*a*a*a*a*a*a*b', name)).toBe(false);
    expect(wildmatch('**/*a*a*a*a*a*a*a*a*a*b', `x/${name}`, { pathname: true })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential: compileAttrPattern vs git check-attr.

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PATTERN_PIECES = [
  'a', 'b', 'x', '.', '*', '?', '**', '/', '[ab]', '[!a]', '[a-c]', '\\*', 'é', '[[:alpha:]]', '*.bin', 'd/', '**/',
  '[', ']', '[]a]', '[^b]', '\\', '[[:foo:]]', '[[:', 'A', '[a-]', '[--b]', '\\[', '/**/', '***',
];
const PATH_SEGS = ['a', 'b', 'x', 'ab', 'a.bin', 'b.bin', 'x.b', '.a', 'é', 'éa', 'd', '*', 'aaab', 'A', 'B.BIN', '[', ']a', '-', 'a\\b', 'x[ab]', ':'];

function genPattern(r: () => number): string {
  const n = 1 + Math.floor(r() * 4);
  let p = '';
  for (let i = 0; i < n; i++) p += PATTERN_PIECES[Math.floor(r() * PATTERN_PIECES.length)];
  // Lines git would read differently (comments, negations, macros, quotes, empty) are not patterns.
  if (/^[#!"]|^\[attr\]/.test(p) || p === '' || /\s/.test(p)) return 'a*';
  return p;
}

function genPath(r: () => number): string {
  const n = 1 + Math.floor(r() * 3);
  const segs: string[] = [];
  for (let i = 0; i < n; i++) segs.push(PATH_SEGS[Math.floor(r() * PATH_SEGS.length)]!);
  return segs.join('/');
}

describe('matcher agrees with git check-attr', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tslfs-attr-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function gitCheck(repo: string, attrsFile: string, lines: string, attrNames: string[], paths: string[], ignoreCase: boolean) {
    mkdirSync(repo, { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', ['-C', repo, 'config', 'core.ignorecase', String(ignoreCase)]);
    const f = join(repo, attrsFile);
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, lines);
    const out = execFileSync('git', ['-C', repo, 'check-attr', '--stdin', '-z', ...attrNames], {
      input: paths.map((p) => `${p}\0`).join(''),
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') },
      maxBuffer: 64 * 1024 * 1024,
    });
    const parts = out.toString('utf8').split('\0');
    const set = new Set<string>();
    for (let i = 0; i + 2 < parts.length; i += 3) if (parts[i + 2] === 'set') set.add(`${parts[i]}\0${parts[i + 1]}`);
    return set;
  }

  for (const [seed, ignoreCase, sub] of [
    [1, false, ''],
    [2, false, ''],
    [3, true, ''],
    [4, false, 'sub/'],
    [5, false, ''],
    [6, true, 'sub/'],
    [7, false, ''],
    [8, false, 'sub/'],
  ] as const) {
    it(`seed ${seed}${ignoreCase ? ' ignorecase' : ''}${sub ? ' in a subdirectory' : ''}`, () => {
      const r = rng(seed);
      const patterns = [...new Set(Array.from({ length: 150 }, () => genPattern(r)))];
      const rel = [...new Set(Array.from({ length: 150 }, () => genPath(r)))];
      const attrNames = patterns.map((_, i) => `p${i}`);
      const text = patterns.map((p, i) => `${p} p${i}\n`).join('');
      const got = gitCheck(join(dir, `r${seed}`), `${sub}.gitattributes`, text, attrNames, rel.map((p) => sub + p), ignoreCase);
      const mismatches: string[] = [];
      patterns.forEach((p, i) => {
        const m = compileAttrPattern(p, { ignoreCase });
        for (const path of rel) {
          const want = got.has(`${sub}${path}\0p${i}`);
          if (m(path) !== want) mismatches.push(`${p} vs ${path}: git ${want}`);
        }
      });
      expect(mismatches).toEqual([]);
    });
  }

  it('checkAttr (git/attributes.ts) reports values over --stdin -z, any byte in a name', async () => {
    const repo = join(dir, 'ca');
    const names = ['a.bin', 'sub/b.bin', 'c.txt', 'we\nird.bin', 'sp ace.bin'];
    gitCheck(repo, '.gitattributes', '*.bin filter=lfs -text\nc.txt !filter\n', ['filter'], [], false);
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
    const r = await checkAttr(names, ['filter', 'text', 'diff'], { cwd: repo, env });
    expect(r.get('a.bin')).toEqual({ filter: 'lfs', text: 'unset', diff: 'unspecified' });
    expect(r.get('sub/b.bin')?.filter).toBe('lfs');
    expect(r.get('we\nird.bin')?.filter).toBe('lfs');
    expect(r.get('sp ace.bin')?.text).toBe('unset');
    expect(r.get('c.txt')).toEqual({ filter: 'unspecified', text: 'unspecified', diff: 'unspecified' });
    expect((await checkAttr([], ['filter'], { cwd: repo, env })).size).toBe(0);
  });

  it('git applies what track writes for awkward names exactly to that name', () => {
    const names = ['a\tb.bin', 'c\nd.bin', '!neg.bin', '"q.bin', 'sp ace#1.bin', 'br[1]*?.bin', 'back\\slash.bin'];
    const lines = names.map((nm, i) => formatTrackLine(escapeGlobCharacters(nm), false, '\n').replace('filter=lfs', `n${i}`)).join('');
    const decoys = names.map((nm) => `${nm}x`);
    const got = gitCheck(join(dir, 'awk'), '.gitattributes', lines, names.map((_, i) => `n${i}`), [...names, ...decoys], false);
    names.forEach((nm, i) => {
      expect(got.has(`${nm}\0n${i}`), nm).toBe(true);
      for (const d of decoys) expect(got.has(`${d}\0n${i}`), `${nm} vs ${d}`).toBe(false);
    });
  });

  it('git ignores a 2049-byte line and a negative pattern, as parseGitAttributeLine does', () => {
    const long = `x${' '.repeat(2049 - 'x long'.length)} long`;
    expect(Buffer.byteLength(long)).toBe(2049);
    const lines = `${long}\n!x neg\nx ok\n`;
    const got = gitCheck(join(dir, 'long'), '.gitattributes', lines, ['long', 'neg', 'ok'], ['x'], false);
    expect(got.has('x\0long')).toBe(false);
    expect(got.has('x\0neg')).toBe(false);
    expect(got.has('x\0ok')).toBe(true);
    expect(splitLines(lines).lines.map(parseGitAttributeLine).map((l) => l?.attrs[0]?.name ?? null)).toEqual([null, null, 'ok']);
  });
});

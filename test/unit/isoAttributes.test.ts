// The git-free gitattributes matcher (src/git/iso/AttributeMatcher.ts): table cases for git's
// precedence and macro rules, and a differential test against `git check-attr` on generated
// attribute trees (root, nested, info/attributes, macros, core.ignorecase).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeMatcher } from '../../src/git/iso/AttributeMatcher.js';
import { isLfsTracked } from '../../src/api/lfsIsTracked.js';
import { rngInt } from '../support/rng.js';

let root: string;
let n = 0;
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: '/nonexistent', GIT_CONFIG_GLOBAL: '/dev/null', XDG_CONFIG_HOME: '/nonexistent' };

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'tslfs-iso-attr-')));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh repository with the given files (repo-relative path -> text). */
function makeRepo(files: Record<string, string>, config: string[][] = []): string {
  const dir = join(root, `r${n++}`);
  mkdirSync(dir);
  execFileSync('git', ['init', '-q', dir], { env });
  for (const [k, v] of config) execFileSync('git', ['config', k!, v!], { cwd: dir, env });
  for (const [p, text] of Object.entries(files)) {
    const abs = join(dir, p);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  return dir;
}

const NAMES = ['filter', 'diff', 'merge', 'text', 'lfs', 'binary', 'lockable', 'foo'];

function gitCheckAttr(dir: string, paths: string[]): Map<string, Record<string, string>> {
  const out = execFileSync('git', ['check-attr', '--stdin', '-z', ...NAMES], { cwd: dir, env, input: paths.map((p) => p + '\0').join('') });
  const parts = out.toString('utf8').split('\0');
  const m = new Map<string, Record<string, string>>();
  for (let i = 0; i + 2 < parts.length; i += 3) {
    const rec = m.get(parts[i]!) ?? {};
    rec[parts[i + 1]!] = parts[i + 2]!;
    m.set(parts[i]!, rec);
  }
  return m;
}

async function ours(dir: string, paths: string[], ignoreCase = false): Promise<Map<string, Record<string, string>>> {
  const m = new AttributeMatcher({ workTree: dir, commonDir: join(dir, '.git'), ignoreCase });
  const res = new Map<string, Record<string, string>>();
  for (const p of paths) {
    const a = await m.attributesOf(p);
    const rec: Record<string, string> = {};
    for (const name of NAMES) rec[name] = a.get(name) ?? 'unspecified';
    res.set(p, rec);
  }
  return res;
}

describe('AttributeMatcher rules', () => {
  it.each<[string, Record<string, string>, string, string]>([
    ['later line wins', { '.gitattributes': '*.bin filter=lfs\n*.bin -filter\n' }, 'a.bin', 'unset'],
    ['deeper file wins', { '.gitattributes': '*.bin filter=lfs\n', 'sub/.gitattributes': '*.bin filter=other\n' }, 'sub/a.bin', 'other'],
    ['deeper file does not reach siblings', { '.gitattributes': '*.bin filter=lfs\n', 'sub/.gitattributes': '*.bin filter=other\n' }, 'other/a.bin', 'lfs'],
    ['info/attributes beats the tree', { '.gitattributes': '*.bin filter=lfs\n', '.git/info/attributes': '*.bin filter=info\n' }, 'x/a.bin', 'info'],
    ['! blocks lower precedence', { '.gitattributes': '*.bin filter=lfs\n', 'sub/.gitattributes': '*.bin !filter\n' }, 'sub/a.bin', 'unspecified'],
    ['macro from the root file', { '.gitattributes': '[attr]big filter=lfs diff=lfs\n*.bin big\n' }, 'd/a.bin', 'lfs'],
    ['macro in a sub file is ignored', { 'sub/.gitattributes': '[attr]big filter=lfs\n*.bin big\n' }, 'sub/a.bin', 'unspecified'],
    ['unset macro does not expand', { '.gitattributes': '[attr]big filter=lfs\n*.bin -big\n' }, 'a.bin', 'unspecified'],
    ['nested macros expand', { '.gitattributes': '[attr]a1 filter=lfs\n[attr]a2 a1\n*.bin a2\n' }, 'a.bin', 'lfs'],
    ['anchored pattern', { '.gitattributes': '/top.bin filter=lfs\n' }, 'd/top.bin', 'unspecified'],
    ['pattern with slash is relative to its file', { 'sub/.gitattributes': 'd/*.bin filter=lfs\n' }, 'sub/d/a.bin', 'lfs'],
    ['double star', { '.gitattributes': 'assets/**/*.psd filter=lfs\n' }, 'assets/a/b/c.psd', 'lfs'],
    ['directory pattern does not match files inside', { '.gitattributes': 'assets/ filter=lfs\n' }, 'assets/a.bin', 'unspecified'],
    ['quoted pattern with space', { '.gitattributes': '"my file.bin" filter=lfs\n' }, 'my file.bin', 'lfs'],
    ['escaped space class', { '.gitattributes': 'my[[:space:]]file.bin filter=lfs\n' }, 'my file.bin', 'lfs'],
    ['negative patterns are ignored', { '.gitattributes': '*.bin filter=lfs\n!a.bin -filter\n' }, 'a.bin', 'lfs'],
    ['CRLF file', { '.gitattributes': '*.bin filter=lfs diff=lfs\r\n' }, 'a.bin', 'lfs'],
  ])('%s', async (_name, files, path, want) => {
    const dir = makeRepo(files);
    const m = new AttributeMatcher({ workTree: dir, commonDir: join(dir, '.git') });
    expect(await m.attributeOf(path, 'filter')).toBe(want);
    expect(gitCheckAttr(dir, [path]).get(path)!['filter']).toBe(want);
  });

  it('ignores a .gitattributes that is a symlink, as git does', async () => {
    const dir = makeRepo({ 'real-attrs': '*.bin filter=lfs\n' });
    symlinkSync('real-attrs', join(dir, '.gitattributes'));
    const m = new AttributeMatcher({ workTree: dir, commonDir: join(dir, '.git') });
    expect(await m.isLfsTracked('a.bin')).toBe(false);
  });

  it('isLfsTracked reads core.ignorecase and extra files', async () => {
    const dir = makeRepo({ '.gitattributes': '*.bin filter=lfs\n', 'global-attrs': '*.psd filter=lfs\n' }, [['core.ignorecase', 'true']]);
    expect(await isLfsTracked({ dir, filepath: 'X.BIN' })).toBe(true);
    expect(await isLfsTracked({ dir, filepath: './a.bin' })).toBe(true);
    expect(await isLfsTracked({ dir, filepath: 'a.txt' })).toBe(false);
    expect(await isLfsTracked({ dir, filepath: 'a.psd' })).toBe(false);
    expect(await isLfsTracked({ dir, filepath: 'a.psd', attributesFiles: [join(dir, 'global-attrs')] })).toBe(true);
    await expect(isLfsTracked({ dir, filepath: '../a.bin' })).rejects.toThrow(/not a repo-relative path/);
  });
});

describe('AttributeMatcher vs git check-attr (generated)', () => {
  // Seeded: the same trees every run.
  const rnd = rngInt(4242);
  const pick = <T>(a: readonly T[]) => a[rnd(a.length)]!;
  const PATTERNS = ['*', '*.bin', '*.BIN', 'a.bin', '/a.bin', 'd/*.bin', 'd/**', '**/e/*', 'd/e/', '*.b?n', '[ab].*', 'd/**/x.bin', '**/*.psd', 'x*', 'E/*', 'sub/*', '*.[Pp][Ss][Dd]'];
  const ATTRS = ['filter=lfs', '-filter', '!filter', 'filter=other', 'binary', '-text', 'text', 'lfs', '-lfs', 'diff=lfs', 'merge=lfs', 'lockable', 'foo=bar', '!binary', 'big'];
  const MACROS = ['[attr]lfs filter=lfs diff=lfs merge=lfs -text', '[attr]big lfs lockable', '[attr]binary -diff -text filter=bin'];
  const PATHS = ['a.bin', 'b.bin', 'A.BIN', 'x.psd', 'd/a.bin', 'd/x.bin', 'd/e/x.bin', 'd/e/f/x.bin', 'e/y.txt', 'sub/a.bin', 'sub/d/a.bin', 'sub/d/e/x.psd', 'E/z.bin', 'xyz', 'c.ban'];
  const fileText = (macros: boolean) => {
    let t = '';
    const lines = 1 + rnd(6);
    for (let i = 0; i < lines; i++) {
      if (macros && rnd(4) === 0) t += pick(MACROS) + '\n';
      const k = 1 + rnd(3);
      const attrs = Array.from({ length: k }, () => pick(ATTRS)).join(pick([' ', '\t', '  ']));
      t += `${pick(PATTERNS)} ${attrs}\n`;
    }
    return t;
  };

  for (const ignoreCase of [false, true]) {
    it(`agrees on 30 trees (core.ignorecase=${ignoreCase})`, async () => {
      let decided = 0;
      for (let round = 0; round < 30; round++) {
        const files: Record<string, string> = { '.gitattributes': fileText(true) };
        if (rnd(2)) files['d/.gitattributes'] = fileText(true); // macros here are ignored by git
        if (rnd(2)) files['sub/.gitattributes'] = fileText(false);
        if (rnd(2)) files['d/e/.gitattributes'] = fileText(false);
        if (rnd(3) === 0) files['.git/info/attributes'] = fileText(true);
        const dir = makeRepo(files, ignoreCase ? [['core.ignorecase', 'true']] : []);
        const want = gitCheckAttr(dir, PATHS);
        const got = await ours(dir, PATHS, ignoreCase);
        for (const p of PATHS) {
          expect(got.get(p), `${p} with ${JSON.stringify(files)}`).toEqual(want.get(p));
          decided += Object.values(want.get(p)!).filter((v) => v !== 'unspecified').length;
        }
      }
      expect(decided).toBeGreaterThan(200);
    });
  }
});

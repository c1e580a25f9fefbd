// Store resolution without a git binary (src/git/iso): the git config file reader (table cases
// and a differential check against `git config -l -z --file` on generated files), git dir /
// common dir discovery (plain repo, gitfile, linked worktree, explicit gitdir), lfs.storage,
// worktree config and the LFS format-version guard.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigList } from '../../src/config/load.js';
import { NotARepositoryError, RepoFormatError, TslfsError } from '../../src/errors/TslfsError.js';
import { openIsoStore } from '../../src/git/iso/openIsoStore.js';
import { parseGitConfigText } from '../../src/git/iso/parseGitConfigText.js';
import { resolveIsoRepo } from '../../src/git/iso/resolveIsoRepo.js';
import { rngInt } from '../support/rng.js';

let root: string;
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: '/nonexistent', GIT_CONFIG_GLOBAL: '/dev/null' };
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'tslfs-iso-store-')));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('parseGitConfigText', () => {
  it.each<[string, Array<[string, string]>]>([
    ['[core]\n\tbare\n', [['core.bare', 'true']]],
    ['[Core]\n\tBare = false\n', [['core.bare', 'false']]],
    ['[lfs]\n\tstorage = /a/b ; comment\n', [['lfs.storage', '/a/b']]],
    ['[lfs]\n\tstorage = "  x # y "  # c\n', [['lfs.storage', '  x # y ']]],
    ['[a]\n\tk = one\t\ttwo  \n', [['a.k', 'one  two']]], // each unquoted blank is one space; trailing ones go
    ['[remote "Origin"]\n\turl = u\n', [['remote.Origin.url', 'u']]],
    ['[remote "a\\"b"] url = u\n', [['remote.a"b.url', 'u']]],
    ['[A.Bc]\nkey=v\n', [['a.bc.key', 'v']]],
    ['[a]\nk = x\\\n  y\n', [['a.k', 'x  y']]],
    ['[a]\nk = "t\\tn\\nb\\\\q\\""\n', [['a.k', 't\tn\nb\\q"']]],
    ['\uFEFF[a]\r\nk = v\r\n', [['a.k', 'v']]],
    ['# only a comment\n; another\n', []],
    ['[a]\nk =\n', [['a.k', '']]],
  ])('%j', (text, want) => {
    expect(parseGitConfigText(text).map(([k, v]) => [k, v])).toEqual(want);
  });

  it.each(['k = v\n', '[a\nk=v\n', '[a]\nk = "unterminated\n', '[a]\nk = bad\\escape\n', '[a]\n1k = v\n', '[a "x]\n'])(
    'rejects %j',
    (text) => {
      expect(() => parseGitConfigText(text, 'f')).toThrow(TslfsError);
    },
  );

  it('matches `git config -l` on generated files', () => {
    const rnd = rngInt(12345);
    const pick = <T>(a: readonly T[]) => a[rnd(a.length)]!;
    const sections = ['[core]', '[LFS]', '[remote "origin"]', '[remote "Up Stream"]', '[lfs "https://h/x"]', '[a.B]', '[x-y]'];
    const keys = ['url', 'Storage', 'bare', 'k-2', 'ignoreCase'];
    const values = ['v', ' v ', '"q v"', 'a\tb', 'a  b', 'x # c', 'x;c', '"a;b"', 'e\\\\f', '"tab\\there"', 'c\\\n cont', '', '"  "', 'y "z" w'];
    let total = 0;
    for (let round = 0; round < 40; round++) {
      let text = '';
      const n = 1 + rnd(8);
      for (let i = 0; i < n; i++) {
        text += pick(sections) + (rnd(3) === 0 ? ' ' : '\n');
        const m = rnd(4);
        for (let j = 0; j < m; j++) {
          const ws = pick(['', '\t', '  ']);
          text += rnd(6) === 0 ? `${ws}${pick(keys)}\n` : `${ws}${pick(keys)}${pick(['=', ' = ', '\t=\t'])}${pick(values)}${pick(['', ' ', ' # comment', ' ;c'])}\n`;
        }
        if (rnd(4) === 0) text += pick(['# c\n', '\n', '; c\n']);
      }
      const f = join(root, `cfg-${round}`);
      writeFileSync(f, text);
      const want = parseConfigList(execFileSync('git', ['config', '-l', '-z', '--file', f], { env }), false).map(([k, v]) => [k, v]);
      expect(parseGitConfigText(text).map(([k, v]) => [k, v]), text).toEqual(want);
      total += want.length;
    }
    expect(total).toBeGreaterThan(100); // the generator produced real entries
  });
});

describe('resolveIsoRepo / openIsoStore', () => {
  let repo: string;
  beforeAll(() => {
    repo = join(root, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'c');
  });

  it('finds .git of a plain repository and its default store', async () => {
    const r = await resolveIsoRepo({ dir: repo });
    expect(r).toEqual({ gitDir: join(repo, '.git'), commonDir: join(repo, '.git'), workTree: repo, bare: false, prefix: '' });
    const ctx = await openIsoStore({ dir: repo });
    expect(ctx.store.layout.lfsDir).toBe(join(repo, '.git', 'lfs'));
    expect(ctx.store.layout.objectsDir).toBe(join(repo, '.git', 'lfs', 'objects'));
  });

  it('follows a linked worktree gitfile and commondir, sharing the main store', async () => {
    const wt = join(root, 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'wtb', wt);
    const r = await resolveIsoRepo({ dir: wt });
    expect(r.gitDir).toBe(join(repo, '.git', 'worktrees', 'wt'));
    expect(r.commonDir).toBe(join(repo, '.git'));
    const ctx = await openIsoStore({ dir: wt });
    expect(ctx.store.layout.lfsDir).toBe(join(repo, '.git', 'lfs'));
    // git agrees on the common dir
    expect(git(wt, 'rev-parse', '--path-format=absolute', '--git-common-dir').trim()).toBe(r.commonDir);
  });

  it('reads a relative gitfile (separate git dir)', async () => {
    const d = join(root, 'sep');
    mkdirSync(d);
    git(root, 'init', '-q', '--separate-git-dir', join(root, 'sep.git'), d);
    writeFileSync(join(d, '.git'), 'gitdir: ../sep.git\n');
    const r = await resolveIsoRepo({ dir: d });
    expect(r.gitDir).toBe(join(root, 'sep.git'));
    expect(r.commonDir).toBe(join(root, 'sep.git'));
  });

  it('takes an explicit gitdir (bare when no dir)', async () => {
    const b = join(root, 'bare.git');
    git(root, 'init', '-q', '--bare', b);
    const r = await resolveIsoRepo({ gitdir: b });
    expect(r).toMatchObject({ gitDir: b, commonDir: b, workTree: null, bare: true });
  });

  it('honours lfs.storage (relative to the common dir, and absolute)', async () => {
    git(repo, 'config', 'lfs.storage', 'big-store');
    expect((await openIsoStore({ dir: repo })).store.layout.lfsDir).toBe(join(repo, '.git', 'big-store'));
    const wtCtx = await openIsoStore({ dir: join(root, 'wt') });
    expect(wtCtx.store.layout.lfsDir).toBe(join(repo, '.git', 'big-store'));
    git(repo, 'config', 'lfs.storage', join(root, 'abs-store'));
    expect((await openIsoStore({ dir: repo })).store.layout.lfsDir).toBe(join(root, 'abs-store'));
    git(repo, 'config', '--unset', 'lfs.storage');
  });

  it('reads config.worktree only with extensions.worktreeConfig', async () => {
    const wt = join(root, 'wt');
    writeFileSync(join(repo, '.git', 'worktrees', 'wt', 'config.worktree'), '[lfs]\n\tstorage = /wt-store\n');
    expect((await openIsoStore({ dir: wt })).store.layout.lfsDir).toBe(join(repo, '.git', 'lfs'));
    git(repo, 'config', 'extensions.worktreeConfig', 'true');
    expect((await openIsoStore({ dir: wt })).store.layout.lfsDir).toBe('/wt-store');
    git(repo, 'config', '--unset', 'extensions.worktreeConfig');
  });

  it('finds reference stores through objects/info/alternates', async () => {
    const other = join(root, 'other');
    mkdirSync(join(other, '.git', 'lfs', 'objects'), { recursive: true });
    mkdirSync(join(other, '.git', 'objects'), { recursive: true });
    writeFileSync(join(repo, '.git', 'objects', 'info', 'alternates'), join(other, '.git', 'objects') + '\n');
    const ctx = await openIsoStore({ dir: repo });
    expect(ctx.store.layout.referenceObjectDirs).toEqual([join(other, '.git', 'lfs', 'objects')]);
    rmSync(join(repo, '.git', 'objects', 'info', 'alternates'));
  });

  it('refuses an unknown lfs.repositoryformatversion and does not write config', async () => {
    git(repo, 'config', 'lfs.repositoryformatversion', '1');
    await expect(openIsoStore({ dir: repo })).rejects.toBeInstanceOf(RepoFormatError);
    git(repo, 'config', 'lfs.repositoryformatversion', '0');
    await expect(openIsoStore({ dir: repo })).resolves.toBeTruthy();
  });

  it.each([
    ['no .git', (d: string) => mkdirSync(d)],
    ['a .git file without gitdir:', (d: string) => { mkdirSync(d); writeFileSync(join(d, '.git'), 'nonsense\n'); }],
    ['a gitdir: pointing nowhere', (d: string) => { mkdirSync(d); writeFileSync(join(d, '.git'), 'gitdir: /nonexistent/x\n'); }],
    ['a .git dir without objects', (d: string) => mkdirSync(join(d, '.git'), { recursive: true })],
  ])('throws NotARepositoryError for %s', async (_name, make) => {
    const d = join(root, `bad-${Math.random().toString(36).slice(2)}`);
    make(d);
    await expect(resolveIsoRepo({ dir: d })).rejects.toBeInstanceOf(NotARepositoryError);
  });

  it('throws on a config syntax error instead of guessing', async () => {
    const d = join(root, 'badcfg');
    mkdirSync(d);
    git(d, 'init', '-q');
    writeFileSync(join(d, '.git', 'config'), '[core\n');
    await expect(openIsoStore({ dir: d })).rejects.toThrow(/bad config line 1/);
  });
});

// `tslfs ls-files` side by side with git-lfs 3.3.0 in the same repositories (made by git with
// git-lfs as the filter): stdout byte for byte and the exit code, for every flag and the
// ref/range/--all/--deleted modes, index states, bare repositories and unusual path names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;

beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

async function gitIn(dir: string, ...args: string[]): Promise<string> {
  const r = await sb.git(args, { cwd: dir });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function put(dir: string, rel: string, data: string | Buffer): void {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
}

/** Runs both and asserts identical stdout and exit code; returns git-lfs's result. */
async function same(dir: string, args: string[]) {
  const [a, b] = await Promise.all([sb.gitLfs(['ls-files', ...args], { cwd: dir }), sb.tslfs(['ls-files', ...args], { cwd: dir })]);
  expect({ args, out: b.stdout, code: b.exitCode }).toEqual({ args, out: a.stdout, code: a.exitCode });
  return a;
}

/** `same` for many argument lists, a few at a time. */
async function sameAll(dir: string, list: string[][]): Promise<void> {
  for (let i = 0; i < list.length; i += 4) await Promise.all(list.slice(i, i + 4).map((args) => same(dir, args)));
}

describe('ls-files: history, refs and flags', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await sb.initRepo('hist', 'git-lfs');
    await sb.gitLfs(['track', '*.dat'], { cwd: dir });
    await gitIn(dir, 'add', '.gitattributes');
    await gitIn(dir, 'commit', '-qm', 'init');
    put(dir, 'a.dat', 'a1\n');
    put(dir, 'b.dat', 'b1\n');
    put(dir, 's1.dat', 'same\n');
    put(dir, 's2.dat', 'same\n');
    put(dir, 'dir/sub/c.dat', 'x'.repeat(1500));
    put(dir, 'plain.txt', 'not lfs\n');
    await gitIn(dir, 'add', '.');
    await gitIn(dir, 'commit', '-qm', 'c1');
    await gitIn(dir, 'tag', 't1');
    put(dir, 'a.dat', 'a2\n');
    await gitIn(dir, 'rm', '-q', 'b.dat');
    put(dir, 'c.dat', 'c1\n');
    await gitIn(dir, 'add', '.');
    await gitIn(dir, 'commit', '-qm', 'c2');
    await gitIn(dir, 'tag', 't2');
    await gitIn(dir, 'checkout', '-q', '-b', 'side', 't1');
    put(dir, 'side.dat', 'side\n');
    await gitIn(dir, 'add', '.');
    await gitIn(dir, 'commit', '-qm', 'side');
    await gitIn(dir, 'checkout', '-q', 'main');
    put(dir, 'a.dat', 'a3\n');
    await gitIn(dir, 'commit', '-qam', 'c3');
    put(dir, 'e.dat', '');
    await gitIn(dir, 'add', 'e.dat');
    await gitIn(dir, 'commit', '-qm', 'empty');
  });

  it('lists HEAD with no arguments (and skips the empty file)', async () => {
    const a = await same(dir, []);
    expect(a.stdout).toContain(' * a.dat\n');
    expect(a.stdout).not.toContain('e.dat');
  });

  it('matches for every flag and combination', async () => {
    await sameAll(dir, [
      ['-l'], ['--long'], ['-s'], ['--size'], ['-n'], ['--name-only'], ['-d'], ['--debug'], ['--json'],
      ['-l', '-s'], ['-n', '-s'], ['-n', '-l'], ['-d', '--json'], ['--json', '-s', '-n'], ['-d', '-l'],
    ]);
  });

  it('one ref lists that tree; two refs list what was added between them', async () => {
    const t1 = await same(dir, ['t1']);
    expect(t1.stdout).toContain('b.dat');
    expect(t1.stdout).toContain('s2.dat');
    const range = await same(dir, ['t1', 't2']);
    expect(range.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    const back = await same(dir, ['t2', 't1']);
    expect(back.stdout).toBe('');
    await sameAll(dir, [['t1', 'HEAD'], ['t1', 'HEAD', '-l', '-s'], ['side'], ['side', '--json'], ['t1', 't2', 'extra-ignored']]);
  });

  it('--all lists every version, --deleted lists deleted files once', async () => {
    const all = await same(dir, ['--all']);
    expect(all.stdout.match(/ a\.dat\n/g)).toHaveLength(3);
    expect(all.stdout).toContain('side.dat');
    const del = await same(dir, ['--deleted']);
    expect(del.stdout).toContain('b.dat');
    expect(del.stdout.match(/ a\.dat\n/g)).toHaveLength(1);
    await sameAll(dir, [['--deleted', 't2'], ['--deleted', 'side'], ['--all', '-s', '-l'], ['--all', '-n'], ['--all', '--json'], ['--deleted', '-d']]);
  });

  it('-I/-X take comma-separated gitignore-style patterns', async () => {
    const pats = ['*.dat', 'dir/', 'dir/*', '**/c.dat', 'c.dat', '/c.dat', 'a.dat,s1.dat', '[ab].dat', '.'];
    await sameAll(dir, [...pats.map((p) => ['-I', p]), ...pats.map((p) => ['-X', p]), ['--all', '--include=*.dat,dir', '--exclude=a.dat']]);
    const inc = await same(dir, ['--include=dir/']);
    expect(inc.stdout).toMatch(/^[0-9a-f]{10} \* dir\/sub\/c\.dat\n$/);
  });

  it('refuses the same flag/ref combinations with the same exit code', async () => {
    const bad = [['--all', 't1'], ['--', '--all'], ['--deleted', 't1', 't2'], ['no-such-ref'], ['t1', 'no-such-ref'], ['no-such-ref', 't1'], ['--deleted', 'nope']];
    await sameAll(dir, bad);
    expect((await same(dir, ['no-such-ref'])).exitCode).toBe(2);
    const msg = await sb.tslfs(['ls-files', '--all', 't1'], { cwd: dir });
    expect(msg.stderr).toBe('Cannot use --all with explicit reference\n');
  });

  it('a ref that looks like an option is not passed to git as one', async () => {
    const b = await sb.tslfs(['ls-files', '--', '--output=/tmp/x'], { cwd: dir });
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toContain('Not a valid object name --output=/tmp/x');
  });

  it('outside a repository exits 128 with git-lfs\'s message on stdout', async () => {
    const a = await same(sb.home, []);
    expect(a.exitCode).toBe(128);
    expect(a.stdout).toBe('Not in a Git repository.\n');
  });
});

describe('ls-files: index and work tree state', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await sb.initRepo('idx', 'git-lfs');
    await sb.gitLfs(['track', '*.bin'], { cwd: dir });
    for (const n of ['a', 'b', 'c', 'd', 'e', 'same1', 'same2']) put(dir, `${n}.bin`, n.startsWith('same') ? 'same\n' : `${n}\n`);
    put(dir, 'sub/f.bin', 'f\n');
    await gitIn(dir, 'add', '.');
    await gitIn(dir, 'commit', '-qm', 'one');
    put(dir, 'a.bin', 'A2\n');
    await gitIn(dir, 'add', 'a.bin'); // staged change
    put(dir, 'b.bin', 'bb\n'); // unstaged change, other size
    put(dir, 'e.bin', 'E\n'); // unstaged change, same size
    await gitIn(dir, 'rm', '-q', '--cached', 'c.bin'); // removed from the index only
    rmSync(join(dir, 'd.bin')); // deleted in the work tree
    put(dir, 'new.bin', 'n\n');
    put(dir, 'new2.bin', 'same\n');
    await gitIn(dir, 'add', 'new.bin', 'new2.bin');
    put(dir, 'new.bin', 'n2 changed\n'); // added, then changed again
    await gitIn(dir, 'mv', 'same2.bin', 'moved.bin');
    put(dir, 'untracked.bin', 'u\n');
  });

  it('lists index changes first, then HEAD, with work tree markers', async () => {
    const a = await same(dir, []);
    expect(a.stdout).toMatch(/ - b\.bin\n/);
    expect(a.stdout).toMatch(/ - d\.bin\n/);
    expect(a.stdout).toMatch(/ \* c\.bin\n/);
    expect(a.stdout).toContain('moved.bin');
    expect(a.stdout).not.toContain('untracked.bin');
    await sameAll(dir, [['--json'], ['-d'], ['-s', '-l'], ['-n'], ['HEAD'], ['HEAD', '--json'], ['--deleted'], ['--all'], ['-I', '*.bin', '-X', 'sub']]);
  });

  it('lists the same files from a subdirectory, with markers for the real files', async () => {
    const root = await sb.tslfs(['ls-files'], { cwd: dir });
    const sub = await sb.tslfs(['ls-files'], { cwd: join(dir, 'sub') });
    expect(sub.stdout).toBe(root.stdout);
  });

  it('before the first commit lists the index; an empty repository lists nothing', async () => {
    const fresh = await sb.initRepo('fresh', 'git-lfs');
    await same(fresh, []);
    await same(fresh, ['--json']);
    await sb.gitLfs(['track', '*.bin'], { cwd: fresh });
    put(fresh, 'x.bin', 'x\n');
    put(fresh, 'y.bin', 'x\n');
    await gitIn(fresh, 'add', '.');
    const a = await same(fresh, []);
    expect(a.stdout).toContain('x.bin');
    await sameAll(fresh, [['-d'], ['--all']]);
  });

  it('works in a bare repository', async () => {
    const bare = join(sb.root, 'idx-bare.git');
    await sb.git(['clone', '-q', '--bare', dir, bare]);
    const a = await same(bare, []);
    expect(a.stdout).toContain(' - a.bin\n');
    await sameAll(bare, [['HEAD'], ['--all'], ['--json'], ['-d'], ['--deleted']]);
  });
});

describe('ls-files: sizes and names', () => {
  it('formats sizes as git-lfs does', async () => {
    const dir = await sb.initRepo('sizes', 'none');
    const sizes = [1, 9, 10, 99, 999, 1000, 1049, 1050, 1149, 1150, 1250, 9949, 9950, 9999, 10000, 10049, 10500, 10549, 10550, 11500, 12500, 99949, 99950, 999499, 999500, 999999, 1000000, 1500000, 10500000, 999999999, 1e9, 1e12, 1234567890123456, 999999999999999, 1e15];
    for (const s of sizes) {
      put(dir, `f${s}`, `version https://git-lfs.github.com/spec/v1\noid sha256:${String(s).padStart(64, '0')}\nsize ${s}\n`);
    }
    await gitIn(dir, 'add', '.');
    const a = await same(dir, ['-s']);
    expect(a.stdout).toContain('(1.2 PB)');
    expect(a.stdout).toContain('(10 KB)');
    await gitIn(dir, 'commit', '-qm', 'sizes');
    await sameAll(dir, [['-s', '-n'], ['--json']]);
  });

  it('prints ordinary unusual names exactly as git-lfs, in the index and in trees', async () => {
    const dir = await sb.initRepo('names', 'git-lfs');
    await sb.gitLfs(['track', '*.bin'], { cwd: dir });
    await gitIn(dir, 'add', '.gitattributes');
    await gitIn(dir, 'commit', '-qm', 'init');
    const names = ['sp ace.bin', '-lead.bin', '<&>.bin', "it's.bin", 'ünï.bin', 'q"uote.bin', 'back\\slash.bin'];
    for (const n of names) put(dir, n, `${n}\n`);
    await sb.git(['add', '--', ...names], { cwd: dir });
    // Index paths: git-lfs shows git's C-quoting; markers differ for quoted names (git-lfs
    // stats the quoted string), so compare names only.
    const ours = await sb.tslfs(['ls-files', '-n'], { cwd: dir });
    const theirs = await sb.gitLfs(['ls-files', '-n'], { cwd: dir });
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stdout).toContain('"\\303\\274n\\303\\257.bin"\n');
    await gitIn(dir, 'config', 'core.quotePath', 'false');
    const [o2, t2] = await Promise.all([sb.tslfs(['ls-files', '-n'], { cwd: dir }), sb.gitLfs(['ls-files', '-n'], { cwd: dir })]);
    expect(o2.stdout).toBe(t2.stdout);
    expect(o2.stdout).toContain('ünï.bin\n');
    await gitIn(dir, 'config', '--unset', 'core.quotePath');
    await gitIn(dir, 'commit', '-qm', 'names');
    await sameAll(dir, [[], ['HEAD'], ['--all'], ['--deleted'], ['-d', 'HEAD'], ['-I', '-lead.bin']]);
    const json = JSON.parse((await sb.tslfs(['ls-files', '--json'], { cwd: dir })).stdout) as { files: Array<{ name: string }> };
    expect(json.files.map((f) => f.name).sort()).toEqual([...names].sort());
  });

  it('escapes control characters so no name can forge a line or move the cursor', async () => {
    const dir = await sb.initRepo('ctl', 'git-lfs');
    await sb.gitLfs(['track', '*.bin'], { cwd: dir });
    const names = ['esc\x1b[31mred.bin', 'cr\rforged.bin', 'nl\nforged.bin', 'tab\t.bin', 'bell\x07.bin', 'rlo\u202e.bin'];
    for (const n of names) put(dir, n, `${n}\n`);
    await gitIn(dir, 'add', '.');
    const check = (out: string, lines: number) => {
      expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
      expect(out.split('\n').filter(Boolean)).toHaveLength(lines);
    };
    check((await sb.tslfs(['ls-files'], { cwd: dir })).stdout, names.length);
    await gitIn(dir, 'commit', '-qm', 'ctl');
    const outs = await Promise.all([[], ['HEAD'], ['--all'], ['--deleted'], ['-n', '-s']].map((args) => sb.tslfs(['ls-files', ...args], { cwd: dir })));
    for (const o of outs) check(o.stdout, names.length);
    const dbg = (await sb.tslfs(['ls-files', '-d'], { cwd: dir })).stdout;
    expect(dbg).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    const tree = (await sb.tslfs(['ls-files', '-n'], { cwd: dir })).stdout;
    expect(tree).toContain('esc\\x1b[31mred.bin');
    // JSON keeps the raw names (escaped as JSON, so still one line per field).
    const json = JSON.parse((await sb.tslfs(['ls-files', '--json'], { cwd: dir })).stdout) as { files: Array<{ name: string }> };
    expect(json.files.map((f) => f.name).sort()).toEqual([...names].sort());
  });
});

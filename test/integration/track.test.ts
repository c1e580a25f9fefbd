// track/untrack side by side with git-lfs 3.3.0: the same setup in two repos, the same command,
// then stdout, exit code and the resulting .gitattributes compared byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox, type RunResult } from '../support/sandbox.js';

let sb: Sandbox;
let n = 0;

beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

interface Step {
  args: string[];
  /** Directory relative to the repo root. */
  cwd?: string;
  /** Compare the .gitattributes lines as a sorted set (git-lfs appends several new patterns in random order). */
  unordered?: boolean;
}

interface Case {
  name: string;
  setup?: (dir: string) => Promise<void> | void;
  steps: Step[];
  /** Attribute files to compare after the steps (relative to the repo root). */
  files?: string[];
}

async function gitIn(dir: string, args: string[]): Promise<void> {
  const r = await sb.git(args, { cwd: dir });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

function write(dir: string, rel: string, data: string | Buffer): void {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
}

function read(dir: string, rel: string): string | null {
  const p = join(dir, rel);
  return existsSync(p) ? readFileSync(p, 'latin1') : null;
}

/** git-lfs leaves an empty .gitattributes behind where it had nothing to write; git reads both alike. */
function readAttrs(dir: string, rel: string): string {
  return read(dir, rel) ?? '';
}

function sortedLines(s: string | null): string[] | null {
  return s === null ? null : s.split('\n').sort();
}

async function both(c: Case): Promise<Array<{ ours: RunResult; theirs: RunResult }>> {
  const id = ++n;
  const a = await sb.initRepo(`t${id}-tslfs`, 'none');
  const b = await sb.initRepo(`t${id}-gitlfs`, 'none');
  if (c.setup) {
    await c.setup(a);
    await c.setup(b);
  }
  const results: Array<{ ours: RunResult; theirs: RunResult }> = [];
  for (const s of c.steps) {
    const ours = await sb.tslfs(s.args, { cwd: join(a, s.cwd ?? '') });
    const theirs = await sb.gitLfs(s.args, { cwd: join(b, s.cwd ?? '') });
    results.push({ ours, theirs });
    const what = `${c.name}: ${s.args.join(' ')}`;
    if (s.unordered) expect(sortedLines(ours.stdout), what).toEqual(sortedLines(theirs.stdout));
    else expect(ours.stdout, what).toBe(theirs.stdout);
    expect(ours.exitCode, what).toBe(theirs.exitCode);
    for (const f of c.files ?? ['.gitattributes']) {
      if (s.unordered) expect(sortedLines(readAttrs(a, f)), `${what} ${f}`).toEqual(sortedLines(readAttrs(b, f)));
      else expect(readAttrs(a, f), `${what} ${f}`).toBe(readAttrs(b, f));
    }
  }
  return results;
}

const committed = (files: Record<string, string>) => async (dir: string) => {
  for (const [k, v] of Object.entries(files)) write(dir, k, v);
  await gitIn(dir, ['add', '.']);
  await gitIn(dir, ['commit', '-qm', 'init']);
};

const CASES: Case[] = [
  { name: 'simple glob', steps: [{ args: ['track', '*.bin'] }, { args: ['track'] }] },
  { name: 'already tracked', steps: [{ args: ['track', '*.psd'] }, { args: ['track', '*.psd'] }, { args: ['track', './*.psd'] }] },
  {
    name: 'several patterns',
    steps: [{ args: ['track', '*.a', '*.b', 'c/*.c'], unordered: true }, { args: ['track', '*.b', '*.d'], unordered: true }],
  },
  {
    name: 'nested cwd with verbose touching',
    setup: committed({ 'sub/a.bin': 'a', 'sub/deep/b.bin': 'b', 'top.bin': 't', 'sub/x.txt': 'x' }),
    steps: [{ args: ['track', '-v', '*.bin'], cwd: 'sub' }, { args: ['track'], cwd: 'sub' }, { args: ['track', '*.bin'], cwd: 'sub' }],
    files: ['.gitattributes', 'sub/.gitattributes'],
  },
  {
    name: 'already supported from a subdirectory',
    setup: (d) => void mkdirSync(join(d, 'a'), { recursive: true }),
    steps: [{ args: ['track', 'a/test.file'] }, { args: ['track', 'test.file'], cwd: 'a' }, { args: ['track', 'file.bin'], cwd: 'a' }, { args: ['track', 'a/file.bin'] }],
    files: ['.gitattributes', 'a/.gitattributes'],
  },
  { name: 'pattern with spaces and #', steps: [{ args: ['track', 'a b.bin'] }, { args: ['track', '#x.bin'] }, { args: ['track', 'a b.bin'] }, { args: ['track'] }] },
  {
    name: '--filename with glob characters and spaces',
    setup: committed({ 'c*[?] x.bin': 'weird', 'cz[?] x.bin': 'other' }),
    steps: [{ args: ['track', '--filename', 'c*[?] x.bin'] }, { args: ['track', '-v', '--filename', 'cz[?] x.bin'] }, { args: ['track'] }],
  },
  {
    name: '--lockable then --not-lockable',
    steps: [
      { args: ['track', '--lockable', '*.jpg'] },
      { args: ['track', '*.jpg'] },
      { args: ['track', '--lockable', '*.jpg'] },
      { args: ['track', '*.png'] },
      { args: ['track', '-l', '*.png'] },
      { args: ['track'] },
      { args: ['track', '--not-lockable', '*.png'] },
      { args: ['track', '--not-lockable', '*.png'] },
      { args: ['track', '--json'] },
    ],
  },
  {
    name: 'json and text listing from every source',
    setup: async (d) => {
      write(d, '.gitattributes', '*.a filter=lfs diff=lfs merge=lfs -text\n[attr]mylfs filter=lfs diff=lfs\n*.m mylfs\n*.n -filter\n*.o !filter\n*.p lockable\n"q q.bin" filter=lfs\n*.r filter=other\n  *.s   filter=lfs  \n*.u binary\n# *.c filter=lfs\n');
      write(d, 'sub/.gitattributes', '*.b filter=lfs\n/c.bin filter=lfs\n../up filter=lfs\n*.m2 mylfs\n');
      write(d, 'sub/deep/.gitattributes', 'deep.bin filter=lfs lockable\n');
      write(d, 'x/.gitattributes', 'x.bin filter=lfs\n');
      write(d, 'ignored/.gitattributes', 'ign.bin filter=lfs\n');
      write(d, '.gitignore', 'ignored/\n');
      write(d, '.git/info/attributes', 'info.bin filter=lfs\n');
      write(d, '.git/global-attrs', 'glob.bin filter=lfs\n*.m3 mylfs\n');
      await gitIn(d, ['config', 'core.attributesfile', join(d, '.git/global-attrs')]);
      await gitIn(d, ['add', 'sub', 'x']);
    },
    steps: [{ args: ['track'] }, { args: ['track', '--json'] }, { args: ['track', '--no-excluded'] }],
  },
  { name: 'empty listing', steps: [{ args: ['track'] }, { args: ['track', '--json'] }] },
  {
    name: 'CRLF .gitattributes stays CRLF',
    setup: (d) => write(d, '.gitattributes', '# comment\r\n*.a filter=lfs diff=lfs merge=lfs -text\r\n*.txt text\r\n'),
    steps: [{ args: ['track', '*.z'] }, { args: ['track', '-l', '*.a'] }, { args: ['track'] }],
  },
  {
    name: 'core.autocrlf=true picks CRLF for a new file',
    setup: (d) => gitIn(d, ['config', 'core.autocrlf', 'true']),
    steps: [{ args: ['track', '*.mov'] }, { args: ['track', '*.gif'] }],
  },
  {
    name: 'file without a final newline',
    setup: (d) => write(d, '.gitattributes', '*.mov filter=lfs -text'),
    steps: [{ args: ['track', '*.gif'] }],
  },
  {
    name: 'excluded patterns listed',
    setup: (d) => write(d, '.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n*.keep.bin -filter\n*.x !filter\n'),
    steps: [{ args: ['track'] }, { args: ['track', '--no-excluded'] }, { args: ['track', '--json'] }],
  },
  {
    name: 'no-modify-attrs only touches',
    setup: committed({ 'a.dat': 'a' }),
    steps: [{ args: ['track', '--no-modify-attrs', '-v', '*.dat'] }],
  },
  {
    name: 'untrack',
    setup: (d) => write(d, '.gitattributes', '# c\n*.a filter=lfs diff=lfs merge=lfs -text\n*.b   filter=lfs\n*.c text\n"*.q" filter=lfs\na[[:space:]]b filter=lfs\n'),
    steps: [
      { args: ['untrack', '*.nope'] },
      { args: ['untrack', '*.b', '*.c', './*.a'] },
      { args: ['untrack', 'a b'] },
      { args: ['untrack'] },
    ],
  },
  { name: 'untrack without a .gitattributes', steps: [{ args: ['untrack', '*.bin'] }] },
  {
    name: 'untrack in a subdirectory',
    setup: (d) => write(d, 'sub/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n'),
    steps: [{ args: ['untrack', '*.bin'], cwd: 'sub' }],
    files: ['.gitattributes', 'sub/.gitattributes'],
  },
];

describe('track/untrack match git-lfs 3.3.0', () => {
  for (const c of CASES) it(c.name, async () => void (await both(c)));
});

describe('track: deliberate differences from git-lfs 3.3.0 (newer git-lfs behaviour)', () => {
  it('--dry-run prints the same but writes and touches nothing', async () => {
    const a = await sb.initRepo('dry-tslfs', 'none');
    const b = await sb.initRepo('dry-gitlfs', 'none');
    for (const d of [a, b]) await committed({ 'foo.dat': 'x' })(d);
    const ours = await sb.tslfs(['track', '--dry-run', 'foo.dat'], { cwd: a });
    const theirs = await sb.gitLfs(['track', '--dry-run', 'foo.dat'], { cwd: b });
    expect(ours.stdout).toBe('Tracking "foo.dat"\nTouching "foo.dat"\n');
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.exitCode).toBe(0);
    expect(existsSync(join(a, '.gitattributes'))).toBe(false);
    expect((await sb.git(['status', '--porcelain'], { cwd: a })).stdout).toBe('');
  });

  it('a pattern matching a committed .gitattributes is refused and not written', async () => {
    const a = await sb.initRepo('forbid-tslfs', 'none');
    const b = await sb.initRepo('forbid-gitlfs', 'none');
    for (const d of [a, b]) await committed({ '.gitattributes': '*.x filter=lfs diff=lfs merge=lfs -text\n' })(d);
    const ours = await sb.tslfs(['track', '.git*'], { cwd: a });
    const theirs = await sb.gitLfs(['track', '.git*'], { cwd: b });
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.stdout).toContain("Pattern '.git*' matches forbidden file '.gitattributes'");
    expect(ours.exitCode).toBe(1);
    expect(read(a, '.gitattributes')).toBe('*.x filter=lfs diff=lfs merge=lfs -text\n');
  });

  it('a backslash in a pattern is kept (escaped) on POSIX, not turned into a slash', async () => {
    const a = await sb.initRepo('bs-tslfs', 'none');
    const r = await sb.tslfs(['track', '--filename', 'a\\b.bin'], { cwd: a });
    expect(r.stdout).toBe('Tracking "a\\\\b.bin"\n');
    expect(read(a, '.gitattributes')).toBe('a\\\\b.bin filter=lfs diff=lfs merge=lfs -text\n');
    write(a, 'a\\b.bin', 'x');
    const check = await sb.git(['check-attr', 'filter', '--', 'a\\b.bin'], { cwd: a });
    expect(check.stdout).toContain('filter: lfs');
  });

  it('--filename with a space: repeating it is already supported, --lockable rewrites the one line', async () => {
    const a = await sb.initRepo('fnsp-tslfs', 'none');
    await sb.tslfs(['track', '--filename', 'my file[1].psd'], { cwd: a });
    const again = await sb.tslfs(['track', '--filename', 'my file[1].psd'], { cwd: a });
    expect(again.stdout).toBe('"my[[:space:]]file\\\\[1\\\\].psd" already supported\n');
    await sb.tslfs(['track', '-l', '--filename', 'my file[1].psd'], { cwd: a });
    expect(read(a, '.gitattributes')).toBe('my[[:space:]]file\\[1\\].psd filter=lfs diff=lfs merge=lfs -text lockable\n');
  });

  it('untrack also removes a C-quoted pattern line (git-lfs compares the raw quoted field)', async () => {
    const a = await sb.initRepo('uq-tslfs', 'none');
    write(a, '.gitattributes', '"*.q" filter=lfs\n*.k filter=lfs\n');
    const r = await sb.tslfs(['untrack', '*.q'], { cwd: a });
    expect(r.stdout).toBe('Untracking "*.q"\n');
    expect(read(a, '.gitattributes')).toBe('*.k filter=lfs\n');
  });

  it('untrack keeps a CRLF file CRLF (git-lfs rewrites it with LF)', async () => {
    const a = await sb.initRepo('ucrlf-tslfs', 'none');
    write(a, '.gitattributes', '# c\r\n*.a filter=lfs diff=lfs merge=lfs -text\r\n*.b filter=lfs\r\n');
    const r = await sb.tslfs(['untrack', '*.a'], { cwd: a });
    expect(r.stdout).toBe('Untracking "*.a"\n');
    expect(read(a, '.gitattributes')).toBe('# c\r\n*.b filter=lfs\r\n');
  });

  it('a file name with a newline or tab is written C-quoted and reads back as the same pattern', async () => {
    const a = await sb.initRepo('nl-tslfs', 'none');
    await committed({ 'we\nird [1].bin': 'x', 'ta\tb.bin': 'y', 'we': 'z' })(a);
    const r = await sb.tslfs(['track', '-v', '--filename', 'we\nird [1].bin', 'ta\tb.bin'], { cwd: a });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Tracking "we\\nird \\\\[1\\\\].bin"\n');
    expect(r.stdout).toContain('Touching "we\\nird [1].bin"\n');
    // No output line starts with a fragment of a name.
    expect(r.stdout.split('\n').every((l) => l === '' || /^(Tracking|Searching|Found|Touching) /.test(l))).toBe(true);
    expect(read(a, '.gitattributes')).toBe(
      '"we\\nird[[:space:]]\\\\[1\\\\].bin" filter=lfs diff=lfs merge=lfs -text\n"ta\\tb.bin" filter=lfs diff=lfs merge=lfs -text\n',
    );
    const check = await sb.git(['check-attr', '--stdin', '-z', 'filter'], { cwd: a, input: 'we\nird [1].bin\0ta\tb.bin\0we\0' });
    expect(check.stdout.split('\0')).toEqual(['we\nird [1].bin', 'filter', 'lfs', 'ta\tb.bin', 'filter', 'lfs', 'we', 'filter', 'unspecified', '']);
    // Listed by both implementations' readers, and toggling lockable rewrites the same line.
    const again = await sb.tslfs(['track', '--filename', 'ta\tb.bin'], { cwd: a });
    expect(again.stdout).toBe('"ta\\tb.bin" already supported\n');
    await sb.tslfs(['track', '-l', '--filename', 'ta\tb.bin'], { cwd: a });
    expect(read(a, '.gitattributes')!.split('\n').filter((l) => l.startsWith('"ta'))).toEqual([
      '"ta\\tb.bin" filter=lfs diff=lfs merge=lfs -text lockable',
    ]);
    const listing = await sb.gitLfs(['track', '--json'], { cwd: a, env: { GIT_LFS_TRACK_NO_INSTALL_HOOKS: '1' } });
    expect(JSON.parse(listing.stdout).patterns.map((p: { pattern: string }) => p.pattern)).toEqual([
      'we\nird[[:space:]]\\[1\\].bin',
      'ta\tb.bin',
    ]);
  });

  it('names with control characters are quoted in output, and the file still matches', async () => {
    const a = await sb.initRepo('ctl-tslfs', 'none');
    await committed({ 'x\ny.bin': 'z' })(a);
    const r = await sb.tslfs(['track', '-v', '*.bin'], { cwd: a });
    expect(r.stdout).toBe(
      'Tracking "*.bin"\nSearching for files matching pattern: *.bin\nFound 1 files previously added to Git matching pattern: *.bin\nTouching "x\\ny.bin"\n',
    );
  });
});

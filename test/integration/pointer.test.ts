// `tslfs pointer` side by side with git-lfs 3.3.0: stdout byte for byte, stderr where git-lfs's
// wording is deterministic, and the exit code, for --file, --pointer, --stdin, --check,
// --strict/--no-strict and the invalid combinations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let dir: string;
const OID = '6c17f2007cbe934aee6e309b28b2dba3c119c5dff2ef813ed124699efe319868';
const ptr = (size: string, eol = '\n') => `version https://git-lfs.github.com/spec/v1${eol}oid sha256:${OID}${eol}size ${size}${eol}`;

const files: Record<string, string | Buffer> = {
  'some-file': 'simple\n',
  good: ptr('7'),
  bad: ptr('123'),
  crlf: ptr('7', '\r\n'),
  nonl: ptr('7').slice(0, -1),
  empty: '',
  notp: 'not a pointer\n',
  zero: `version https://git-lfs.github.com/spec/v1\noid sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nsize 0\n`,
  ext: `version https://git-lfs.github.com/spec/v1\next-0-foo sha256:${OID}\noid sha256:${OID}\nsize 7\n`,
  order: `oid sha256:${OID}\nversion https://git-lfs.github.com/spec/v1\nsize 7\n`,
  big: 'a'.repeat(5000),
  'name with space': 'x\n',
  '-dash': 'y\n',
};

beforeAll(() => {
  sb = makeSandbox();
  dir = join(sb.root, 'p');
  for (const [n, d] of Object.entries(files)) sb.write(`p/${n}`, d);
});
afterAll(() => sb.cleanup());

async function both(args: string[], input?: string | Buffer) {
  return Promise.all([sb.gitLfs(['pointer', ...args], { cwd: dir, input }), sb.tslfs(['pointer', ...args], { cwd: dir, input })]);
}

async function same(args: string[], opts: { input?: string | Buffer; stderr?: boolean } = {}) {
  const [a, b] = await both(args, opts.input);
  expect({ args, out: b.stdout, code: b.exitCode }).toEqual({ args, out: a.stdout, code: a.exitCode });
  if (opts.stderr !== false) expect({ args, err: b.stderr }).toEqual({ args, err: a.stderr });
  return a;
}

describe('pointer', () => {
  it('--file prints the header on stderr and the pointer on stdout', async () => {
    const a = await same(['--file=some-file']);
    expect(a.stdout).toBe(ptr('7'));
    expect(a.stderr).toBe('Git LFS pointer for some-file\n\n');
    await Promise.all([same(['--file', 'some-file']), same(['--file=empty']), same(['--file=name with space']), same(['--file=-dash']), same(['--file=big'])]);
  });

  it('compares with --pointer and --stdin', async () => {
    const match = await same(['--file=some-file', '--pointer=good']);
    expect(match.exitCode).toBe(0);
    expect(match.stderr).toContain('Git blob OID: e18acd45d7e3ce0451d1d637f9697aa508e07dee');
    const mismatch = await same(['--file=some-file', '--pointer=bad']);
    expect(mismatch.exitCode).toBe(1);
    expect(mismatch.stderr).toMatch(/Pointers do not match\n$/);
    await Promise.all([
      same(['--file=some-file', '--pointer=crlf'], { stderr: false }),
      same(['--file=some-file', '--pointer=nonl']),
      same(['--file=some-file', '--pointer=notp']),
      same(['--pointer=good']),
      same(['--pointer=bad']),
      same(['--pointer=notp']),
      same(['--pointer=empty']),
      same(['--pointer=ext']),
    ]);
    await Promise.all([
      same(['--stdin'], { input: files.good }),
      same(['--file=some-file', '--stdin'], { input: files.good }),
      same(['--file=some-file', '--stdin'], { input: files.bad }),
      same(['--file=empty', '--stdin'], { input: '' }),
      same(['--stdin'], { input: 'not a pointer\n' }),
      same(['--stdin'], { input: '\n' }),
      same(['--pointer=good', '--stdin'], { input: files.good }),
      same(['--file=some-file', '--pointer=good', '--stdin'], { input: files.good }),
    ]);
  });

  it('reports unreadable files and nothing to do', async () => {
    await Promise.all([same(['--file=missing']), same(['--pointer=missing']), same(['--file=.']), same([]), same(['--strict']), same(['--pointer=big'], { stderr: false })]);
  });

  it('--check exits 0 for pointers, 1 otherwise, 2 with --strict for non-canonical ones', async () => {
    const cases: Array<[string, number, number]> = [
      ['good', 0, 0],
      ['empty', 0, 0],
      ['crlf', 0, 2],
      ['nonl', 0, 2],
      ['zero', 0, 2],
      ['ext', 0, 0],
      ['notp', 1, 1],
      ['order', 1, 1],
      ['big', 1, 1],
      ['some-file', 1, 1],
    ];
    for (const [name, plain, strict] of cases) {
      const runs = await Promise.all([
        both(['--check', `--file=${name}`]),
        both(['--check', '--no-strict', `--file=${name}`]),
        both(['--check', '--strict', `--file=${name}`]),
        both(['--check', '--stdin'], files[name]),
        both(['--check', '--strict', '--stdin'], files[name]),
      ]);
      const want = [plain, plain, strict, plain, strict];
      runs.forEach(([a, b], i) => {
        expect({ name, i, code: a.exitCode }).toEqual({ name, i, code: want[i] });
        expect({ name, i, code: b.exitCode, out: b.stdout }).toEqual({ name, i, code: a.exitCode, out: a.stdout });
      });
    }
  });

  it('--check rejects invalid combinations as git-lfs does', async () => {
    await Promise.all([
      same(['--check']),
      same(['--check', '--file=good', '--stdin'], { input: files.good }),
      same(['--check', '--pointer=good']),
      same(['--check', '--stdin', '--pointer=good'], { input: files.good }),
      same(['--check', '--strict', '--no-strict', '--file=good']),
      same(['--check', '--file=missing']),
    ]);
  });

  it('hashes large files as a stream', async () => {
    const p = join(dir, 'large.bin');
    const chunk = Buffer.alloc(1 << 20, 7);
    writeFileSync(p, Buffer.concat(Array.from({ length: 24 }, () => chunk)));
    const a = await same(['--file=large.bin']);
    expect(a.stdout).toContain('size 25165824\n');
  });

  it('escapes control characters in names it prints', async () => {
    sb.write('p/esc\x1b[2Jname', 'z\n');
    const b = await sb.tslfs(['pointer', '--file=esc\x1b[2Jname'], { cwd: dir });
    expect(b.exitCode).toBe(0);
    expect(b.stderr).toBe('Git LFS pointer for esc\\x1b[2Jname\n\n');
  });
});

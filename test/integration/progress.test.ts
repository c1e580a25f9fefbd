/**
 * Progress output of fetch, pull, push, pre-push and checkout (built CLI, file:// remote):
 * stdout stays exactly what git-lfs 3.3.0 prints without a terminal; the live meter goes to
 * stderr only on a terminal or when forced (GIT_LFS_FORCE_PROGRESS, lfs.forceprogress), and
 * GIT_LFS_PROGRESS gets git-lfs's per-update lines.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fetchCmd from '../../src/cli/commands/fetch.js';
import * as checkoutCmd from '../../src/cli/commands/checkout.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { runCommand } from '../support/runCommand.js';

let sb: Sandbox;
let remote: string;
let src: string;
const FILES: Record<string, string> = { 'a.bin': 'alpha content\n', 'd/b.bin': 'bravo content, longer\n', 'c.bin': 'charlie\n' };
const TOTAL = Object.values(FILES).reduce((n, c) => n + c.length, 0);

async function ok(p: Promise<{ exitCode: number; stderr: string; stdout: string }>) {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  sb = makeSandbox();
  remote = join(sb.root, 'origin.git');
  await ok(sb.git(['init', '-q', '--bare', remote]));
  src = await sb.initRepo('src', 'tslfs');
  sb.write('src/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  for (const [n, c] of Object.entries(FILES)) sb.write(`src/${n}`, c);
  await ok(sb.git(['add', '.'], { cwd: src }));
  await ok(sb.git(['commit', '-qm', 'files'], { cwd: src }));
  await ok(sb.git(['remote', 'add', 'origin', `file://${remote}`], { cwd: src }));
  await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: src }));
  await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: src }));
});
afterAll(() => sb.cleanup());

const FORCE = { GIT_LFS_FORCE_PROGRESS: '1' };
const rate = String.raw`\d+(?:\.\d)? [KMG]?B/s`;
/** Live draws on stderr ending with the final line: `\r...\r..., done.\n`. */
const liveFinal = (verb: string, n: number) => new RegExp(String.raw`^(?:\r${verb} LFS objects:[^\r\n]*)*\r${verb} LFS objects: 100% \(${n}/${n}\), ${TOTAL} B \| ${rate}, done\. *\n$`);
/** Live draws on stderr that were erased (the final line went to stdout), or nothing. */
const erased = (verb: string) => new RegExp(String.raw`^(?:(?:\r${verb} LFS objects:[^\r\n]*)+\r +\r)?$`);

/** A pointer-only clone of origin using tslfs (smudge skipped). */
async function clone(name: string): Promise<string> {
  const dir = join(sb.root, name);
  await ok(sb.git(['clone', '-q', remote, dir], { env: { GIT_LFS_SKIP_SMUDGE: '1' } }));
  for (const [k, v] of (await import('../support/sandbox.js')).filterConfig('tslfs')) await ok(sb.git(['config', k, v], { cwd: dir }));
  return dir;
}

describe('push progress', () => {
  it('stdout is the git-lfs summary with or without forced progress; live lines on stderr are erased', async () => {
    const other = join(sb.root, 'other.git');
    await ok(sb.git(['init', '-q', '--bare', other]));
    await ok(sb.git(['remote', 'add', 'other', `file://${other}`], { cwd: src }));
    const plain = await sb.tslfs(['push', 'other', 'main'], { cwd: src });
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toMatch(new RegExp(String.raw`^Uploading LFS objects: 100% \(3/3\), ${TOTAL} B \| ${rate}, done\.\n$`));
    rmSync(join(other, 'lfs'), { recursive: true, force: true });
    const forced = await sb.tslfs(['push', 'other', 'main'], { cwd: src, env: FORCE });
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout.replace(/\d+(\.\d)? [KMG]?B\/s/, 'R')).toBe(plain.stdout.replace(/\d+(\.\d)? [KMG]?B\/s/, 'R'));
    expect(forced.stderr).toMatch(erased('Uploading'));
  });
});

describe('fetch and pull progress', () => {
  it('fetch: nothing on stderr unless forced; forced: the live meter ends with the done line', async () => {
    const dir = await clone('f1');
    const plain = await sb.tslfs(['fetch'], { cwd: dir });
    expect(plain).toMatchObject({ exitCode: 0, stdout: 'fetch: Fetching reference refs/heads/main\n', stderr: '' });
    rmSync(join(dir, '.git', 'lfs', 'objects'), { recursive: true });
    const forced = await sb.tslfs(['fetch'], { cwd: dir, env: FORCE });
    expect(forced.stdout).toBe('fetch: Fetching reference refs/heads/main\n');
    expect(forced.stderr).toMatch(liveFinal('Downloading', 3));
    // lfs.forceprogress does the same.
    rmSync(join(dir, '.git', 'lfs', 'objects'), { recursive: true });
    await ok(sb.git(['config', 'lfs.forceprogress', 'true'], { cwd: dir }));
    const cfg = await sb.tslfs(['fetch'], { cwd: dir });
    expect(cfg.stderr).toMatch(liveFinal('Downloading', 3));
  });

  it('fetch on a terminal (stderr a TTY): the meter is drawn on stderr, stdout unchanged', async () => {
    const dir = await clone('f2');
    const r = await runCommand(fetchCmd, 'fetch', [], { cwd: dir, env: sb.env, stderrIsTTY: true });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('fetch: Fetching reference refs/heads/main\n');
    expect(r.stderr).toMatch(liveFinal('Downloading', 3));
  });

  it('pull: forced meter on stderr, checkout output unchanged', async () => {
    const dir = await clone('p1');
    const forced = await sb.tslfs(['pull'], { cwd: dir, env: FORCE });
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toBe('');
    // The download's live meter and final line, then possibly a live checkout line, erased.
    const [download, checkout] = forced.stderr.split(/(?<=done\. *\n)/);
    expect(download).toMatch(liveFinal('Downloading', 3));
    expect(checkout ?? '').toMatch(erased('Checking out'));
    for (const [n, c] of Object.entries(FILES)) expect(readFileSync(join(dir, n), 'utf8')).toBe(c);
  });

  it('GIT_LFS_PROGRESS gets one line per update in git-lfs format', async () => {
    const dir = await clone('g1');
    const log = join(sb.root, 'progress-fetch.log');
    const r = await sb.tslfs(['fetch'], { cwd: dir, env: { GIT_LFS_PROGRESS: log } });
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    const last = new Map<string, string[]>();
    for (const l of lines) {
      const m = /^download (\d)\/3 (\d+)\/(\d+) (\S+)$/.exec(l);
      expect(m, l).not.toBeNull();
      last.set(m![4]!, m!.slice(1, 4));
    }
    expect([...last.keys()].sort()).toEqual(Object.keys(FILES).sort());
    for (const [name, [, soFar, size]] of last) expect([Number(soFar), Number(size)]).toEqual([FILES[name]!.length, FILES[name]!.length]);
    expect(new Set([...last.values()].map((v) => v[0]))).toEqual(new Set(['1', '2', '3']));
  });
});

describe('checkout progress', () => {
  it('stdout keeps the git-lfs line; forced or terminal meters on stderr are erased; GIT_LFS_PROGRESS lines', async () => {
    const dir = await clone('c1');
    await ok(sb.tslfs(['fetch'], { cwd: dir }));
    const expected = `Checking out LFS objects: 100% (3/3), ${TOTAL} B | 0 B/s, done.\n`;
    const log = join(sb.root, 'progress-checkout.log');
    const forced = await sb.tslfs(['checkout'], { cwd: dir, env: { ...FORCE, GIT_LFS_PROGRESS: log } });
    expect(forced.stdout).toBe(expected);
    expect(forced.stderr).toMatch(erased('Checking out'));
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    let cum = 0;
    lines.forEach((l, i) => {
      const m = /^checkout (\d)\/3 (\d+)\/(\d+) (\S+)$/.exec(l);
      expect(m, l).not.toBeNull();
      cum += FILES[m![4]!]!.length;
      expect([Number(m![1]), Number(m![2]), Number(m![3])]).toEqual([i + 1, FILES[m![4]!]!.length, cum]);
    });
    // Back to pointers, then check out again with stderr a terminal.
    for (const n of Object.keys(FILES)) writeFileSync(join(dir, n), (await sb.git(['cat-file', 'blob', `:${n}`], { cwd: dir })).stdoutBuffer);
    const tty = await runCommand(checkoutCmd, 'checkout', [], { cwd: dir, env: sb.env, stderrIsTTY: true });
    expect(tty.stdout).toBe(expected);
    expect(tty.stderr).toMatch(erased('Checking out'));
    for (const [n, c] of Object.entries(FILES)) expect(readFileSync(join(dir, n), 'utf8')).toBe(c);
  });
});

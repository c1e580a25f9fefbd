/**
 * Interop with git-lfs 3.3.0 (the oracle): byte-identical pointers and object files from
 * `tslfs clean` and `git-lfs clean` over a corpus of edge cases, and repositories committed
 * with one filter checking out with the other, sharing one object cache.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterConfig, makeSandbox, shq, TSLFS_BIN, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

const POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${'4d'.repeat(32)}\nsize 12\n`;

const corpus: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('x')],
  ['1023 bytes', Buffer.alloc(1023, 'a')],
  ['1024 bytes', Buffer.alloc(1024, 'b')],
  ['1025 bytes', Buffer.alloc(1025, 'c')],
  ['CRLF text', Buffer.from('line one\r\nline two\r\n'.repeat(20))],
  ['non-pointer that starts like one', Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:nothex\nsize 1\n')],
  ['pointer look-alike of 1025 bytes', Buffer.concat([Buffer.from(POINTER), Buffer.alloc(1025 - POINTER.length, 32)])],
  ['a pointer itself', Buffer.from(POINTER)],
  ['a CRLF pointer', Buffer.from(POINTER.replace(/\n/g, '\r\n'))],
  ['binary', Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7919) & 255))],
];

function objFile(repo: string, pointer: string): string | null {
  const m = /oid sha256:([0-9a-f]{64})/.exec(pointer);
  if (!m) return null;
  const oid = m[1]!;
  return join(repo, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

describe('clean: tslfs vs git-lfs', () => {
  let t: string;
  let g: string;
  beforeAll(async () => {
    t = await sb.initRepo('t', 'tslfs');
    g = await sb.initRepo('g', 'git-lfs');
  });

  // The path only reaches extensions' %f, so each case uses one name from the list (and the
  // first case all of them) to keep the number of processes down.
  const names = ['f.bin', 'with space.bin', 'ünïcödé.bin', 'new\nline.bin'];
  it.each(corpus.map(([n, d], i) => [n, d, i] as const))('%s', async (_name, data, i) => {
    for (const path of i === 0 ? names : [names[i % names.length]!]) {
      const [a, b] = await Promise.all([sb.tslfs(['clean', '--', path], { cwd: t, input: data }), sb.gitLfs(['clean', '--', path], { cwd: g, input: data })]);
      expect(a.exitCode).toBe(0);
      expect(b.exitCode).toBe(0);
      expect(a.stdoutBuffer.equals(b.stdoutBuffer)).toBe(true);
      const fa = objFile(t, a.stdout);
      const fb = objFile(g, b.stdout);
      if (data.length > 0 && a.stdout !== data.toString('latin1')) {
        expect(readFileSync(fa!).equals(readFileSync(fb!))).toBe(true);
        expect(readFileSync(fa!).equals(data)).toBe(true);
      } else {
        // Empty input and pointers are echoed; nothing is stored.
        expect(a.stdoutBuffer.equals(data)).toBe(true);
        if (fa) expect(existsSync(fa)).toBe(false);
      }
    }
  });

  it('a 100 MB seeded file gives identical pointers and objects', async () => {
    const file = join(sb.root, 'big.dat');
    // xorshift32-seeded stream: reproducible, incompressible-looking content.
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file);
      let x = 0x9e3779b9;
      let left = 100 * 1024 * 1024;
      const write = (): void => {
        while (left > 0) {
          const n = Math.min(left, 1 << 20);
          const b = Buffer.allocUnsafe(n);
          for (let i = 0; i < n; i += 4) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            b.writeUInt32LE(x >>> 0, i);
          }
          left -= n;
          if (!out.write(b)) return void out.once('drain', write);
        }
        out.end(resolve);
      };
      out.on('error', reject);
      write();
    });
    const made: string[] = [];
    try {
      const a = await sb.run('sh', ['-c', `${shq(process.execPath)} ${shq(TSLFS_BIN)} clean -- big.dat < ${shq(file)}`], { cwd: t });
      const b = await sb.run('sh', ['-c', `git-lfs clean -- big.dat < ${shq(file)}`], { cwd: g });
      expect(a.exitCode).toBe(0);
      made.push(objFile(t, a.stdout)!, objFile(g, b.stdout)!);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout).toMatch(/\nsize 104857600\n$/);
      const h = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
      expect(h(objFile(t, a.stdout)!)).toBe(h(objFile(g, b.stdout)!));
    } finally {
      rmSync(file, { force: true });
      for (const f of made) rmSync(f, { force: true });
    }
  });
});

describe('repositories cross-filtered between tslfs and git-lfs', () => {
  const files: Record<string, Buffer> = {
    'a.bin': Buffer.from('hello\n'),
    'sp ace.bin': Buffer.alloc(5000, 'z'),
    'ünï.bin': Buffer.from('unicode name\r\n'),
    'new\nline.bin': Buffer.from('newline in name\n'),
    'empty.bin': Buffer.alloc(0),
    '1024.bin': Buffer.alloc(1024, 'q'),
  };

  it.each([
    ['git-lfs', 'tslfs'],
    ['tslfs', 'git-lfs'],
  ] as const)('committed with %s, checked out with %s (one object cache)', async (from, to) => {
    const repo = await sb.initRepo(`x-${from}`, from);
    writeFileSync(join(repo, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    for (const [f, d] of Object.entries(files)) writeFileSync(join(repo, f), d);
    expect((await sb.git(['add', '.'], { cwd: repo })).exitCode).toBe(0);
    expect((await sb.git(['commit', '-qm', 'x'], { cwd: repo })).exitCode).toBe(0);
    const blobs = await sb.git(['ls-tree', '-r', '-z', 'HEAD'], { cwd: repo });
    for (const [k, v] of filterConfig(to)) await sb.git(['config', k, v], { cwd: repo });
    for (const f of Object.keys(files)) rmSync(join(repo, f));
    const co = await sb.git(['checkout', '--', '.'], { cwd: repo });
    expect(co.exitCode).toBe(0);
    for (const [f, d] of Object.entries(files)) expect(readFileSync(join(repo, f)).equals(d)).toBe(true);
    // Re-adding with the other filter produces the very same blobs (no diff).
    for (const f of Object.keys(files)) writeFileSync(join(repo, f), files[f]!);
    expect((await sb.git(['add', '--renormalize', '.'], { cwd: repo })).exitCode).toBe(0);
    expect((await sb.git(['status', '--porcelain'], { cwd: repo })).stdout).toBe('');
    expect((await sb.git(['ls-tree', '-r', '-z', 'HEAD'], { cwd: repo })).stdout).toBe(blobs.stdout);
  });
});

/**
 * tslfs filter-process driven directly with pkt-lines: the protocol itself, delayed smudge
 * with the test-only directory fetcher, and hostile input (reliability HR24).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePkt, encodeTextList, FLUSH_PKT, PktReader, pktText } from '../../src/model/pktline.js';
import { makeSandbox, sha256, TSLFS_BIN, type Sandbox } from '../support/sandbox.js';
import { Readable } from 'node:stream';

interface Exchange {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  timedOut: boolean;
}

/** Run filter-process with the given stdin bytes (then EOF); kill it after `ms` (a hang). */
function exchange(cwd: string, env: Record<string, string>, input: Buffer, ms = 15_000): Promise<Exchange> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSLFS_BIN, 'filter-process'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ms);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ stdout: Buffer.concat(out), stderr: err, code, timedOut });
    });
  });
}

const HANDSHAKE = Buffer.concat([encodeTextList(['git-filter-client', 'version=2']), encodeTextList(['capability=clean', 'capability=smudge'])]);
const HANDSHAKE_DELAY = Buffer.concat([encodeTextList(['git-filter-client', 'version=2']), encodeTextList(['capability=clean', 'capability=smudge', 'capability=delay'])]);

function request(headers: string[], content: Buffer | string): Buffer {
  const body = typeof content === 'string' ? Buffer.from(content) : content;
  const pk: Buffer[] = [];
  for (let i = 0; i < body.length; i += 65516) pk.push(encodePkt(body.subarray(i, i + 65516)));
  return Buffer.concat([encodeTextList(headers), ...pk, FLUSH_PKT]);
}

/** Parse filter output: the handshake lists, then responses as lists and content. */
async function parseLists(out: Buffer): Promise<Array<string[] | Buffer>> {
  const r = new PktReader(Readable.from([out]));
  const items: Array<string[] | Buffer> = [];
  let cur: string[] = [];
  let data: Buffer[] = [];
  for (;;) {
    let p;
    try {
      p = await r.read();
    } catch {
      break;
    }
    if (!p) break;
    if (p.kind === 'flush') {
      if (data.length) items.push(Buffer.concat(data));
      else items.push(cur);
      cur = [];
      data = [];
    } else if (p.kind === 'data') {
      const t = pktText(p)!;
      if (/^[a-z-]+=/.test(t) || t === 'git-filter-server') cur.push(t);
      else data.push(p.data);
    }
  }
  return items;
}

function pointerText(oid: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

let sb: Sandbox;
let repo: string;
let content: Buffer;
let oid: string;
let env: Record<string, string>;

beforeAll(async () => {
  sb = makeSandbox();
  repo = await sb.initRepo('repo', 'tslfs');
  env = sb.env;
  content = Buffer.from('hello from lfs\n');
  oid = await sha256(content);
});
afterAll(() => sb.cleanup());

describe('filter-process protocol', () => {
  it('handshake, clean and smudge of a local object, status lists', async () => {
    const r = await exchange(repo, env, Buffer.concat([HANDSHAKE, request(['command=clean', 'pathname=a.bin'], content), request(['command=smudge', 'pathname=a.bin'], pointerText(oid, content.length))]));
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    const items = await parseLists(r.stdout);
    expect(items[0]).toEqual(['git-filter-server', 'version=2']);
    expect(items[1]).toEqual(['capability=clean', 'capability=smudge']);
    expect(items[2]).toEqual(['status=success']);
    expect((items[3] as Buffer).toString()).toBe(pointerText(oid, content.length));
    expect(items[4]).toEqual([]);
    expect(items[5]).toEqual(['status=success']);
    expect((items[6] as Buffer).equals(content)).toBe(true);
    expect(items[7]).toEqual([]);
    expect(existsSync(join(repo, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(true);
  });

  it('echoes delay only when git offers it', async () => {
    const r = await exchange(repo, env, HANDSHAKE_DELAY);
    expect((await parseLists(r.stdout))[1]).toEqual(['capability=clean', 'capability=smudge', 'capability=delay']);
  });

  it('smudge of a missing object that cannot be downloaded (no remote) is status=error and names the object', async () => {
    const missing = 'ab'.repeat(32);
    const r = await exchange(repo, env, Buffer.concat([HANDSHAKE_DELAY, request(['command=smudge', 'pathname=m.bin'], pointerText(missing, 5))]));
    expect(r.code).toBe(0);
    const items = await parseLists(r.stdout);
    expect(items[2]).toEqual(['status=error']);
    expect(r.stderr).toContain('m.bin (ababab');
    expect(r.stderr).toContain('No Git LFS endpoint found');
  });

  it('delays missing objects with a fetcher, lists them, and serves the re-sent requests', async () => {
    // A second store holds the objects; the test-only fetcher copies them in, hash-verified.
    const remote = join(sb.root, 'remote-objects');
    const files = ['one\n', 'two\n', 'three\n'].map((s) => Buffer.from(s));
    const oids: string[] = [];
    for (const f of files) {
      const o = await sha256(f);
      oids.push(o);
      mkdirSync(join(remote, o.slice(0, 2), o.slice(2, 4)), { recursive: true });
      writeFileSync(join(remote, o.slice(0, 2), o.slice(2, 4), o), f);
    }
    const fenv = { ...env, TSLFS_TEST_FETCH_FROM: remote, TSLFS_TEST_FETCH_DELAY_MS: '50' };
    const reqs = files.map((f, i) => request(['command=smudge', `pathname=d/${i}.bin`, 'can-delay=1'], pointerText(oids[i]!, f.length)));
    // One object the fetcher cannot find: delayed, listed, then an error when re-requested.
    reqs.push(request(['command=smudge', 'pathname=d/missing.bin', 'can-delay=1'], pointerText('9f'.repeat(32), 7)));
    // Drive interactively: the re-sent requests depend on what list_available_blobs returns.
    const child = spawn(process.execPath, [TSLFS_BIN, 'filter-process'], { cwd: repo, env: fenv, stdio: ['pipe', 'pipe', 'pipe'] });
    const reader = new PktReader(child.stdout);
    child.stdin.write(Buffer.concat([HANDSHAKE_DELAY, ...reqs]));
    expect(await reader.readTextList()).toEqual(['git-filter-server', 'version=2']);
    await reader.readTextList();
    for (let i = 0; i < 4; i++) expect(await reader.readTextList()).toEqual(['status=delayed']);
    const got = new Map<string, string>();
    const failed: string[] = [];
    for (let round = 0; round < 10; round++) {
      child.stdin.write(encodeTextList(['command=list_available_blobs']));
      const paths = (await reader.readTextList())!;
      expect(await reader.readTextList()).toEqual(['status=success']);
      if (paths.length === 0) break;
      for (const line of paths) {
        const path = line.replace(/^pathname=/, '');
        child.stdin.write(request(['command=smudge', `pathname=${path}`], ''));
        const status = await reader.readTextList();
        if (path === 'd/missing.bin') {
          expect(status).toEqual(['status=error']);
          failed.push(path);
          continue;
        }
        expect(status).toEqual(['status=success']);
        const data: Buffer[] = [];
        for (;;) {
          const p = (await reader.read())!;
          if (p.kind === 'flush') break;
          if (p.kind === 'data') data.push(p.data);
        }
        expect(await reader.readTextList()).toEqual([]);
        got.set(path, Buffer.concat(data).toString());
      }
    }
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
    expect(Object.fromEntries(got)).toEqual({ 'd/0.bin': 'one\n', 'd/1.bin': 'two\n', 'd/2.bin': 'three\n' });
    expect(failed).toEqual(['d/missing.bin']);
    expect(child.exitCode).toBe(0);
  });

  it('clean that cannot store answers status=error and keeps serving', async () => {
    const bad = await sb.initRepo('badstore', 'tslfs');
    writeFileSync(join(sb.root, 'not-a-dir'), 'x');
    await sb.git(['config', 'lfs.storage', join(sb.root, 'not-a-dir')], { cwd: bad });
    const r = await exchange(bad, env, Buffer.concat([HANDSHAKE, request(['command=clean', 'pathname=big.bin'], Buffer.alloc(200_000, 1)), request(['command=smudge', 'pathname=x.txt'], 'plain text\n')]));
    const items = await parseLists(r.stdout);
    expect(items[2]).toEqual(['status=error']);
    expect(items[3]).toEqual(['status=success']);
    expect((items[4] as Buffer).toString()).toBe('plain text\n');
    expect(r.stderr).toContain('big.bin');
    expect(r.stderr).toContain("Encountered 1 file that should have been a pointer, but wasn't:\n\tx.txt\n");
  });
});

describe('filter-process hostile input (HR24)', () => {
  const cases: Array<[string, Buffer]> = [
    ['zzzz length', Buffer.concat([HANDSHAKE, Buffer.from('zzzz')])],
    ['0003 length', Buffer.concat([HANDSHAKE, Buffer.from('0003')])],
    ['fff5 length', Buffer.concat([HANDSHAKE, Buffer.from('fff5'), Buffer.alloc(70000, 97)])],
    ['truncated packet then EOF', Buffer.concat([HANDSHAKE, Buffer.from('0040command=sm')])],
    ['missing flush after headers', Buffer.concat([HANDSHAKE, encodePkt('command=smudge\n'), encodePkt('pathname=a\n')])],
    ['missing flush after content', Buffer.concat([HANDSHAKE, encodeTextList(['command=clean', 'pathname=a']), encodePkt('data')])],
    ['bad handshake', encodeTextList(['git-filter-client', 'version=3'])],
    ['handshake without clean capability', Buffer.concat([encodeTextList(['git-filter-client', 'version=2']), encodeTextList(['capability=smudge'])])],
  ];
  it.each(cases)('%s -> exits with an error, no hang', async (_n, input) => {
    const r = await exchange(repo, env, input);
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/filter protocol error/);
  });

  it('unknown command and second handshake -> status=error, then exit', async () => {
    for (const bad of [request(['command=frobnicate', 'pathname=a'], ''), encodeTextList(['git-filter-client', 'version=2'])]) {
      const r = await exchange(repo, env, Buffer.concat([HANDSHAKE, bad]));
      expect(r.timedOut).toBe(false);
      expect(r.code).not.toBe(0);
      expect((await parseLists(r.stdout))[2]).toEqual(['status=error']);
    }
  });

  it('EOF right after the handshake is a clean exit', async () => {
    const r = await exchange(repo, env, HANDSHAKE);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('can-delay=1 without negotiated delay is served immediately', async () => {
    const r = await exchange(repo, env, Buffer.concat([HANDSHAKE, request(['command=smudge', 'pathname=a.bin', 'can-delay=1'], pointerText(oid, content.length))]));
    const items = await parseLists(r.stdout);
    expect(items[2]).toEqual(['status=success']);
    expect((items[3] as Buffer).equals(content)).toBe(true);
  });

  it('list_available_blobs without negotiated delay -> status=error', async () => {
    const r = await exchange(repo, env, Buffer.concat([HANDSHAKE, encodeTextList(['command=list_available_blobs'])]));
    const items = await parseLists(r.stdout);
    expect(items[2]).toEqual([]);
    expect(items[3]).toEqual(['status=error']);
  });

  it('hostile pathnames are never opened or written', async () => {
    const longName = 'x/'.repeat(32_000) + 'f';
    const traversal = '../../../escape-target';
    const r = await exchange(
      repo,
      env,
      Buffer.concat([
        HANDSHAKE,
        request(['command=smudge', `pathname=${traversal}`], 'not a pointer\n'),
        request(['command=smudge', `pathname=${longName}`], pointerText('cd'.repeat(32), 3)),
        request(['command=clean', `pathname=${traversal}`], 'abc'),
      ]),
    );
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    const items = await parseLists(r.stdout);
    expect(items[2]).toEqual(['status=success']);
    expect((items[3] as Buffer).toString()).toBe('not a pointer\n');
    expect(items[5]).toEqual(['status=error']);
    expect(items[6]).toEqual(['status=success']);
    expect(existsSync(join(repo, traversal))).toBe(false);
    expect(existsSync(join(sb.root, 'escape-target'))).toBe(false);
  });
});

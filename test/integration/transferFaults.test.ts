/**
 * Hostile-server cases (reliability.md HS1-HS20) end to end: the real CLI (`tslfs fetch`,
 * `pull`, `push`) and git with tslfs as its filter and pre-push hook, against the test LFS
 * server's switches. Every failing case checks a non-zero exit, a message naming the object,
 * a store holding only hash-valid objects (`tslfs fsck --objects`), nothing written outside the
 * repository, and an empty .git/lfs/tmp after the runs that succeed. Helper-level details
 * (exact Range arithmetic, delays chosen) are in httpTransfer.test.ts.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertStoreValid,
  assertTmpEmpty,
  batchRequests,
  blob,
  ok,
  oidOf,
  outsideSnapshot,
  pointerClone,
  pushedRepo,
  startHarness,
  storageRequests,
  uniq,
  validObjects,
  workRepo,
  type Harness,
} from './transferFaults.harness.js';

let h: Harness;
/** One server repo with five objects, and a local repo that references them. */
const REPO = 'hs';
let work: string;
const files: Record<string, Buffer> = {};
const oid: Record<string, string> = {};

/** git config for one command, through the environment (GIT_CONFIG_COUNT). */
function cfg(pairs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(Object.keys(pairs).length) };
  Object.entries(pairs).forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

/** Few, fast retries for cases that are meant to fail. */
const FAST = { 'lfs.transfer.maxretries': '1', 'lfs.transfer.maxretrydelay': '1' };

/** Forget every local object, so the next fetch downloads all of them. */
function emptyStore(dir: string): void {
  rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
}

/** `tslfs fetch` in the work repo with an empty store; checks the common invariants. */
async function fetchFresh(config: Record<string, string> = {}, args: string[] = []) {
  emptyStore(work);
  const before = outsideSnapshot(h, work);
  const r = await h.sb.tslfs(['fetch', ...args], { cwd: work, env: cfg(config) });
  expect(outsideSnapshot(h, work)).toEqual(before);
  // Every stored file is hashed here; fsck as well when there is anything to check.
  const stored = validObjects(work).length ? await assertStoreValid(h, work) : [];
  return { ...r, stored };
}

beforeAll(async () => {
  h = await startHarness();
  for (const n of ['a', 'b', 'c', 'd', 'e']) {
    files[`${n}.bin`] = blob(`hs-${n}`, 30_000 + n.charCodeAt(0) * 100);
    oid[n] = oidOf(files[`${n}.bin`]!);
  }
  work = await pushedRepo(h, 'work', files, REPO);
});

afterAll(async () => {
  await h?.stop();
});

afterEach(() => {
  h.srv.clearRules();
  h.srv.clearRequests();
});

describe('HS1 corrupt bodies', () => {
  it('fetch fails naming the oid, stores neither the claimed nor the actual oid', async () => {
    h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid['a'], corrupt: true, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`expected OID ${oid['a']}, got [0-9a-f]{64} after ${files['a.bin']!.length} bytes written`));
    const actual = oidOf(Buffer.from(files['a.bin']!.map((b) => b ^ 0x5a)));
    expect(r.stored).not.toContain(oid['a']);
    expect(r.stored).not.toContain(actual);
    expect(r.stored.sort()).toEqual([oid['b'], oid['c'], oid['d'], oid['e']].sort());
    assertTmpEmpty(work);
  });

  it('git checkout through the filter fails on the file and git pull leaves HEAD where it was', async () => {
    const repo = uniq('hs1');
    const src = await pushedRepo(h, `${repo}-src`, { 'b.bin': files['b.bin']! }, repo);
    const clone = await pointerClone(h, repo, `${repo}-clone`);
    const bOid = oid['b']!;
    h.srv.failNext({ kind: 'storage-get', repo, oid: bOid, corrupt: true, times: Infinity });
    rmSync(join(clone, 'b.bin'));
    const co = await h.sb.git(['checkout', '--', 'b.bin'], { cwd: clone, env: cfg(FAST) });
    expect(co.exitCode).not.toBe(0);
    expect(co.stderr).toContain('b.bin');
    expect(co.stderr).toContain(bOid);
    expect(existsSync(join(clone, 'b.bin')) && readFileSync(join(clone, 'b.bin')).equals(files['b.bin']!)).toBe(false);
    expect(await assertStoreValid(h, clone)).not.toContain(bOid);

    // A new upstream commit whose object arrives corrupt: the pull's checkout fails.
    const next = blob('hs1-next', 40_000);
    const nextOid = oidOf(next);
    h.sb.write(`${repo}-src/next.bin`, next);
    await ok(h.sb.git(['add', 'next.bin'], { cwd: src }));
    await ok(h.sb.git(['commit', '-qm', 'next'], { cwd: src }));
    await ok(h.sb.git(['push', '-q', 'origin', 'main'], { cwd: src }));
    await ok(h.sb.git(['checkout', '-f', '--', 'b.bin'], { cwd: clone, env: { GIT_LFS_SKIP_SMUDGE: '1' } }));
    const head = (await ok(h.sb.git(['rev-parse', 'HEAD'], { cwd: clone }))).stdout;
    h.srv.failNext({ kind: 'storage-get', repo, oid: nextOid, corrupt: true, times: Infinity });
    const pull = await h.sb.git(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: clone, env: cfg(FAST) });
    expect(pull.exitCode).not.toBe(0);
    expect(pull.stderr).toContain('next.bin');
    expect((await ok(h.sb.git(['rev-parse', 'HEAD'], { cwd: clone }))).stdout).toBe(head);
    expect(await assertStoreValid(h, clone)).not.toContain(nextOid);
  });
});

describe('HS2/HS3 body length', () => {
  it('aborts endless and oversized bodies at the object size (nothing stored, tmp empty)', async () => {
    h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid['a'], endless: true, times: Infinity });
    h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid['b'], oversize: 10 * files['b.bin']!.length, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(oid['a']);
    expect(r.stderr).toContain(oid['b']);
    expect(r.stored.sort()).toEqual([oid['c'], oid['d'], oid['e']].sort());
    assertTmpEmpty(work);
  });

  it('resumes a body cut at 50% with a Range request for the remainder only', async () => {
    const size = files['c.bin']!.length;
    h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid['c'], truncate: true });
    const r = await fetchFresh();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored).toHaveLength(5);
    const gets = storageRequests(h, 'storage-get', oid['c']);
    expect(gets.map((g) => g.headers.range)).toEqual([undefined, `bytes=${Math.floor(size / 2)}-${size - 1}`]);
    expect(gets[1]!.status).toBe(206);
    expect(gets[1]!.bytesOut).toBe(size - Math.floor(size / 2));
    assertTmpEmpty(work);
    expect(existsSync(join(work, '.git', 'lfs', 'incomplete', `${oid['c']}.part`))).toBe(false);
  });
});

describe('HS5 compressed bodies', () => {
  it('a gzip bomb is never expanded: raw bytes are capped and verified, nothing stored', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(Buffer.alloc(100 * files['a.bin']!.length, 0x41));
    const seen: Array<{ method: string; url: string; acceptEncoding?: string }> = [];
    const srv = createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, ...(req.headers['accept-encoding'] ? { acceptEncoding: String(req.headers['accept-encoding']) } : {}) });
      if (req.method === 'POST') {
        req.resume();
        req.on('end', () => {
          const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
          const objects = Object.keys(oid).map((k) => ({ oid: oid[k], size: files[`${k}.bin`]!.length, actions: { download: { href: `${base}/bomb/${oid[k]}` } } }));
          const body = JSON.stringify({ transfer: 'basic', objects });
          res.writeHead(200, { 'Content-Type': 'application/vnd.git-lfs+json', 'Content-Length': String(Buffer.byteLength(body)) });
          res.end(body);
        });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip', 'Content-Length': String(bomb.length) });
      res.end(bomb);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/bomb.git/info/lfs`;
      const r = await fetchFresh({ ...FAST, 'lfs.url': url });
      expect(r.exitCode).toBe(2);
      for (const k of Object.keys(oid)) expect(r.stderr).toContain(oid[k]);
      expect(r.stored).toEqual([]);
      assertTmpEmpty(work);
      // A plain download never asks for an encoding.
      for (const s of seen.filter((x) => x.method === 'GET')) expect(s.acceptEncoding ?? 'identity').toMatch(/^identity$/);
    } finally {
      await new Promise<void>((r) => {
        srv.close(() => r());
        srv.closeAllConnections();
      });
    }
  });
});

describe('HS6-HS9 lying batch replies', () => {
  it('rejects replies naming other oids (unknown, path-like, uppercase, short): nothing written anywhere', async () => {
    const lies: Record<string, string> = {
      a: '../../../../tmp/pwn',
      b: oid['b']!.toUpperCase(),
      c: oid['c']!.slice(0, 63),
    };
    for (const [k, v] of Object.entries(lies)) h.srv.failNext({ kind: 'object', repo: REPO, oid: oid[k], oidValue: v, times: Infinity });
    h.srv.failNext({ kind: 'object', repo: REPO, oid: oid['d'], unknownOid: true, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).not.toBe(0);
    for (const k of ['a', 'b', 'c', 'd']) expect(r.stderr).toContain(oid[k]);
    expect(r.stored).toEqual([oid['e']]);
    // No storage request for the lies: no path or URL was built from them.
    expect(storageRequests(h, 'storage-get').map((g) => g.oid)).toEqual([oid['e']]);
    expect(existsSync('/tmp/pwn')).toBe(false);
  });

  it('HS6(d): an object listed twice in the reply is transferred once', async () => {
    h.srv.failNext({ kind: 'object', repo: REPO, oid: oid['a'], duplicate: true, times: Infinity });
    const r = await fetchFresh();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored.sort()).toEqual(Object.values(oid).sort());
    expect(storageRequests(h, 'storage-get').filter((g) => g.oid === oid['a'])).toHaveLength(1);
  });

  it('reports an object the reply leaves out as failed, not as fetched', async () => {
    h.srv.failNext({ kind: 'object', repo: REPO, oid: oid['a'], omit: true, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(oid['a']);
    expect(r.stored).not.toContain(oid['a']);
  });

  it('rejects invalid sizes; the pointer size, not the server\'s, bounds the download', async () => {
    h.srv.failNext({ kind: 'object', repo: REPO, oid: oid['a'], size: -1, times: Infinity });
    h.srv.failNext({ kind: 'object', repo: REPO, oid: oid['b'], size: 1e20, times: Infinity });
    // The server claims a bigger object and sends garbage after the real bytes.
    h.srv.failNext({ kind: 'object', repo: REPO, oid: oid['c'], size: files['c.bin']!.length + 1000, times: Infinity });
    h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid['c'], oversize: 1000, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${oid['a']}.*invalid size`));
    expect(r.stderr).toContain(oid['b']);
    expect(r.stderr).toContain(oid['c']);
    expect(r.stored.sort()).toEqual([oid['d'], oid['e']].sort());
    assertTmpEmpty(work);
  });

  it('accepts an empty hash_algo, refuses sha1', async () => {
    h.srv.failNext({ kind: 'batch', repo: REPO, hashAlgo: '', times: Infinity });
    const r = await fetchFresh();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored).toHaveLength(5);
    h.srv.clearRules();
    h.srv.failNext({ kind: 'batch', repo: REPO, hashAlgo: 'sha1', times: Infinity });
    const r2 = await fetchFresh(FAST);
    expect(r2.exitCode).not.toBe(0);
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(r2.stderr).toContain(oid[k]);
    expect(r2.stderr).toContain('sha1');
    expect(r2.stored).toEqual([]);
  });

  it('uses only absolute http(s) hrefs without userinfo; never reads local files', async () => {
    const secret = h.sb.write('secret.txt', files['a.bin']!); // would even hash right
    const hrefs: Record<string, string> = {
      a: `file://${secret}`,
      b: 'ftp://127.0.0.1/x',
      c: `/storage/${REPO}/${oid['c']}`,
      d: `${h.srv.url.replace('http://', 'http://user:pw@')}/storage/${REPO}/${oid['d']}`,
      e: `data:application/octet-stream;base64,${files['e.bin']!.toString('base64')}`,
    };
    for (const [k, v] of Object.entries(hrefs)) h.srv.failNext({ kind: 'object', repo: REPO, oid: oid[k], href: v, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).not.toBe(0);
    for (const k of ['a', 'b', 'c', 'd', 'e']) expect(r.stderr).toContain(oid[k]);
    expect(r.stored).toEqual([]);
    expect(storageRequests(h, 'storage-get')).toEqual([]);
    expect(r.stderr).not.toContain('user:pw');
    // A 1 MB href: refused or failed, never a crash.
    h.srv.clearRules();
    h.srv.failNext({ kind: 'object', repo: REPO, oid: oid['a'], href: `${h.srv.url}/${'x'.repeat(1 << 20)}`, times: Infinity });
    const r2 = await fetchFresh(FAST);
    expect(r2.exitCode).not.toBe(0);
    expect(r2.stderr).toContain(oid['a']);
    expect(r2.stderr.length).toBeLessThan(20_000);
    expect(r2.stored).not.toContain(oid['a']);
  });
});

describe('HS11/HS12 redirects', () => {
  it('stops a redirect loop after 3 hops', async () => {
    h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid['a'], redirect: 'same', times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${oid['a']}.*too many redirects|too many redirects`));
    expect(r.stored).not.toContain(oid['a']);
    // maxretries=1: two attempts of 1 + 3 hops each.
    expect(storageRequests(h, 'storage-get', oid['a']).length).toBeLessThanOrEqual(8);

    // A relative Location is resolved against the request URL and followed.
    h.srv.clearRules();
    h.srv.failNext({ kind: 'storage-get', repo: REPO, redirect: 'relative', perOid: true, times: 1 });
    const r2 = await fetchFresh();
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(r2.stored).toHaveLength(5);
  });

  it('a cross-origin storage redirect carries no Authorization, action or extra headers', async () => {
    h.srv.failNext({ kind: 'object', repo: REPO, actionHeaders: { Authorization: 'Bearer action-secret', 'X-Action': 'a1' }, times: Infinity });
    h.srv.failNext({ kind: 'storage-get', repo: REPO, redirect: 'other', perOid: true, times: 1 });
    const r = await fetchFresh({ 'http.extraheader': 'X-Extra: e1' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored).toHaveLength(5);
    const gets = storageRequests(h, 'storage-get');
    const alt = gets.filter((g) => g.listener === 'alt');
    expect(alt).toHaveLength(5);
    for (const g of alt) {
      expect(g.headers.authorization).toBe(false);
      expect(g.headers.extra).toEqual({});
    }
    for (const g of gets.filter((x) => x.listener === 'main')) expect(g.headers.extra).toMatchObject({ 'x-action': 'a1', 'x-extra': 'e1' });
  });
});

describe('HS14/HS15 error replies', () => {
  it('reports unparsable batch replies clearly, without a crash', async () => {
    // The test server keeps its normal body on a 200, so a tiny server plays the broken API.
    const bodies: Array<{ body: string; contentType: string; status: number }> = [
      { status: 200, body: '{"objects": [', contentType: 'application/vnd.git-lfs+json' },
      { status: 200, body: '<html><body>Please log in</body></html>', contentType: 'text/html' },
      { status: 200, body: '', contentType: 'application/vnd.git-lfs+json' },
      { status: 200, body: '{"objects": null}', contentType: 'application/vnd.git-lfs+json' },
      { status: 200, body: `\ufeff{"objects": []}`, contentType: 'application/vnd.git-lfs+json' },
      { status: 200, body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, contentType: 'application/vnd.git-lfs+json' },
      { status: 203, body: '{"objects": []}', contentType: 'application/vnd.git-lfs+json' },
    ];
    let current = bodies[0]!;
    const api = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(current.status, { 'Content-Type': current.contentType, 'Content-Length': String(Buffer.byteLength(current.body)) });
        res.end(current.body);
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/broken.git/info/lfs`;
      for (const b of bodies) {
        current = b;
        const r = await fetchFresh({ ...FAST, 'lfs.url': url });
        const what = `${b.status} ${b.body.slice(0, 30)}`;
        expect(r.exitCode, what).toBe(2);
        expect(r.stderr, what).toMatch(/batch response/);
        expect(r.stderr, what).toContain(oid['a']);
        expect(r.stderr, what).not.toMatch(/RangeError|Maximum call stack|\n\s+at /);
        expect(r.stored).toEqual([]);
      }
    } finally {
      await new Promise<void>((r) => {
        api.close(() => r());
        api.closeAllConnections();
      });
    }
  });

  it('per-object errors fail those objects and the others still download; exit 2', async () => {
    const codes: Record<string, number> = { a: 404, b: 410, c: 422, d: 403 };
    for (const [k, c] of Object.entries(codes)) h.srv.failNext({ kind: 'object', repo: REPO, oid: oid[k], status: c, message: `object says ${c}`, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).toBe(2);
    for (const [k, c] of Object.entries(codes)) expect(r.stderr).toContain(`[${oid[k]}] object says ${c}`);
    expect(r.stored).toEqual([oid['e']]);
  });

  it('storage errors are retried (bounded) and reported per object; the others download', async () => {
    const codes: Record<string, number> = { a: 403, b: 404, c: 500, d: 503 };
    for (const [k, c] of Object.entries(codes)) h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid[k], status: c, times: Infinity });
    const r = await fetchFresh(FAST);
    expect(r.exitCode).toBe(2);
    for (const k of Object.keys(codes)) expect(r.stderr).toContain(oid[k]);
    expect(r.stored).toEqual([oid['e']]);
    for (const k of Object.keys(codes)) expect(storageRequests(h, 'storage-get', oid[k])).toHaveLength(2); // maxretries=1
  });

  it('push reports per-object and storage errors and uploads the rest', async () => {
    const repo = uniq('hs15push');
    const pf: Record<string, Buffer> = { 'p1.bin': blob('p1', 5000), 'p2.bin': blob('p2', 6000), 'p3.bin': blob('p3', 7000) };
    const dir = await workRepo(h, repo, pf, { repo });
    h.srv.failNext({ kind: 'object', repo, oid: oidOf(pf['p1.bin']!), status: 422, message: 'no thanks', times: Infinity });
    h.srv.failNext({ kind: 'storage-put', repo, oid: oidOf(pf['p2.bin']!), status: 507, times: Infinity });
    const r = await h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir, env: cfg(FAST) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`(error) p1.bin (${oidOf(pf['p1.bin']!)})`);
    expect(r.stderr).toContain(`[${oidOf(pf['p1.bin']!)}] no thanks`);
    expect(r.stderr).toContain(`(error) p2.bin (${oidOf(pf['p2.bin']!)})`);
    expect(await h.srv.hasObject(repo, oidOf(pf['p3.bin']!))).toBe(true);
    expect(await h.srv.hasObject(repo, oidOf(pf['p2.bin']!))).toBe(false);
    // git push runs the same through the hook and is refused: the remote ref is not created.
    const gp = await h.sb.git(['push', 'origin', 'main'], { cwd: dir, env: cfg(FAST) });
    expect(gp.exitCode).not.toBe(0);
    expect(gp.stderr).toContain('p2.bin');
    const ls = await h.sb.git(['ls-remote', h.srv.gitUrl(repo)], { cwd: dir });
    expect(ls.stdout).toBe('');
  });
});

describe('HS16/HS17 waiting and expiry', () => {
  it('honours a batch 429 Retry-After, and fails at once when the wait exceeds maxretrytime', async () => {
    const repo = uniq('batch-retry-later');
    const data = blob('w', 3000);
    const dir = await workRepo(h, repo, { 'w.bin': data }, { repo });
    await h.srv.putObject(repo, data);
    emptyStore(dir);
    h.srv.clearRequests();
    const r = await h.sb.tslfs(['fetch'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(batchRequests(h, repo).map((b) => b.status)).toEqual([429, 200]);
    assertTmpEmpty(dir);

    h.srv.failNext({ kind: 'batch', repo, status: 429, retryAfter: 100_000, times: Infinity });
    emptyStore(dir);
    h.srv.clearRequests();
    const r2 = await h.sb.tslfs(['fetch'], { cwd: dir });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/maxretrytime/);
    expect(batchRequests(h, repo)).toHaveLength(1);
  });

  it('an always-expired upload action fails the push with nothing uploaded; a once-expired one is renewed', async () => {
    const repo = uniq('hs17');
    const data = blob('hs17', 4000);
    const dir = await workRepo(h, repo, { 'x.bin': data }, { repo });
    h.srv.failNext({ kind: 'object', repo, expired: 'both', times: Infinity });
    const r = await h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir, env: cfg({ 'lfs.transfer.maxretries': '2' }) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(oidOf(data));
    expect(r.stderr).toMatch(/expired/);
    expect(storageRequests(h, 'storage-put')).toEqual([]);
    expect(batchRequests(h, repo)).toHaveLength(3);
    h.srv.clearRules();
    h.srv.failNext({ kind: 'object', repo, expired: 'in' });
    await ok(h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir }));
    expect(await h.srv.hasObject(repo, oidOf(data))).toBe(true);
  });

  it('HS18 gives up on a server that never answers after lfs.activitytimeout', async () => {
    h.srv.failNext({ kind: 'storage-get', repo: REPO, oid: oid['a'], hangMs: 30_000, times: Infinity });
    // Only a.bin, so that a 1 s timeout cannot hit other requests on a loaded machine.
    const r = await fetchFresh({ ...FAST, 'lfs.activitytimeout': '1' }, ['-I', 'a.bin']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(oid['a']);
    expect(r.stderr).toMatch(/activity timeout/);
    expect(r.stored).toEqual([]);
    // Two attempts (maxretries=1), each given up on: no endless waiting.
    expect(storageRequests(h, 'storage-get', oid['a'])).toHaveLength(2);
  });
});

describe('HS19/HS20 uploads that lie or change', () => {
  it('a verify 404 fails the push; a later push asks again and sends nothing the server has', async () => {
    const repo = uniq('verify-404');
    const data = blob('hs19', 4000);
    const dir = await workRepo(h, repo, { 'v.bin': data, 'w.bin': blob('hs19w', 3000) }, { repo });
    const r = await h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir, env: cfg(FAST) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/verify/);
    expect(r.stderr).toContain(oidOf(data));

    // The server stored both; a re-push against a normal verify sends no body again.
    const repo2 = uniq('hs19b');
    await h.srv.createRepo(repo2);
    const dir2 = await workRepo(h, `${repo2}-w`, { 'v.bin': data }, { repo: repo2, create: false });
    h.srv.failNext({ kind: 'storage-put', repo: repo2, discard: true });
    await ok(h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir2 })); // a fake success is undetectable without verify
    expect(await h.srv.hasObject(repo2, oidOf(data))).toBe(false);
    await ok(h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir2 }));
    expect(await h.srv.hasObject(repo2, oidOf(data))).toBe(true);
    h.srv.clearRequests();
    await ok(h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir2 }));
    expect(storageRequests(h, 'storage-put')).toEqual([]);
  });

  it('HS20 refuses to upload a local object that does not hash to its oid', async () => {
    const repo = uniq('hs20');
    const data = blob('hs20', 8000);
    const id = oidOf(data);
    const dir = await workRepo(h, repo, { 'c.bin': data, 'ok.bin': blob('hs20ok', 100) }, { repo });
    const p = join(dir, '.git', 'lfs', 'objects', id.slice(0, 2), id.slice(2, 4), id);
    const bad = Buffer.from(data);
    bad[100] = bad[100]! ^ 1;
    writeFileSync(p, bad);
    const r = await h.sb.git(['push', 'origin', 'main'], { cwd: dir, env: cfg(FAST) });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(id);
    expect(r.stderr).toContain('c.bin');
    expect(await h.srv.hasObject(repo, id)).toBe(false);
    for (const put of storageRequests(h, 'storage-put', id)) expect(put.bytesIn).toBeLessThan(data.length);
    expect((await h.sb.git(['ls-remote', h.srv.gitUrl(repo)], { cwd: dir })).stdout).toBe('');
    expect(readFileSync(p).equals(bad)).toBe(true); // reported, never "repaired" by push
  });
});

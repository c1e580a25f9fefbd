/**
 * The test LFS server (test/support/lfsServer) spoken to with plain HTTP: batch per spec,
 * streaming storage with hash checks, Range, auth, locks, and the failure switches behaving as
 * documented in its main.ts table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { magicOid, oidOf, startLfsServer, type LfsServer } from '../support/lfsServer/main.js';

const LFS = 'application/vnd.git-lfs+json';
let dir: string;
let srv: LfsServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tslfs-srv-'));
  srv = await startLfsServer({ root: dir, lockPageSize: 2 });
});
afterAll(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  srv.clearRules();
  srv.clearRequests();
});

interface Reply {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', LFS);
  let body = init.body;
  if (init.json !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', LFS);
    body = JSON.stringify(init.json);
  }
  const r = await fetch(url, { ...init, headers, body, redirect: 'manual' });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, json, text };
}

function batch(repo: string, operation: 'download' | 'upload', objects: Array<{ oid: string; size: number }>, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Reply> {
  return call(`${srv.lfsUrl(repo)}/objects/batch`, { method: 'POST', json: { operation, objects, ref: { name: 'refs/heads/main' }, hash_algo: 'sha256', ...extra }, headers });
}

/** A raw GET that reports how many body bytes arrived before the server closed (fetch hides that). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      const done = (complete: boolean): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', reject);
    req.end();
  });
}

async function upload(repo: string, data: Buffer | string): Promise<string> {
  const buf = Buffer.from(data);
  const oid = oidOf(buf);
  const r = await batch(repo, 'upload', [{ oid, size: buf.length }]);
  expect(r.status).toBe(200);
  const href = r.json.objects[0].actions.upload.href as string;
  const put = await call(href, { method: 'PUT', body: buf, headers: { 'content-type': 'application/octet-stream' } });
  expect(put.status).toBe(200);
  return oid;
}

describe('batch API', () => {
  it('answers uploads with upload actions and skips objects it already has', async () => {
    const have = await srv.putObject('r1', 'already here');
    const want = Buffer.from('new object');
    const r = await batch('r1', 'upload', [
      { oid: have, size: 12 },
      { oid: oidOf(want), size: want.length },
    ]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/vnd\.git-lfs\+json/);
    expect(r.json.transfer).toBe('basic');
    expect(r.json.hash_algo).toBe('sha256');
    expect(r.json.objects[0]).toEqual({ oid: have, size: 12 });
    const up = r.json.objects[1];
    expect(up.actions.upload.href).toBe(`${srv.url}/storage/r1/${oidOf(want)}`);
    expect(up.actions.upload.expires_in).toBeGreaterThan(0);
    expect(up.actions.verify).toBeUndefined();
  });

  it('answers downloads with download actions or a 404 object error', async () => {
    const have = await srv.putObject('r1', 'downloadable');
    const missing = oidOf('never uploaded');
    const r = await batch('r1', 'download', [
      { oid: have, size: 12 },
      { oid: missing, size: 14 },
    ]);
    expect(r.status).toBe(200);
    expect(r.json.objects[0].actions.download.href).toBe(`${srv.url}/storage/r1/${have}`);
    expect(r.json.objects[1]).toEqual({ oid: missing, size: 14, error: { code: 404, message: 'Object does not exist' } });
    expect(srv.requests[0]).toMatchObject({ kind: 'batch', repo: 'r1', operation: 'download', oids: [have, missing], status: 200 });
  });

  it('validates oids, sizes, operation, hash_algo and transfers', async () => {
    const ok = oidOf('x');
    const r = await batch('r1', 'upload', [
      { oid: '../../etc/passwd', size: 1 },
      { oid: ok, size: -1 },
    ]);
    expect(r.json.objects.map((o: { error: { code: number } }) => o.error.code)).toEqual([422, 422]);
    expect((await batch('r1', 'delete' as 'upload', [])).status).toBe(422);
    const h = await batch('r1', 'upload', [{ oid: ok, size: 1 }], { hash_algo: 'sha512' });
    expect(h.json.objects[0].error.code).toBe(409);
    expect((await batch('r1', 'upload', [{ oid: ok, size: 1 }], { transfers: ['tus'] })).status).toBe(422);
    expect((await batch('r1', 'upload', [{ oid: ok, size: 1 }], { transfers: ['lfs-standalone-file', 'basic', 'ssh'] })).json.transfer).toBe('basic');
  });

  it('checks Accept (406) and Content-Type (400), accepting a charset parameter', async () => {
    const url = `${srv.lfsUrl('r1')}/objects/batch`;
    const body = { operation: 'download', objects: [] };
    expect((await call(url, { method: 'POST', json: body, headers: { accept: 'application/json' } })).status).toBe(406);
    expect((await call(url, { method: 'POST', json: body, headers: { 'content-type': 'application/json' } })).status).toBe(400);
    const ok = await call(url, { method: 'POST', json: body, headers: { 'content-type': `${LFS}; charset=utf-8` } });
    expect(ok.status).toBe(200);
    expect(ok.json.objects).toEqual([]);
  });
});

describe('storage', () => {
  it('round-trips an upload with a streaming sha256 check', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    const oid = await upload('r2', data);
    expect(await srv.objectSize('r2', oid)).toBe(data.length);
    const r = await batch('r2', 'download', [{ oid, size: data.length }]);
    const got = await rawGet(r.json.objects[0].actions.download.href);
    expect(got.status).toBe(200);
    expect(oidOf(got.body)).toBe(oid);
    await srv.settled();
    const put = srv.requests.find((e) => e.kind === 'storage-put');
    expect(put).toMatchObject({ repo: 'r2', oid, status: 200, bytesIn: data.length });
    expect(srv.requests.find((e) => e.kind === 'storage-get')).toMatchObject({ status: 200, bytesOut: data.length });
  });

  it('refuses a PUT whose content does not hash to the oid (403) or whose size is wrong (400)', async () => {
    const oid = oidOf('the real content');
    const r = await batch('r2', 'upload', [{ oid, size: 16 }]);
    const href = r.json.objects[0].actions.upload.href as string;
    expect((await call(href, { method: 'PUT', body: 'the fake content' })).status).toBe(403);
    expect((await call(href, { method: 'PUT', body: 'short' })).status).toBe(400);
    expect(await srv.hasObject('r2', oid)).toBe(false);
    expect((await call(href, { method: 'PUT', body: 'the real content' })).status).toBe(200);
    expect(await srv.hasObject('r2', oid)).toBe(true);
  });

  it('serves Range requests with 206 and answers bad ranges with 416', async () => {
    const oid = await srv.putObject('r2', '0123456789');
    const url = `${srv.url}/storage/r2/${oid}`;
    const part = await rawGet(url, { range: 'bytes=4-' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 4-9/10');
    expect(part.body.toString()).toBe('456789');
    expect((await rawGet(url, { range: 'bytes=2-3' })).body.toString()).toBe('23');
    for (const bad of ['bytes=10-', 'bytes=5-2', 'bytes=0-1,3-4', 'lines=1-2']) {
      const r = await rawGet(url, { range: bad });
      expect(r.status, bad).toBe(416);
      expect(r.headers['content-range']).toBe('bytes */10');
    }
  });
});

describe('auth', () => {
  it('asks for credentials with 401 + LFS-Authenticate, refuses wrong ones with 403, accepts right ones', async () => {
    const url = `${srv.lfsUrl('requirecreds-x')}/objects/batch`;
    const body = { operation: 'download', objects: [] };
    const none = await call(url, { method: 'POST', json: body });
    expect(none.status).toBe(401);
    expect(none.headers.get('lfs-authenticate')).toMatch(/^Basic realm=/);
    const basic = (u: string): string => `Basic ${Buffer.from(u).toString('base64')}`;
    expect((await call(url, { method: 'POST', json: body, headers: { authorization: basic('requirecreds:wrong') } })).status).toBe(403);
    expect((await call(url, { method: 'POST', json: body, headers: { authorization: basic('requirecreds:pass') } })).status).toBe(200);
    expect(srv.requests.map((e) => [e.status, e.headers.authorization])).toEqual([
      [401, false],
      [403, true],
      [200, true],
    ]);
    expect(srv.requests[2]!.headers.authUser).toBe('requirecreds');
  });
});

describe('failure switches', () => {
  it('per-object errors by magic content', async () => {
    const r = await batch('r3', 'upload', [404, 410, 422].map((c) => ({ oid: magicOid(`status-batch-${c}`), size: 16 })));
    expect(r.json.objects.map((o: { error: { code: number } }) => o.error.code)).toEqual([404, 410, 422]);
  });

  it('batch 429 with and without Retry-After, then success', async () => {
    const a = await batch('x-batch-retry-later', 'download', []);
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('1');
    expect((await batch('x-batch-retry-later', 'download', [])).status).toBe(200);
    const b = await batch('x-batch-retry-later-no-header', 'download', []);
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBeNull();
    srv.failNext({ kind: 'batch', status: 507, times: 2 });
    expect((await batch('r3', 'download', [])).status).toBe(507);
    expect((await batch('r3', 'download', [])).status).toBe(507);
    expect((await batch('r3', 'download', [])).status).toBe(200);
  });

  it('storage 503 twice by rule, per oid, then success', async () => {
    const oid = await srv.putObject('r3', 'flaky');
    const other = await srv.putObject('r3', 'steady');
    const h = srv.failNext({ kind: 'storage-get', oid, status: 503, retryAfter: 2, times: 2 });
    const url = (o: string): string => `${srv.url}/storage/r3/${o}`;
    expect((await rawGet(url(other))).status).toBe(200);
    const first = await rawGet(url(oid));
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('2');
    expect((await rawGet(url(oid))).status).toBe(503);
    expect((await rawGet(url(oid))).body.toString()).toBe('flaky');
    expect(h.hits).toBe(2);
  });

  it('truncated download, then Range resume with 206', async () => {
    const content = 'storage-download-retry-range';
    const oid = await srv.putObject('r3', content);
    const url = `${srv.url}/storage/r3/${oid}`;
    const cut = await rawGet(url);
    expect(cut.status).toBe(200);
    expect(cut.headers['content-length']).toBe(String(content.length));
    expect(cut.complete).toBe(false);
    expect(cut.body.length).toBe(content.length / 2);
    const rest = await rawGet(url, { range: `bytes=${cut.body.length}-` });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([cut.body, rest.body]).toString()).toBe(content);
    await srv.settled();
    const log = srv.requests.filter((e) => e.kind === 'storage-get');
    expect(log.map((e) => [e.status, e.aborted, e.headers.range])).toEqual([
      [200, true, undefined],
      [206, false, `bytes=${content.length / 2}-`],
    ]);
  });

  it('truncated download, then the Range request is rejected (416) or ignored (200)', async () => {
    const rej = await srv.putObject('r3', 'storage-download-retry-range-rejected');
    const ign = await srv.putObject('r3', 'storage-download-retry-range-ignored');
    expect((await rawGet(`${srv.url}/storage/r3/${rej}`)).complete).toBe(false);
    expect((await rawGet(`${srv.url}/storage/r3/${rej}`, { range: 'bytes=5-' })).status).toBe(416);
    expect((await rawGet(`${srv.url}/storage/r3/${rej}`)).body.toString()).toBe('storage-download-retry-range-rejected');
    expect((await rawGet(`${srv.url}/storage/r3/${ign}`)).complete).toBe(false);
    const full = await rawGet(`${srv.url}/storage/r3/${ign}`, { range: 'bytes=5-' });
    expect(full.status).toBe(200);
    expect(full.body.toString()).toBe('storage-download-retry-range-ignored');
  });

  it('corrupt bodies keep their length but not their bytes', async () => {
    const oid = await srv.putObject('r3', 'storage-download-corrupt');
    const r = await rawGet(`${srv.url}/storage/r3/${oid}`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe('storage-download-corrupt'.length);
    expect(oidOf(r.body)).not.toBe(oid);
  });

  it('expired actions once, and forever by rule', async () => {
    const oid = magicOid('return-expired-action');
    const first = await batch('r4', 'upload', [{ oid, size: 21 }]);
    const a = first.json.objects[0].actions.upload;
    expect(a.expires_in).toBeLessThan(0);
    expect(Date.parse(a.expires_at)).toBeLessThan(Date.now());
    const second = await batch('r4', 'upload', [{ oid, size: 21 }]);
    expect(second.json.objects[0].actions.upload.expires_in).toBeGreaterThan(0);
    expect(second.json.objects[0].actions.upload.expires_at).toBeUndefined();
    srv.failNext({ kind: 'object', expired: 'at', times: Infinity });
    for (let i = 0; i < 3; i++) {
      const r = await batch('r4', 'upload', [{ oid: oidOf('any'), size: 3 }]);
      expect(Date.parse(r.json.objects[0].actions.upload.expires_at)).toBeLessThan(Date.now());
    }
  });

  it('redirects storage to the other listener, which serves the object and sees no Authorization', async () => {
    const oid = await srv.putObject('r5', 'redirect me');
    srv.failNext({ kind: 'storage-get', redirect: 'other' });
    const url = `${srv.url}/storage/r5/${oid}`;
    const r = await call(url, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(r.status).toBe(307);
    const loc = r.headers.get('location')!;
    expect(loc.startsWith(`${srv.altUrl}/storage/r5/${oid}?redirected=`)).toBe(true);
    // fetch follows the cross-origin redirect (dropping Authorization, as clients must); the
    // other listener serves the object and its log shows what arrived there.
    srv.failNext({ kind: 'storage-get', redirect: 'other' });
    const followed = await fetch(url, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(await followed.text()).toBe('redirect me');
    await srv.settled();
    const alt = srv.requests.filter((e) => e.listener === 'alt');
    expect(alt).toHaveLength(1);
    expect(alt[0]).toMatchObject({ kind: 'storage-get', status: 200, headers: { authorization: false } });
  });

  it('fails verify N times, then succeeds', async () => {
    const repo = 'v-verify-fail-2-times';
    const data = Buffer.from('verified');
    const oid = oidOf(data);
    const r = await batch(repo, 'upload', [{ oid, size: data.length }]);
    const { upload: up, verify } = r.json.objects[0].actions;
    expect(verify.href).toBe(`${srv.url}/${repo}.git/info/lfs/verify`);
    expect((await call(up.href, { method: 'PUT', body: data })).status).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await call(verify.href, { method: 'POST', json: { oid, size: data.length } })).status);
    expect(codes).toEqual([503, 503, 200]);
    expect((await call(verify.href, { method: 'POST', json: { oid, size: 1 } })).status).toBe(422);
  });

  it('lies in the batch reply: unknown oid, invalid size, hash_algo', async () => {
    const unk = magicOid('unknown-oid');
    const inv = magicOid('return-invalid-size');
    const r = await batch('r6', 'upload', [
      { oid: unk, size: 11 },
      { oid: inv, size: 19 },
    ]);
    expect(r.json.objects[0].oid).not.toBe(unk);
    expect(r.json.objects[1].size).toBe(-1);
    const h = await batch('r6', 'upload', [{ oid: magicOid('batch-hash-algo-invalid'), size: 23 }]);
    expect(h.json.hash_algo).toBe('invalid');
  });

  it('oversize and slow bodies are bounded and documented by the log', async () => {
    const oid = await srv.putObject('r7', 'storage-download-oversize');
    const r = await rawGet(`${srv.url}/storage/r7/${oid}`);
    expect(r.headers['content-length']).toBe(String(25 + 1024));
    expect(r.body.length).toBe(25 + 1024);
    expect(r.body.subarray(0, 25).toString()).toBe('storage-download-oversize');
    const s = await srv.putObject('r7', 'slow!');
    srv.failNext({ kind: 'storage-get', slow: { bytes: 2, intervalMs: 5 } });
    const slow = await rawGet(`${srv.url}/storage/r7/${s}`);
    expect(slow.body.toString()).toBe('slow!');
    expect(srv.requests.at(-1)!.fault).toContain('slow');
  });

  it('endless bodies stop at the cap and never complete', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'tslfs-srv-'));
    const small = await startLfsServer({ root: dir2, maxEndlessBytes: 256 * 1024 });
    try {
      const oid = await small.putObject('r', 'storage-download-endless');
      const r = await rawGet(`${small.url}/storage/r/${oid}`);
      expect(r.headers['content-length']).toBeUndefined();
      expect(r.complete).toBe(false);
      expect(r.body.length).toBeGreaterThanOrEqual(256 * 1024);
      expect(r.body.length).toBeLessThan(1024 * 1024);
    } finally {
      await small.stop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});

describe('locks', () => {
  it('creates, conflicts, lists with cursor pagination, verifies ours/theirs and unlocks', async () => {
    const base = `${srv.lfsUrl('lk')}/locks`;
    const a = await call(base, { method: 'POST', json: { path: 'a.bin', ref: { name: 'refs/heads/main' } } });
    expect(a.status).toBe(201);
    expect(a.json.lock).toMatchObject({ path: 'a.bin', owner: { name: 'Test User' } });
    const dup = await call(base, { method: 'POST', json: { path: 'a.bin' } });
    expect(dup.status).toBe(409);
    expect(dup.json.lock.id).toBe(a.json.lock.id);
    await call(base, { method: 'POST', json: { path: 'b.bin' } });
    const theirs = srv.addLock('lk', 'c.bin');
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const r = await call(`${base}?cursor=${encodeURIComponent(cursor)}&limit=100`);
      expect(r.status).toBe(200);
      expect(r.json.locks.length).toBeLessThanOrEqual(2);
      seen.push(...r.json.locks.map((l: { path: string }) => l.path));
      if (!r.json.next_cursor) break;
      cursor = r.json.next_cursor;
    }
    expect(seen).toEqual(['a.bin', 'b.bin', 'c.bin']);
    expect((await call(`${base}?path=b.bin`)).json.locks).toHaveLength(1);
    const v1 = await call(`${base}/verify`, { method: 'POST', json: { ref: { name: 'refs/heads/main' } } });
    const v2 = await call(`${base}/verify`, { method: 'POST', json: { cursor: v1.json.next_cursor } });
    expect([...v1.json.ours, ...v2.json.ours].map((l: { path: string }) => l.path)).toEqual(['a.bin', 'b.bin']);
    expect(v2.json.theirs.map((l: { id: string }) => l.id)).toEqual([theirs.id]);
    expect((await call(`${base}/${theirs.id}/unlock`, { method: 'POST', json: {} })).status).toBe(403);
    expect((await call(`${base}/${theirs.id}/unlock`, { method: 'POST', json: { force: true } })).json.lock.id).toBe(theirs.id);
    expect((await call(`${base}/nope/unlock`, { method: 'POST', json: {} })).status).toBe(404);
    expect(srv.listLocks('lk').map((l) => l.path)).toEqual(['a.bin', 'b.bin']);
  });

  it('locks-verify switches and a looping cursor', async () => {
    expect((await call(`${srv.lfsUrl('x-locks-verify-501')}/locks/verify`, { method: 'POST', json: {} })).status).toBe(501);
    srv.addLock('loop', 'a');
    srv.addLock('loop', 'b');
    srv.addLock('loop', 'c');
    srv.failNext({ kind: 'locks', cursorLoop: true, times: Infinity });
    const r = await call(`${srv.lfsUrl('loop')}/locks?cursor=`);
    const again = await call(`${srv.lfsUrl('loop')}/locks?cursor=${r.json.next_cursor}`);
    expect(again.json.next_cursor).toBe(r.json.next_cursor);
  });
});

describe('lifecycle', () => {
  it('binds 127.0.0.1 only, and restart() keeps the port and the objects', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'tslfs-srv-'));
    const s = await startLfsServer({ root: dir2 });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const oid = await s.putObject('r', 'persist');
      const port = s.port;
      await s.restart(50);
      expect(s.port).toBe(port);
      expect((await rawGet(`${s.url}/storage/r/${oid}`)).body.toString()).toBe('persist');
    } finally {
      await s.stop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('stop() ends a hanging request instead of waiting for it', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'tslfs-srv-'));
    const s = await startLfsServer({ root: dir2 });
    try {
      s.failNext({ kind: 'batch', hangMs: 60_000 });
      const pending = fetch(`${s.lfsUrl('r')}/objects/batch`, { method: 'POST', headers: { accept: LFS, 'content-type': LFS }, body: '{"operation":"download","objects":[]}' }).then(
        () => 'answered',
        () => 'failed',
      );
      for (let i = 0; i < 500 && s.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(s.requests[0]).toMatchObject({ kind: 'batch' });
      await s.stop();
      expect(await pending).toBe('failed');
    } finally {
      await s.stop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});

describe('more switches', () => {
  it('batch status by repo name, with extra X-* headers in the log', async () => {
    for (const code of [401, 403, 404, 500, 503, 507]) {
      const r = await batch(`x-batch-status-${code}`, 'download', [], {}, { 'x-trace-id': `t${code}` });
      expect(r.status, String(code)).toBe(code);
      expect(r.json.message).toBeTypeOf('string');
      if (code === 401) expect(r.headers.get('lfs-authenticate')).toMatch(/^Basic /);
    }
    expect(srv.requests.map((e) => e.headers.extra['x-trace-id'])).toEqual(['t401', 't403', 't404', 't500', 't503', 't507']);
    expect((await batch('x-batchunsupported', 'download', [])).status).toBe(404);
    expect((await batch('x-badbatch', 'download', [])).status).toBe(203);
  });

  it('storage PUT status by magic content, dropped connections, and fake success', async () => {
    const put = async (repo: string, content: string): Promise<number | string> => {
      const r = await batch(repo, 'upload', [{ oid: oidOf(content), size: content.length }]);
      try {
        return (await call(r.json.objects[0].actions.upload.href, { method: 'PUT', body: content })).status;
      } catch {
        return 'network error';
      }
    };
    expect(await put('r8', 'status-storage-507')).toBe(507);
    expect(await put('r8', 'status-storage-507')).toBe(507);
    expect(await put('r8', 'storage-upload-drop')).toBe('network error');
    expect(await put('r8', 'storage-upload-drop')).toBe(200);
    expect(await put('r8', 'storage-upload-fake-success')).toBe(200);
    expect(await srv.hasObject('r8', magicOid('storage-upload-fake-success'))).toBe(false);
    srv.failNext({ kind: 'batch', drop: true });
    await expect(batch('r8', 'download', [])).rejects.toThrow();
    await srv.settled();
    expect(srv.requests.filter((e) => e.kind === 'batch').at(-1)).toMatchObject({ status: 0, aborted: true });
  });

  it('rules select by repo/oid/operation, honour skip/times/perOid and can be removed', async () => {
    const a = await srv.putObject('r9', 'a');
    const b = await srv.putObject('r9', 'b');
    const get = async (oid: string): Promise<number> => (await rawGet(`${srv.url}/storage/r9/${oid}`)).status;
    const h = srv.failNext({ kind: 'storage-get', status: 500, skip: 1, times: 2, perOid: true });
    expect([await get(a), await get(a), await get(b), await get(a), await get(b), await get(b), await get(a)]).toEqual([200, 500, 200, 500, 500, 500, 200]);
    expect(h.hits).toBe(4);
    h.remove();
    const other = srv.failNext({ kind: 'storage-get', repo: 'elsewhere', status: 500, times: Infinity });
    expect(await get(a)).toBe(200);
    expect(other.seen).toBe(0);
    srv.failNext({ kind: 'batch', operation: 'upload', status: 422 });
    expect((await batch('r9', 'download', [])).status).toBe(200);
    expect((await batch('r9', 'upload', [])).status).toBe(422);
  });
});

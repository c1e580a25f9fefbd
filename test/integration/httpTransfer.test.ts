/**
 * The HTTP layer (src/http) against the test LFS server on 127.0.0.1: the batch client, the
 * basic adapter and the authenticator, driven by the real TransferQueue in-process, with real
 * git for `git credential` and a logging credential helper. Delays are recorded by an injected
 * sleep instead of waited for.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../../src/http/createHttpTransport.js';
import { openRepo } from '../../src/ops/repoContext.js';
import type { Transport } from '../../src/transfer/createQueue.js';
import { TransferQueue, type TransferResult } from '../../src/transfer/TransferQueue.js';
import { magicOid, oidOf, startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let srv: LfsServer;
let repoN = 0;

beforeAll(async () => {
  sb = makeSandbox();
  srv = await startLfsServer({ root: join(sb.root, 'srv') });
});

afterAll(async () => {
  await srv?.stop();
  sb?.cleanup();
});

afterEach(() => {
  srv.clearRules();
  srv.clearRequests();
});

interface Run {
  results: TransferResult[];
  sleeps: number[];
  warnings: string[];
  lfsDir: string;
  dir: string;
}

interface RunOpts {
  /** Server repo key (the LFS URL is srv.lfsUrl(repo) unless endpoint is given). */
  repo: string;
  endpoint?: string;
  remoteUrl?: string;
  /** git config set in the local repo before the run. */
  config?: Array<[string, string]>;
  maxRetries?: number;
  /** Really wait between retries (default: record the delay and go on at once). */
  realSleep?: boolean;
  /** Called once the queue has started. */
  during?: () => Promise<void>;
  /** Extra environment for the run. */
  env?: Record<string, string>;
  /** Objects to put in the local store first (uploads). */
  local?: Array<string | Buffer>;
  dir?: string;
}

async function newRepo(config: Array<[string, string]> = []): Promise<string> {
  const dir = await sb.initRepo(`local${++repoN}`, 'none');
  for (const [k, v] of config) await sb.git(['config', '--add', k, v], { cwd: dir });
  return dir;
}

async function run(direction: 'download' | 'upload', items: Array<{ oid: string; size: number; name?: string }>, o: RunOpts): Promise<Run> {
  const dir = o.dir ?? (await newRepo(o.config));
  if (o.dir) for (const [k, v] of o.config ?? []) await sb.git(['config', '--add', k, v], { cwd: dir });
  const env = { ...sb.env, ...o.env };
  const ctx = await openRepo({ cwd: dir, env });
  for (const data of o.local ?? []) await ctx.store.insert(Readable.from([Buffer.from(data)]));
  const warnings: string[] = [];
  const t = createHttpTransport({
    endpointUrl: o.endpoint ?? srv.lfsUrl(o.repo),
    remoteUrl: o.remoteUrl ?? null,
    config: ctx.config,
    env,
    cwd: dir,
    refName: 'refs/heads/main',
    onWarning: (m) => warnings.push(m),
  });
  // The HTTP transport must fit the transfer layer's Transport type (checked by tsc).
  const transport: Transport = { batcher: t.batcher, adapterFor: (n) => t.adapterFor(n) };
  const sleeps: number[] = [];
  const q = new TransferQueue({
    direction,
    batcher: transport.batcher,
    adapterFor: (n) => transport.adapterFor(n),
    store: ctx.store,
    maxRetries: o.maxRetries ?? 3,
    sleep: async (ms) => {
      sleeps.push(ms);
      if (o.realSleep) await new Promise((r) => setTimeout(r, ms));
    },
  });
  for (const it of items) void q.add({ oid: it.oid, size: it.size, name: it.name ?? it.oid.slice(0, 8) });
  await o.during?.();
  const results = await q.finish();
  await t.close();
  await srv.settled();
  return { results, sleeps, warnings, lfsDir: ctx.store.layout.lfsDir, dir };
}

function obj(content: string | Buffer): { oid: string; size: number; data: Buffer } {
  const data = Buffer.from(content);
  return { oid: oidOf(data), size: data.length, data };
}

function magic(name: string): { oid: string; size: number; data: Buffer } {
  const o = obj(name);
  expect(o.oid).toBe(magicOid(name));
  return o;
}

function stored(lfsDir: string, oid: string): string | null {
  const p = join(lfsDir, 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

function tmpFiles(lfsDir: string): string[] {
  const t = join(lfsDir, 'tmp');
  return existsSync(t) ? readdirSync(t) : [];
}

/** A credential helper script that logs every call (verb + stdin) and answers `get` with user/pass. */
function helperScript(name: string, user: string, pass: string): { path: string; log: () => string } {
  const log = join(sb.root, `${name}.log`);
  const path = join(sb.root, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\necho "== $1" >> '${log}'\ncat >> '${log}'\nif [ "$1" = get ]; then printf 'username=${user}\\npassword=${pass}\\n'; fi\n`);
  chmodSync(path, 0o755);
  return { path, log: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
}

describe('batch API and basic transfers', () => {
  it('downloads objects: batch with the LFS media type and User-Agent, bytes verified into the store', async () => {
    const a = obj('alpha\n');
    const b = obj('bravo bravo\n');
    await srv.putObject('dl', a.data);
    await srv.putObject('dl', b.data);
    const r = await run('download', [a, b], { repo: 'dl' });
    expect(r.results.map((x) => x.status)).toEqual(['transferred', 'transferred']);
    expect(stored(r.lfsDir, a.oid)).toBe('alpha\n');
    expect(stored(r.lfsDir, b.oid)).toBe('bravo bravo\n');
    const batch = srv.requests.find((q) => q.kind === 'batch')!;
    expect(batch.headers.accept).toBe('application/vnd.git-lfs+json');
    expect(batch.headers.contentType).toBe('application/vnd.git-lfs+json');
    expect(batch.headers.userAgent).toMatch(/^tslfs\//);
    expect(batch.oids?.sort()).toEqual([a.oid, b.oid].sort());
    expect(tmpFiles(r.lfsDir)).toEqual([]);
  });

  it('uploads with Content-Length, skips objects the server has, and calls verify', async () => {
    const a = obj('upload me\n');
    const have = obj('already there\n');
    await srv.putObject('up', have.data);
    srv.failNext({ kind: 'object', repo: 'up', oid: a.oid, verifyAction: true });
    const r = await run('upload', [a, have], { repo: 'up', local: [a.data, have.data] });
    const by = Object.fromEntries(r.results.map((x) => [x.oid, x.status]));
    expect(by).toEqual({ [a.oid]: 'transferred', [have.oid]: 'skipped' });
    expect(await srv.hasObject('up', a.oid)).toBe(true);
    const puts = srv.requests.filter((q) => q.kind === 'storage-put');
    expect(puts.map((p) => p.oid)).toEqual([a.oid]);
    expect(puts[0]!.headers.contentLength).toBe(String(a.size));
    expect(puts[0]!.headers.transferEncoding).toBeUndefined();
    expect(srv.requests.filter((q) => q.kind === 'verify' && q.status === 200)).toHaveLength(1);
  });

  it('reports per-object errors as "[oid] message" and still transfers the others', async () => {
    const bad = magic('status-batch-404');
    const good = obj('fine object\n');
    await srv.putObject('perobj', good.data);
    const r = await run('download', [bad, good], { repo: 'perobj' });
    const failed = r.results.find((x) => x.oid === bad.oid)!;
    expect(failed.status).toBe('failed');
    expect(failed.error!.message).toMatch(new RegExp(`^\\[${bad.oid}\\] .+`));
    expect(r.results.find((x) => x.oid === good.oid)!.status).toBe('transferred');
  });

  it('rejects hostile batch replies: unknown oid, invalid size, bad hash_algo', async () => {
    const unk = magic('unknown-oid');
    const size = magic('return-invalid-size');
    await srv.putObject('hostile', unk.data);
    await srv.putObject('hostile', size.data);
    const r = await run('download', [unk, size], { repo: 'hostile' });
    const msg = (oid: string) => r.results.find((x) => x.oid === oid)!.error?.message ?? '';
    expect(msg(unk.oid)).toContain('unknown OID');
    expect(msg(size.oid)).toMatch(/invalid size/);
    expect(stored(r.lfsDir, unk.oid)).toBeNull();
    expect(srv.requests.some((q) => q.kind === 'storage-get')).toBe(false);

    const o = obj('hash algo object\n');
    await srv.putObject('algo', o.data);
    srv.failNext({ kind: 'batch', repo: 'algo', hashAlgo: 'sha1', times: Infinity });
    const r2 = await run('download', [o], { repo: 'algo' });
    expect(r2.results[0]!.error?.message).toMatch(/unsupported hash algorithm "sha1"/);
  });

  it('accepts the legacy _links form', async () => {
    const o = magic('send-deprecated-links');
    await srv.putObject('links', o.data);
    const r = await run('download', [o], { repo: 'links' });
    expect(r.results[0]!.status).toBe('transferred');
  });

  it('gives canned messages for whole-batch errors and does not retry a 500', async () => {
    const o = obj('batch status\n');
    srv.failNext({ kind: 'batch', repo: 'b404', status: 404, body: 'not json', contentType: 'text/plain' });
    const r = await run('download', [o], { repo: 'b404' });
    expect(r.results[0]!.error?.message).toBe(
      `Repository or object not found: ${srv.lfsUrl('b404')}/objects/batch\nCheck that it exists and that you have proper access to it`,
    );
    srv.clearRequests();
    srv.failNext({ kind: 'batch', repo: 'b500', status: 500, message: 'boom from server', times: Infinity });
    const r2 = await run('download', [o], { repo: 'b500' });
    expect(r2.results[0]!.error?.message).toMatch(/^boom from server\nDocs: https:\/\/.*\nRequest ID: /);
    expect(srv.requests.filter((q) => q.kind === 'batch')).toHaveLength(1);
    expect(r2.sleeps).toEqual([]);
  });

  it('rejects a batch reply with a 2xx status other than 200', async () => {
    const o = obj('parse me\n');
    const r = await run('download', [o], { repo: 'badbatch', maxRetries: 0 });
    expect(r.results[0]!.error?.message).toMatch(/batch response: unexpected HTTP status 203/);
  });
});

describe('retries, Retry-After and expiry', () => {
  it('honours Retry-After on a batch 429 and on a storage 429', async () => {
    const o = obj('rate limited\n');
    await srv.putObject('batch-retry-later', o.data);
    const r = await run('download', [o], { repo: 'batch-retry-later' });
    expect(r.results[0]!.status).toBe('transferred');
    expect(r.sleeps).toEqual([1000]);

    const s = magic('storage-download-retry-later');
    await srv.putObject('st429', s.data);
    const r2 = await run('download', [s], { repo: 'st429' });
    expect(r2.results[0]!.status).toBe('transferred');
    expect(r2.sleeps).toEqual([1000]);

    const u = magic('storage-upload-retry-later');
    const r3 = await run('upload', [u], { repo: 'up429', local: [u.data] });
    expect(r3.results[0]!.status).toBe('transferred');
    expect(r3.sleeps).toEqual([1000]);
  });

  it('honours Retry-After on a storage 503', async () => {
    const o = obj('busy storage\n');
    await srv.putObject('st503', o.data);
    srv.failNext({ kind: 'storage-get', repo: 'st503', status: 503, retryAfter: 7 });
    const r = await run('download', [o], { repo: 'st503' });
    expect(r.results[0]!.status).toBe('transferred');
    expect(r.sleeps).toEqual([7000]);
  });

  it('fails at once when Retry-After exceeds lfs.transfer.maxretrytime', async () => {
    const o = obj('wait too long\n');
    const r = await run('download', [o], { repo: 'batch-retry-later-exceeds-max' });
    expect(r.results[0]!.status).toBe('failed');
    expect(r.results[0]!.error?.message).toMatch(/longer than lfs\.transfer\.maxretrytime/);
    expect(r.sleeps).toEqual([]);
  });

  it('re-requests expired actions, and reports actions that are always expired', async () => {
    const once = magic('return-expired-action');
    await srv.putObject('exp', once.data);
    const r = await run('download', [once], { repo: 'exp' });
    expect(r.results[0]!.status).toBe('transferred');
    expect(srv.requests.filter((q) => q.kind === 'batch')).toHaveLength(2);
    srv.clearRequests();

    const always = magic('return-expired-action-forever');
    await srv.putObject('exp2', always.data);
    const r2 = await run('download', [always], { repo: 'exp2', maxRetries: 2 });
    expect(r2.results[0]!.status).toBe('failed');
    expect(r2.results[0]!.error?.message).toMatch(/action "download" expired/);
    expect(srv.requests.filter((q) => q.kind === 'storage-get')).toHaveLength(0);
    expect(srv.requests.filter((q) => q.kind === 'batch')).toHaveLength(3);
  });

  it('retries verify until it succeeds (maxverifies), and fails the object when verify keeps failing', async () => {
    const o = obj('verify twice\n');
    const r = await run('upload', [o], { repo: 'verify-fail-2-times', local: [o.data] });
    expect(r.results[0]!.status).toBe('transferred');
    expect(srv.requests.filter((q) => q.kind === 'verify').map((q) => q.status)).toEqual([503, 503, 200]);

    const r2 = await run('upload', [o], { repo: 'verify-404', local: [o.data], maxRetries: 0 });
    expect(r2.results[0]!.status).toBe('failed');
    expect(r2.results[0]!.error?.message).toMatch(/verify failed after 3 attempts/);
  });
});

describe('upload integrity', () => {
  // Small objects are read and checked before the request; big ones are checked as they stream
  // and the last chunk is held back until the hash matches.
  it.each([
    ['small (read whole)', 'the real content\n'],
    ['big (streamed)', 'the real content\n'.repeat(100_000)],
  ])('never sends a local object whose bytes do not hash to its oid: %s', async (_kind, text) => {
    const good = obj(text);
    const dir = await newRepo();
    const ctx = await openRepo({ cwd: dir, env: sb.env });
    const p = ctx.store.objectPath(good.oid);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text.toUpperCase()); // same size, other bytes
    const r = await run('upload', [good], { repo: 'upcorrupt', dir, maxRetries: 0 });
    expect(r.results[0]!.status).toBe('failed');
    expect(r.results[0]!.error?.name).toBe('IntegrityError');
    expect(r.results[0]!.error?.message).toMatch(/local object is corrupt/);
    expect(await srv.hasObject('upcorrupt', good.oid)).toBe(false);
    for (const put of srv.requests.filter((q) => q.kind === 'storage-put')) expect(put.bytesIn).toBeLessThan(good.size);
  });
});

describe('download integrity and resume', () => {
  it('resumes a truncated body with Range: only the remainder is sent again', async () => {
    const o = magic('storage-download-retry-range');
    await srv.putObject('range', o.data);
    const r = await run('download', [o], { repo: 'range' });
    expect(r.results[0]!.status).toBe('transferred');
    expect(stored(r.lfsDir, o.oid)).toBe('storage-download-retry-range');
    const gets = srv.requests.filter((q) => q.kind === 'storage-get');
    expect(gets).toHaveLength(2);
    const half = Math.floor(o.size / 2);
    expect(gets[0]!.bytesOut).toBe(half);
    expect(gets[1]!.headers.range).toBe(`bytes=${half}-${o.size - 1}`);
    expect(gets[1]!.status).toBe(206);
    expect(gets[1]!.bytesOut).toBe(o.size - half);
    expect(r.sleeps).toEqual([]);
  });

  it('keeps a failed download in incomplete/<oid>.part and resumes from it in a later attempt', async () => {
    const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(3));
    const o = obj(data);
    await srv.putObject('part', data);
    const dir = await newRepo();
    const ctx = await openRepo({ cwd: dir, env: sb.env });
    const t = createHttpTransport({ endpointUrl: srv.lfsUrl('part'), config: ctx.config, env: sb.env, cwd: dir });
    const item = { oid: o.oid, size: o.size, name: 'p' };
    // Every GET breaks off after 5 bytes: the call resumes in-process 3 times, then fails.
    srv.failNext({ kind: 'storage-get', repo: 'part', truncate: 5, times: Infinity });
    const reply = await t.batcher.batch('download', [item]);
    const req = { ...item, direction: 'download' as const, action: reply.objects[0]!.action };
    const w1 = await ctx.store.newWriter({ resume: { oid: o.oid, size: o.size } });
    expect(w1.offset).toBe(0);
    await expect(t.adapterFor('basic').download(req, w1, () => {})).rejects.toThrow();
    await w1.abort();
    const part = join(ctx.store.layout.incompleteDir, `${o.oid}.part`);
    expect(readFileSync(part)).toEqual(data.subarray(0, 20));
    const ranges = srv.requests.filter((q) => q.kind === 'storage-get').map((q) => q.headers.range);
    expect(ranges).toEqual([undefined, 'bytes=5-107', 'bytes=10-107', 'bytes=15-107']);

    srv.clearRules();
    srv.clearRequests();
    const w2 = await ctx.store.newWriter({ resume: { oid: o.oid, size: o.size } });
    expect(w2.offset).toBe(20);
    expect(existsSync(part)).toBe(false); // claimed
    await t.adapterFor('basic').download(req, w2, () => {});
    await w2.commit({ oid: o.oid, size: o.size });
    expect(stored(ctx.store.layout.lfsDir, o.oid)).toBe(data.toString());
    const gets = srv.requests.filter((q) => q.kind === 'storage-get');
    expect(gets.map((g) => [g.headers.range, g.status, g.bytesOut])).toEqual([[`bytes=20-${o.size - 1}`, 206, o.size - 20]]);
    await t.close();
  });

  it('recovers when the Range is ignored (200) or rejected (416)', async () => {
    for (const name of ['storage-download-retry-range-ignored', 'storage-download-retry-range-rejected']) {
      const o = magic(name);
      await srv.putObject('range2', o.data);
      const r = await run('download', [o], { repo: 'range2' });
      expect(r.results[0]!.status, name).toBe('transferred');
      expect(stored(r.lfsDir, o.oid)).toBe(name);
      srv.clearRequests();
    }
  });

  it('never stores a corrupt body (IntegrityError after retries)', async () => {
    const o = magic('storage-download-corrupt');
    await srv.putObject('corrupt', o.data);
    const r = await run('download', [o], { repo: 'corrupt', maxRetries: 1 });
    expect(r.results[0]!.status).toBe('failed');
    expect(r.results[0]!.error?.name).toBe('IntegrityError');
    expect(r.results[0]!.error?.message).toMatch(new RegExp(`expected OID ${o.oid}, got [0-9a-f]{64} after ${o.size} bytes written`));
    expect(stored(r.lfsDir, o.oid)).toBeNull();
    expect(tmpFiles(r.lfsDir)).toEqual([]);
    expect(srv.requests.filter((q) => q.kind === 'storage-get')).toHaveLength(2);
  });

  it('caps endless and oversized bodies at the object size', async () => {
    for (const name of ['storage-download-endless', 'storage-download-oversize']) {
      const o = magic(name);
      await srv.putObject('cap', o.data);
      const r = await run('download', [o], { repo: 'cap', maxRetries: 0 });
      expect(r.results[0]!.status, name).toBe('failed');
      expect(r.results[0]!.error?.message).toMatch(/more than the object's|announced/);
      expect(stored(r.lfsDir, o.oid)).toBeNull();
      expect(tmpFiles(r.lfsDir)).toEqual([]);
    }
  });

  it('survives a server restart mid-download (reset, then refused connections are retried)', async () => {
    const data = Buffer.from('x'.repeat(120));
    const o = obj(data);
    await srv.putObject('restart', data);
    srv.failNext({ kind: 'storage-get', repo: 'restart', slow: { bytes: 1, intervalMs: 10, maxMs: 5000 } });
    const r = await run('download', [o], {
      repo: 'restart',
      realSleep: true,
      maxRetries: 8,
      during: async () => {
        for (let i = 0; i < 100 && !srv.requests.some((q) => q.kind === 'storage-get'); i++) await new Promise((res) => setTimeout(res, 20));
        await new Promise((res) => setTimeout(res, 200));
        await srv.restart(600);
      },
    });
    expect(r.results[0]!.error?.message ?? '', JSON.stringify(r.sleeps)).toBe('');
    expect(r.results[0]!.status).toBe('transferred');
    expect(stored(r.lfsDir, o.oid)).toBe(data.toString());
    expect(r.sleeps.length).toBeGreaterThanOrEqual(1);
  });

  it('fails fast, without retries, when the server is unreachable', async () => {
    const o = obj('nobody home\n');
    const r = await run('download', [o], { repo: 'x', endpoint: 'http://127.0.0.1:1/r.git/info/lfs', maxRetries: 8 });
    expect(r.results[0]!.status).toBe('failed');
    expect(r.results[0]!.error?.message).toBe('POST http://127.0.0.1:1/r.git/info/lfs/objects/batch: connection refused');
    expect(r.sleeps).toEqual([]);
  });

  it('retries a dropped connection and a 500 on storage', async () => {
    const o = magic('storage-download-drop');
    await srv.putObject('drop', o.data);
    const r = await run('download', [o], { repo: 'drop' });
    expect(r.results[0]!.status).toBe('transferred');
    const u = magic('storage-upload-retry');
    const r2 = await run('upload', [u], { repo: 'putretry', local: [u.data] });
    expect(r2.results[0]!.status).toBe('transferred');
    expect(srv.requests.filter((q) => q.kind === 'storage-put').map((q) => q.status)).toEqual([500, 500, 200]);
  });
});

describe('timeouts', () => {
  it('gives up on a server that never answers after lfs.activitytimeout', async () => {
    const o = obj('hang\n');
    await srv.putObject('hang', o.data);
    srv.failNext({ kind: 'storage-get', repo: 'hang', hangMs: 10_000, times: Infinity });
    const r = await run('download', [o], { repo: 'hang', config: [['lfs.activitytimeout', '1']], maxRetries: 0 });
    expect(r.results[0]!.status).toBe('failed');
    expect(r.results[0]!.error?.message).toMatch(/activity timeout/);
    expect(stored(r.lfsDir, o.oid)).toBeNull();
  });
});

describe('redirects', () => {
  it('follows a storage redirect to another port without Authorization or extra headers', async () => {
    const o = magic('redirect-storage-other-host');
    await srv.putObject('redir', o.data);
    srv.failNext({ kind: 'object', repo: 'redir', actionHeaders: { Authorization: 'Bearer action-secret', 'X-Action': 'a1' }, times: Infinity });
    const r = await run('download', [o], { repo: 'redir', config: [['http.extraheader', 'X-Extra: e1']] });
    expect(r.results[0]!.status).toBe('transferred');
    const gets = srv.requests.filter((q) => q.kind === 'storage-get');
    expect(gets.map((g) => g.listener)).toEqual(['main', 'alt']);
    expect(gets[0]!.headers.authorization).toBe(true);
    expect(gets[0]!.headers.extra).toMatchObject({ 'x-action': 'a1', 'x-extra': 'e1' });
    expect(gets[1]!.headers.authorization).toBe(false);
    expect(gets[1]!.headers.extra).toEqual({});
  });

  it('keeps method and body on a 307 for uploads', async () => {
    const o = magic('redirect-storage-upload');
    const r = await run('upload', [o], { repo: 'redirup', local: [o.data] });
    expect(r.results[0]!.status).toBe('transferred');
    const puts = srv.requests.filter((q) => q.kind === 'storage-put');
    expect(puts.map((p) => p.status)).toEqual([307, 200]);
    expect(puts[1]!.bytesIn).toBe(o.size);
  });

  it('stops after 3 hops', async () => {
    const o = obj('loop\n');
    await srv.putObject('loop', o.data);
    srv.failNext({ kind: 'storage-get', repo: 'loop', redirect: 'same', times: Infinity });
    const r = await run('download', [o], { repo: 'loop', maxRetries: 0 });
    expect(r.results[0]!.error?.message).toMatch(/too many redirects/);
    expect(srv.requests.filter((q) => q.kind === 'storage-get')).toHaveLength(4);
  });
});

/** A minimal forwarding HTTP proxy (absolute-URI requests only) that logs what it sees. */
async function startProxy(): Promise<{ url: string; seen: Array<{ method: string; url: string; auth?: string }>; stop: () => Promise<void> }> {
  const seen: Array<{ method: string; url: string; auth?: string }> = [];
  const server = createServer((req, res) => {
    const auth = req.headers['proxy-authorization'];
    seen.push({ method: req.method!, url: req.url!, ...(auth ? { auth } : {}) });
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const up = httpRequest(req.url!, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('proxies', () => {
  it('sends API and storage requests through http.proxy with Proxy-Authorization; NO_PROXY bypasses', async () => {
    const proxy = await startProxy();
    try {
      const o = obj('through the proxy\n');
      await srv.putObject('proxied', o.data);
      const withCreds = proxy.url.replace('http://', 'http://puser:ppass@');
      const r = await run('download', [o], { repo: 'proxied', config: [['http.proxy', withCreds]] });
      expect(r.results[0]!.status).toBe('transferred');
      expect(proxy.seen.map((s) => s.method)).toEqual(['POST', 'GET']);
      expect(proxy.seen[0]!.url).toBe(`${srv.lfsUrl('proxied')}/objects/batch`);
      expect(proxy.seen.every((s) => s.auth === `Basic ${Buffer.from('puser:ppass').toString('base64')}`)).toBe(true);

      proxy.seen.length = 0;
      const r2 = await run('download', [o], { repo: 'proxied', env: { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' } });
      expect(r2.results[0]!.status).toBe('transferred');
      expect(proxy.seen).toEqual([]);
      const r3 = await run('download', [o], { repo: 'proxied', env: { http_proxy: proxy.url } });
      expect(r3.results[0]!.status).toBe('transferred');
      expect(proxy.seen).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
  });
});

describe('TLS', () => {
  it('refuses a self-signed certificate unless http.sslCAInfo trusts it, and refuses https->http redirects', async () => {
    const key = join(sb.root, 'tls-key.pem');
    const cert = join(sb.root, 'tls-cert.pem');
    const gen = await sb.run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const seen: string[] = [];
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url!.startsWith('/down/')) {
        res.writeHead(307, { Location: `${srv.url}/insecure` });
        res.end();
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('nope');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const o = obj('tls object\n');
      const r = await run('download', [o], { repo: 'x', endpoint: `${base}/r.git/info/lfs`, maxRetries: 0 });
      expect(r.results[0]!.error?.message).toMatch(/self[- ]signed certificate/);
      expect(seen).toEqual([]);
      const r2 = await run('download', [o], { repo: 'x', endpoint: `${base}/r.git/info/lfs`, config: [['http.sslcainfo', cert]], maxRetries: 0 });
      expect(r2.results[0]!.error?.message).toMatch(/^Repository or object not found: https:/);
      const r3 = await run('download', [o], { repo: 'x', endpoint: `${base}/down/r.git/info/lfs`, config: [['http.sslcainfo', cert]], maxRetries: 0 });
      expect(r3.results[0]!.error?.message).toMatch(/^refusing insecure redirect, https->http/);
      expect(srv.requests.some((q) => q.path === '/insecure')).toBe(false);
    } finally {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
  });
});

describe('authentication', () => {
  it('asks the credential helper after a 401, approves, and records lfs.<url>.access=basic', async () => {
    const h = helperScript('helper1', 'requirecreds', 'pass');
    const o = obj('secret object\n');
    await srv.putObject('requirecreds-a', o.data);
    const r = await run('download', [o], { repo: 'requirecreds-a', config: [['credential.helper', h.path]] });
    expect(r.results[0]!.status).toBe('transferred');
    const log = h.log();
    expect(log).toContain('== get');
    expect(log).toContain('protocol=http');
    expect(log).toContain(`host=127.0.0.1:${srv.port}`);
    expect(log).not.toContain('path=');
    expect(log).toContain('== store');
    const batches = srv.requests.filter((q) => q.kind === 'batch');
    expect(batches.map((b) => b.status)).toEqual([401, 200]);
    expect(batches[1]!.headers.authUser).toBe('requirecreds');
    const access = await sb.git(['config', '--local', `lfs.${srv.lfsUrl('requirecreds-a')}.access`], { cwd: r.dir });
    expect(access.stdout.trim()).toBe('basic');

    // The next run sends credentials up front.
    srv.clearRequests();
    const r2 = await run('download', [o], { repo: 'requirecreds-a', dir: r.dir });
    expect(r2.results[0]!.status).toBe('transferred');
    expect(srv.requests.filter((q) => q.kind === 'batch').map((b) => b.status)).toEqual([200]);
  });

  it('gives up after 3 credential attempts on an endless 401, rejecting each, without leaking the password', async () => {
    const h = helperScript('helper2', 'someone', 'sentinel-pw-123');
    const o = obj('always 401\n');
    srv.failNext({ kind: 'batch', repo: 'always401', status: 401, times: Infinity });
    const r = await run('download', [o], { repo: 'always401', config: [['credential.helper', h.path]], maxRetries: 0 });
    expect(r.results[0]!.status).toBe('failed');
    const msg = r.results[0]!.error!.message;
    expect(msg).toMatch(/too many authentication attempts|Authorization error/);
    expect(msg).not.toContain('sentinel-pw-123');
    const log = h.log();
    expect(log.match(/== get/g)).toHaveLength(3);
    expect(log.match(/== erase/g)?.length).toBeGreaterThanOrEqual(1);
    expect(srv.requests.filter((q) => q.kind === 'batch').length).toBeLessThanOrEqual(4);
  });

  it('uses credentials from the URL without the helper and keeps them out of messages', async () => {
    const h = helperScript('helper3', 'x', 'y');
    const o = obj('url creds\n');
    await srv.putObject('requirecreds-u', o.data);
    const url = srv.lfsUrl('requirecreds-u').replace('http://', 'http://requirecreds:pass@');
    const r = await run('download', [o], { repo: 'requirecreds-u', endpoint: url, config: [['credential.helper', h.path]] });
    expect(r.results[0]!.status).toBe('transferred');
    expect(h.log()).toBe('');

    const bad = srv.lfsUrl('batch-status-500').replace('http://', 'http://user:s3cr3t-token@');
    const r2 = await run('download', [o], { repo: 'batch-status-500', endpoint: bad });
    expect(r2.results[0]!.status).toBe('failed');
    expect(r2.results[0]!.error!.message).not.toContain('s3cr3t-token');
  });

  it('passes a user name from the URL to the helper (no password: not used as credentials)', async () => {
    const h = helperScript('helper6', 'requirecreds', 'pass');
    const o = obj('user only\n');
    await srv.putObject('requirecreds-user', o.data);
    const url = srv.lfsUrl('requirecreds-user').replace('http://', 'http://requirecreds@');
    const r = await run('download', [o], { repo: 'requirecreds-user', endpoint: url, config: [['credential.helper', h.path]] });
    expect(r.results[0]!.status).toBe('transferred');
    expect(h.log()).toContain('username=requirecreds');
    expect(srv.requests.filter((q) => q.kind === 'batch').map((b) => b.status)).toEqual([401, 200]);
  });

  it('uses the git remote URL for the helper when it matches the LFS host, warning about embedded credentials', async () => {
    const o = obj('remote creds\n');
    await srv.putObject('requirecreds-remote', o.data);
    const remoteUrl = srv.gitUrl('requirecreds-remote').replace('http://', 'http://requirecreds:pass@');
    const r = await run('download', [o], { repo: 'requirecreds-remote', remoteUrl });
    expect(r.results[0]!.status).toBe('transferred');
    expect(r.warnings).toEqual(['warning: current Git remote contains credentials']);
    const other = 'http://requirecreds:pass@elsewhere.invalid/r.git';
    const r2 = await run('download', [o], { repo: 'requirecreds-remote', remoteUrl: other, maxRetries: 0 });
    expect(r2.results[0]!.status).toBe('failed');
    expect(r2.warnings).toEqual([]);
  });

  it('refuses CR/LF/NUL in credential values before the helper runs', async () => {
    for (const [enc, what] of [['%0a', 'newline'], ['%00', 'null byte'], ['%0d', 'carriage return']] as const) {
      const h = helperScript(`inject${what.replace(' ', '')}`, 'requirecreds', 'pass');
      const o = obj(`inject ${what}\n`);
      const url = `${srv.url}/requirecreds-${enc}host=victim.example/r.git/info/lfs`;
      const r = await run('download', [o], {
        repo: 'x',
        endpoint: url,
        config: [
          ['credential.helper', h.path],
          ['credential.usehttppath', 'true'],
        ],
        maxRetries: 0,
      });
      expect(r.results[0]!.status).toBe('failed');
      expect(r.results[0]!.error!.message).toBe(`credential value for path contains ${what}`);
      expect(h.log()).toBe('');
      expect(srv.requests.some((q) => q.headers.authorization)).toBe(false);
      srv.clearRequests();
    }
  });

  it('sends no credentials for "authenticated": true objects, and none of the API host\'s to another host', async () => {
    const h = helperScript('helper5', 'requirecreds', 'pass');
    const o = magic('object-authenticated');
    await srv.putObject('requirecreds-auth', o.data);
    const r = await run('download', [o], { repo: 'requirecreds-auth', config: [['credential.helper', h.path]] });
    expect(r.results[0]!.status).toBe('transferred');
    expect(srv.requests.find((q) => q.kind === 'storage-get')!.headers.authorization).toBe(false);

    srv.clearRequests();
    const x = obj('storage elsewhere\n');
    await srv.putObject('requirecreds-other', x.data);
    srv.failNext({ kind: 'object', repo: 'requirecreds-other', href: `${srv.altUrl}/storage/requirecreds-other/${x.oid}`, times: Infinity });
    const r2 = await run('download', [x], { repo: 'requirecreds-other', config: [['credential.helper', h.path]] });
    expect(r2.results[0]!.status).toBe('transferred');
    const get = srv.requests.find((q) => q.kind === 'storage-get')!;
    expect(get.listener).toBe('alt');
    expect(get.headers.authorization).toBe(false);
  });

  it('reads ~/.netrc for a matching machine', async () => {
    writeFileSync(join(sb.home, '.netrc'), 'machine 127.0.0.1 login requirecreds password pass\n');
    try {
      const o = obj('netrc object\n');
      await srv.putObject('requirecreds-netrc', o.data);
      const r = await run('download', [o], { repo: 'requirecreds-netrc' });
      expect(r.results[0]!.status).toBe('transferred');
      expect(srv.requests.filter((q) => q.kind === 'batch').map((b) => b.status)).toEqual([401, 200]);
    } finally {
      writeFileSync(join(sb.home, '.netrc'), '');
    }
  });
});

/**
 * Faults around the transfer itself (reliability.md F1, F3, F4, F9, F10, F11, F15), end to end
 * through the real CLI and git: processes SIGKILLed mid-body (the server trickles the body, the
 * test waits for the request log to show part of it sent, then kills), connections dropped,
 * the server restarted, an unreachable endpoint, a push that fails half way. After each: the
 * store holds only hash-valid objects, leftovers sit only in .git/lfs/tmp, a rerun completes
 * (downloads resume with a Range request, seen in the server log) and leaves tmp/ empty.
 */
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertStoreValid,
  assertTmpEmpty,
  batchRequests,
  blob,
  lfsFiles,
  ok,
  oidOf,
  outsideSnapshot,
  partBytes,
  pointerClone,
  pushedRepo,
  spawn,
  spawnTslfs,
  startHarness,
  storageRequests,
  uniq,
  until,
  workRepo,
  type Harness,
} from './transferFaults.harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

afterEach(() => {
  h.srv.clearRules();
  h.srv.clearRequests();
});

const BIG = 256 * 1024;
/** A body trickled slowly enough to be killed half way (bounded by the server at 30 s). */
const SLOW = { bytes: 4096, intervalMs: 20, maxMs: 30_000 };

/** Bytes of the first GET of `oid` that the server has written so far. */
function sentSoFar(oid: string): number {
  return storageRequests(h, 'storage-get', oid)[0]?.bytesOut ?? 0;
}

/** Only the killed download's own resumable temp file may be left, in tmp/. */
function expectOnlyLeftoverOf(dir: string, oid: string): void {
  expect(lfsFiles(dir, 'incomplete')).toEqual([]);
  for (const f of lfsFiles(dir, 'tmp')) expect(f).toMatch(new RegExp(`^${oid}\\.\\d+-[0-9a-f]{16}\\.part$`));
  expect(existsSync(join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(false);
}

/** The rerun's GET resumed: a Range from where the killed run stopped, only the rest sent. */
function expectResumed(oid: string, size: number): void {
  const gets = storageRequests(h, 'storage-get', oid);
  expect(gets).toHaveLength(1);
  const m = /^bytes=(\d+)-(\d+)$/.exec(gets[0]!.headers.range ?? '');
  expect(m, `Range header ${gets[0]!.headers.range}`).not.toBeNull();
  const from = Number(m![1]);
  expect(from).toBeGreaterThan(0);
  expect(Number(m![2])).toBe(size - 1);
  expect(gets[0]!.status).toBe(206);
  expect(gets[0]!.bytesOut).toBe(size - from);
}

describe('F1 kill -9 mid-download', () => {
  it('leaves no object and only a temp file; the rerun resumes with Range and completes', async () => {
    const repo = uniq('f1');
    const big = blob('f1-big', BIG);
    const id = oidOf(big);
    const dir = await pushedRepo(h, repo, { 'big.bin': big, 'small.bin': blob('f1-small', 1000) }, repo);
    rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
    h.srv.clearRequests();
    const before = outsideSnapshot(h, dir);
    h.srv.failNext({ kind: 'storage-get', repo, oid: id, slow: SLOW });
    const p = spawnTslfs(h, ['fetch'], { cwd: dir });
    await until(() => sentSoFar(id) >= BIG / 4 && partBytes(dir, id) > 0, 'a quarter of the body');
    p.kill();
    const r = await p.result();
    expect(r.exitCode).not.toBe(0);
    expectOnlyLeftoverOf(dir, id);
    await assertStoreValid(h, dir);
    expect(outsideSnapshot(h, dir)).toEqual(before);

    // A leftover of some run killed long ago goes too (older than an hour, as git-lfs).
    const stale = join(dir, '.git', 'lfs', 'tmp', '999999-0123456789abcdef.tmp');
    writeFileSync(stale, 'old');
    utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    await h.srv.settled();
    h.srv.clearRequests();
    await ok(h.sb.tslfs(['fetch'], { cwd: dir }));
    expectResumed(id, BIG);
    expect(await assertStoreValid(h, dir)).toContain(id);
    assertTmpEmpty(dir);
    expect(outsideSnapshot(h, dir)).toEqual(before);
  });
});

describe('F1 leftovers of other processes', () => {
  it('never adopts a live process\'s temp file; a dead one\'s bad bytes are caught and the object downloaded again', async () => {
    const repo = uniq('f1b');
    const big = blob('f1b', 64 * 1024);
    const id = oidOf(big);
    const dir = await pushedRepo(h, repo, { 'big.bin': big }, repo);
    rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
    const tmp = join(dir, '.git', 'lfs', 'tmp');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(tmp, { recursive: true });
    // This test process is alive: its "download" must be left alone.
    const live = join(tmp, `${id}.${process.pid}-0123456789abcdef.part`);
    writeFileSync(live, big.subarray(0, 1000));
    h.srv.clearRequests();
    await ok(h.sb.tslfs(['fetch'], { cwd: dir }));
    expect(storageRequests(h, 'storage-get', id).map((g) => g.headers.range)).toEqual([undefined]);
    expect(readFileSync(live).equals(big.subarray(0, 1000))).toBe(true);
    rmSync(live);

    // A dead process (pid far above pid_max) left a prefix with a flipped byte.
    rmSync(join(dir, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    const bad = Buffer.from(big.subarray(0, 20_000));
    bad[10] = bad[10]! ^ 0xff;
    writeFileSync(join(tmp, `${id}.99999999-fedcba9876543210.part`), bad);
    h.srv.clearRequests();
    await ok(h.sb.tslfs(['fetch'], { cwd: dir }));
    const gets = storageRequests(h, 'storage-get', id);
    expect(gets.map((g) => g.headers.range)).toEqual([`bytes=20000-${big.length - 1}`, undefined]);
    expect(await assertStoreValid(h, dir)).toEqual([id]);
    assertTmpEmpty(dir);
  });
});

describe('F3 kill -9 during filter-process smudge', () => {
  const repo = 'f3';
  const big = blob('f3-big', BIG);
  const id = oidOf(big);
  beforeAll(async () => {
    await pushedRepo(h, `${repo}-src`, { 'big.bin': big, 'small.bin': blob('f3-small', 500) }, repo);
  });
  for (const delayed of [true, false]) {
    it(`${delayed ? 'delayed checkout (git checkout)' : 'immediate smudge (git checkout-index)'}: consistent afterwards, tslfs pull repairs`, async () => {
      const clone = await pointerClone(h, repo, uniq(`${repo}-clone`));
      rmSync(join(clone, 'big.bin'));
      h.srv.clearRequests();
      h.srv.failNext({ kind: 'storage-get', repo, oid: id, slow: SLOW });
      const trace = join(h.sb.root, `${uniq(repo)}.packets`);
      const args = delayed ? ['checkout', '--', 'big.bin'] : ['checkout-index', '-f', '--', 'big.bin'];
      const p = spawn(h, 'git', args, { cwd: clone, group: true, env: { GIT_TRACE_PACKET: trace } });
      await until(() => sentSoFar(id) >= BIG / 4 && partBytes(clone, id) > 0, 'a quarter of the body');
      p.kill();
      const r = await p.result();
      expect(r.exitCode).not.toBe(0);
      // The delayed path was (or was not) taken, as the test says.
      expect(readFileSync(trace, 'utf8').includes('can-delay=1')).toBe(delayed);
      // The work tree file is absent or the pointer, never partial content.
      if (existsSync(join(clone, 'big.bin'))) expect(readFileSync(join(clone, 'big.bin')).length).toBeLessThan(1024);
      expectOnlyLeftoverOf(clone, id);
      await assertStoreValid(h, clone);
      // git leaves its index.lock behind when killed (git's own behaviour); the user removes it.
      rmSync(join(clone, '.git', 'index.lock'), { force: true });
      const st = await ok(h.sb.git(['status', '--porcelain'], { cwd: clone }));
      expect(st.stdout).toMatch(/big\.bin/);

      await h.srv.settled();
      h.srv.clearRequests();
      await ok(h.sb.tslfs(['pull'], { cwd: clone }));
      expectResumed(id, BIG);
      expect(readFileSync(join(clone, 'big.bin')).equals(big)).toBe(true);
      expect((await ok(h.sb.git(['status', '--porcelain'], { cwd: clone }))).stdout).toBe('');
      expect(await assertStoreValid(h, clone)).toContain(id);
      assertTmpEmpty(clone);
    });
  }
});

describe('F4 kill -9 mid-upload', () => {
  it('git push killed while the PUT is under way: the remote ref is not updated; a re-push uploads again', async () => {
    const repo = uniq('f4');
    const big = blob('f4-big', BIG);
    const id = oidOf(big);
    const dir = await workRepo(h, repo, { 'big.bin': big }, { repo });
    // The server takes the request and then reads nothing: the body stalls in the socket.
    h.srv.failNext({ kind: 'storage-put', repo, oid: id, hangMs: 30_000 });
    const p = spawn(h, 'git', ['push', 'origin', 'main'], { cwd: dir, group: true });
    await until(() => storageRequests(h, 'storage-put', id).length > 0, 'the PUT');
    p.kill();
    const r = await p.result();
    expect(r.exitCode).not.toBe(0);
    expect((await ok(h.sb.git(['ls-remote', h.srv.gitUrl(repo)], { cwd: dir }))).stdout).toBe('');
    expect(await h.srv.hasObject(repo, id)).toBe(false);
    expect(await assertStoreValid(h, dir)).toContain(id); // the local object is untouched

    h.srv.clearRules();
    h.srv.clearRequests(); // the hung request (its client gone) is not counted below
    await ok(h.sb.git(['push', '-q', 'origin', 'main'], { cwd: dir }));
    expect(await h.srv.hasObject(repo, id)).toBe(true);
    const puts = storageRequests(h, 'storage-put', id);
    expect(puts.map((x) => [x.status, x.bytesIn])).toEqual([[200, BIG]]);
    expect((await ok(h.sb.git(['ls-remote', h.srv.gitUrl(repo)], { cwd: dir }))).stdout).toMatch(/refs\/heads\/main/);
  });
});

describe('F9/F10 network trouble', () => {
  it('dropped connections on batch, download and upload are retried and the transfers complete', async () => {
    const repo = uniq('f9');
    const files = { 'a.bin': blob('f9a', 20_000), 'b.bin': blob('f9b', 30_000) };
    const dir = await workRepo(h, repo, files, { repo });
    h.srv.failNext({ kind: 'batch', repo, operation: 'upload', drop: true });
    h.srv.failNext({ kind: 'storage-put', repo, drop: true, perOid: true });
    await ok(h.sb.git(['push', '-q', 'origin', 'main'], { cwd: dir }));
    for (const d of Object.values(files)) expect(await h.srv.hasObject(repo, oidOf(d))).toBe(true);
    expect(storageRequests(h, 'storage-put').map((x) => x.status).sort()).toEqual([0, 0, 200, 200]);

    const clone = await pointerClone(h, repo, `${repo}-clone`);
    h.srv.clearRequests();
    h.srv.failNext({ kind: 'batch', repo, operation: 'download', drop: true });
    h.srv.failNext({ kind: 'storage-get', repo, drop: true, perOid: true });
    await ok(h.sb.tslfs(['pull'], { cwd: clone }));
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(clone, n)).equals(d)).toBe(true);
    const statuses = batchRequests(h, repo).map((b) => b.status);
    expect(statuses[0]).toBe(0); // dropped, then asked again (and again for each retried object)
    expect(statuses.slice(1).every((s) => s === 200)).toBe(true);
    assertTmpEmpty(clone);
    await assertStoreValid(h, clone);
  });

  it('a server restart mid-body is survived: the download resumes after the server is back', async () => {
    const repo = uniq('f10');
    const big = blob('f10', BIG);
    const id = oidOf(big);
    const dir = await pushedRepo(h, repo, { 'big.bin': big }, repo);
    rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
    h.srv.clearRequests();
    h.srv.failNext({ kind: 'storage-get', repo, oid: id, slow: SLOW });
    const p = spawnTslfs(h, ['fetch'], { cwd: dir });
    await until(() => sentSoFar(id) >= BIG / 4 && partBytes(dir, id) > 0, 'a quarter of the body');
    await h.srv.restart(300);
    const r = await p.result();
    expect(r.exitCode, r.stderr).toBe(0);
    const gets = storageRequests(h, 'storage-get', id);
    expect(gets.length).toBeGreaterThanOrEqual(2);
    expect(gets.at(-1)!.headers.range).toMatch(/^bytes=[1-9]\d*-/);
    expect(await assertStoreValid(h, dir)).toEqual([id]);
    assertTmpEmpty(dir);
  });
});

describe('F11 unreachable endpoint', () => {
  it('fails fast with one clear message per object; git push is refused before the ref moves', async () => {
    const repo = uniq('f11');
    const data = blob('f11', 2000);
    const dir = await workRepo(h, repo, { 'u.bin': data }, { repo });
    await ok(h.sb.git(['config', 'lfs.url', 'http://127.0.0.1:1/nowhere.git/info/lfs'], { cwd: dir }));
    const r = await h.sb.git(['push', 'origin', 'main'], { cwd: dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('u.bin');
    expect(r.stderr).toContain(oidOf(data));
    expect(r.stderr).toMatch(/connection refused/);
    expect(r.stderr.match(/connection refused/g)!.length).toBeLessThanOrEqual(2);
    expect((await ok(h.sb.git(['ls-remote', h.srv.gitUrl(repo)], { cwd: dir }))).stdout).toBe('');

    rmSync(join(dir, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    const f = await h.sb.tslfs(['fetch'], { cwd: dir });
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toContain(oidOf(data));
    expect(f.stderr).toMatch(/connection refused/);
    expect(await assertStoreValid(h, dir)).toEqual([]);

    // A host name that does not resolve: the same, one message, no retry storm.
    await ok(h.sb.git(['config', 'lfs.url', 'http://tslfs-test-host.invalid/nowhere.git/info/lfs'], { cwd: dir }));
    const d = await h.sb.tslfs(['fetch'], { cwd: dir });
    expect(d.exitCode).toBe(2);
    expect(d.stderr).toContain(oidOf(data));
    expect(d.stderr).toMatch(/tslfs-test-host\.invalid/);
    expect(d.stderr.split('\n').filter((l) => l.includes(oidOf(data)))).toHaveLength(1);
  });
});

describe('F15 partial push', () => {
  it('a push that fails for one object uploads only that one the next time', async () => {
    const repo = uniq('f15');
    const files = { 'p1.bin': blob('f15a', 5000), 'p2.bin': blob('f15b', 6000), 'p3.bin': blob('f15c', 7000) };
    const bad = oidOf(files['p2.bin']);
    const dir = await workRepo(h, repo, files, { repo });
    h.srv.failNext({ kind: 'storage-put', repo, oid: bad, status: 500, times: Infinity });
    const r = await h.sb.git(['push', 'origin', 'main'], { cwd: dir, env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'lfs.transfer.maxretries', GIT_CONFIG_VALUE_0: '1' } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`p2.bin (${bad})`);
    expect((await ok(h.sb.git(['ls-remote', h.srv.gitUrl(repo)], { cwd: dir }))).stdout).toBe('');
    h.srv.clearRules();
    h.srv.clearRequests();
    await ok(h.sb.git(['push', '-q', 'origin', 'main'], { cwd: dir }));
    expect(storageRequests(h, 'storage-put').map((p) => p.oid)).toEqual([bad]);
    for (const d of Object.values(files)) expect(await h.srv.hasObject(repo, oidOf(d))).toBe(true);
  });
});

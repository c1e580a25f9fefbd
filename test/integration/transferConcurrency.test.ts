/**
 * Concurrency cases (reliability.md C1, C2, C5, C6, C7) and a scaled-down L1, end to end through
 * the real CLI and git with tslfs as the filter, against the test LFS server. Overlap is made
 * deterministic with the server's slow-body switch (and the request log), never with timing
 * assertions. C4 (prune during pull) belongs with prune, which is written separately.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
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

const BIG = 512 * 1024;
const SLOW = { bytes: 8192, intervalMs: 15, maxMs: 30_000 };

function objectPath(dir: string, oid: string): string {
  return join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

/** While `running` resolves, check that the object path never shows a partial file. */
async function watchObject(path: string, size: number, running: Promise<unknown>): Promise<number> {
  let done = false;
  void running.finally(() => (done = true));
  let seen = 0;
  while (!done) {
    if (existsSync(path)) {
      expect(statSync(path).size).toBe(size);
      seen++;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return seen;
}

describe('C1 two fetches of the same object', () => {
  it('both succeed; the object path never holds a partial file', async () => {
    const repo = uniq('c1');
    const big = blob('c1', BIG);
    const id = oidOf(big);
    const dir = await pushedRepo(h, repo, { 'big.bin': big }, repo);
    rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
    h.srv.clearRequests();
    h.srv.failNext({ kind: 'storage-get', repo, oid: id, slow: SLOW, times: 2 });
    const a = spawnTslfs(h, ['fetch'], { cwd: dir });
    const b = spawnTslfs(h, ['fetch'], { cwd: dir });
    // Both downloads are under way at once before either can finish.
    await until(() => storageRequests(h, 'storage-get', id).filter((g) => g.bytesOut > 0).length === 2, 'two GETs');
    const both = Promise.all([a.result(), b.result()]);
    await watchObject(objectPath(dir, id), BIG, both);
    for (const r of await both) expect(r.exitCode, r.stderr).toBe(0);
    expect(await assertStoreValid(h, dir)).toEqual([id]);
    assertTmpEmpty(dir);
    expect(lfsFiles(dir, 'incomplete')).toEqual([]);
  });
});

describe('C2 smudge filter and fetch at once', () => {
  it('git checkout smudging X while tslfs fetch downloads X: both succeed with the right content', async () => {
    const repo = uniq('c2');
    const big = blob('c2', BIG);
    const id = oidOf(big);
    await pushedRepo(h, `${repo}-src`, { 'x.bin': big }, repo);
    const clone = await pointerClone(h, repo, `${repo}-clone`);
    rmSync(join(clone, 'x.bin'));
    h.srv.clearRequests();
    h.srv.failNext({ kind: 'storage-get', repo, oid: id, slow: SLOW, times: 2 });
    const co = spawn(h, 'git', ['checkout', '--', 'x.bin'], { cwd: clone, group: true });
    const fe = spawnTslfs(h, ['fetch'], { cwd: clone });
    await until(() => storageRequests(h, 'storage-get', id).filter((g) => g.bytesOut > 0).length === 2, 'two GETs');
    const both = Promise.all([co.result(), fe.result()]);
    await watchObject(objectPath(clone, id), BIG, both);
    for (const r of await both) expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(clone, 'x.bin')).equals(big)).toBe(true);
    expect((await ok(h.sb.git(['status', '--porcelain'], { cwd: clone }))).stdout).toBe('');
    expect(await assertStoreValid(h, clone)).toEqual([id]);
    assertTmpEmpty(clone);
  });
});

describe('C5 two pushers', () => {
  it('two repositories pushing the same objects to one server at once both succeed', async () => {
    const repo = uniq('c5');
    const files = { 'a.bin': blob('c5a', 200_000), 'b.bin': blob('c5b', 150_000), 'c.bin': blob('c5c', 1000) };
    const one = await workRepo(h, `${repo}-1`, files, { repo });
    const two = await workRepo(h, `${repo}-2`, files, { repo, create: false });
    const p1 = spawnTslfs(h, ['push', 'origin', 'main'], { cwd: one });
    const p2 = spawnTslfs(h, ['push', 'origin', 'main'], { cwd: two });
    const [r1, r2] = await Promise.all([p1.result(), p2.result()]);
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(r2.exitCode, r2.stderr).toBe(0);
    for (const d of Object.values(files)) {
      const id = oidOf(d);
      expect(await h.srv.hasObject(repo, id)).toBe(true);
      expect(oidOf(readFileSync(h.srv.objectPath(repo, id)))).toBe(id);
    }
    // Each object was sent at least once and never failed on the server.
    for (const p of storageRequests(h, 'storage-put')) expect(p.status).toBe(200);
  });
});

describe('C6 fsck during pull', () => {
  it('fsck running while objects arrive never moves a good object to bad/', async () => {
    const repo = uniq('c6');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`f${i}.bin`] = blob(`c6-${i}`, 40_000 + i * 1000);
    files['big.bin'] = blob('c6-big', BIG);
    await pushedRepo(h, `${repo}-src`, files, repo);
    const clone = await pointerClone(h, repo, `${repo}-clone`);
    h.srv.clearRequests();
    h.srv.failNext({ kind: 'storage-get', repo, oid: oidOf(files['big.bin']!), slow: SLOW });
    const pull = spawnTslfs(h, ['pull'], { cwd: clone });
    let done = false;
    const result = pull.result().finally(() => (done = true));
    let runs = 0;
    while (!done && runs < 20) {
      const f = await h.sb.tslfs(['fsck', '--objects'], { cwd: clone });
      // Missing objects are expected while the pull runs; corrupt ones never.
      expect(f.stdout + f.stderr).not.toMatch(/corrupt/i);
      runs++;
    }
    const r = await result;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(runs).toBeGreaterThan(0);
    expect(lfsFiles(clone, 'bad')).toEqual([]);
    expect((await assertStoreValid(h, clone)).sort()).toEqual(Object.values(files).map((d) => oidOf(d)).sort());
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(clone, n)).equals(d)).toBe(true);
    assertTmpEmpty(clone);
  });
});

describe('C7 linked worktrees', () => {
  it('two worktrees checking out different branches at once share one store', async () => {
    const repo = uniq('c7');
    const shared = blob('c7-shared', BIG);
    const src = await pushedRepo(h, `${repo}-src`, { 'shared.bin': shared }, repo);
    const b1 = blob('c7-b1', 30_000);
    const b2 = blob('c7-b2', 40_000);
    for (const [branch, data] of [['b1', b1], ['b2', b2]] as const) {
      await ok(h.sb.git(['checkout', '-q', '-b', branch, 'main'], { cwd: src }));
      h.sb.write(`${repo}-src/${branch}.bin`, data);
      await ok(h.sb.git(['add', `${branch}.bin`], { cwd: src }));
      await ok(h.sb.git(['commit', '-qm', branch], { cwd: src }));
    }
    await ok(h.sb.git(['push', '-q', 'origin', 'b1', 'b2'], { cwd: src }));
    const main = await pointerClone(h, repo, `${repo}-main`);
    for (const b of ['b1', 'b2']) await ok(h.sb.git(['worktree', 'add', '-q', '--no-checkout', join(h.sb.root, `${repo}-${b}`), `origin/${b}`], { cwd: main }));
    h.srv.clearRequests();
    h.srv.failNext({ kind: 'storage-get', repo, oid: oidOf(shared), slow: SLOW, times: 2 });
    const runs = ['b1', 'b2'].map((b) => spawn(h, 'git', ['reset', '-q', '--hard'], { cwd: join(h.sb.root, `${repo}-${b}`), group: true }));
    for (const r of await Promise.all(runs.map((x) => x.result()))) expect(r.exitCode, r.stderr).toBe(0);
    for (const [b, data] of [['b1', b1], ['b2', b2]] as const) {
      const wt = join(h.sb.root, `${repo}-${b}`);
      expect(readFileSync(join(wt, 'shared.bin')).equals(shared)).toBe(true);
      expect(readFileSync(join(wt, `${b}.bin`)).equals(data)).toBe(true);
      expect((await ok(h.sb.git(['status', '--porcelain'], { cwd: wt }))).stdout).toBe('');
    }
    // One store, in the main repository's git dir.
    expect(existsSync(join(h.sb.root, `${repo}-b1`, '.git', 'lfs'))).toBe(false);
    const stored = await assertStoreValid(h, main);
    for (const d of [shared, b1, b2]) expect(stored).toContain(oidOf(d));
    assertTmpEmpty(main);
  });
});

describe('L1 many objects, one push (scaled down)', () => {
  it('640 objects: batches within lfs.transfer.batchSize, each object PUT exactly once', async () => {
    const repo = uniq('l1');
    const n = 640;
    // Objects go straight into the store and pointers are committed as they are (no filter
    // run for 640 files); `tslfs update` installs the pre-push hook.
    await h.srv.createRepo(repo);
    const dir = await h.sb.initRepo(repo, 'none');
    h.sb.write(`${repo}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    for (let i = 0; i < n; i++) {
      const data = Buffer.from(`object number ${i}\n`);
      const id = oidOf(data);
      h.sb.write(`${repo}/.git/lfs/objects/${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`, data);
      h.sb.write(`${repo}/d${i % 10}/o${i}.bin`, `version https://git-lfs.github.com/spec/v1\noid sha256:${id}\nsize ${data.length}\n`);
    }
    const raw = ['-c', 'filter.lfs.process=', '-c', 'filter.lfs.clean=', '-c', 'filter.lfs.required=false'];
    await ok(h.sb.git([...raw, 'add', '.'], { cwd: dir }));
    await ok(h.sb.git(['commit', '-qm', 'many'], { cwd: dir }));
    await ok(h.sb.git(['remote', 'add', 'origin', h.srv.gitUrl(repo)], { cwd: dir }));
    await ok(h.sb.tslfs(['update'], { cwd: dir }));
    expect((await ok(h.sb.tslfs(['ls-files'], { cwd: dir }))).stdout.trim().split('\n')).toHaveLength(n);
    await ok(h.sb.git(['config', 'lfs.transfer.batchsize', '64'], { cwd: dir }));
    await ok(h.sb.git(['config', 'lfs.concurrenttransfers', '4'], { cwd: dir }));
    h.srv.clearRequests();
    // Sample the uploads in flight (arrived, not yet answered) while the push runs: never more
    // than lfs.concurrenttransfers. (The log has no socket ids; undici's pool is sized the same.)
    let maxInFlight = 0;
    const sampler = setInterval(() => {
      const n = storageRequests(h, 'storage-put').filter((p) => p.status === 0 && !p.aborted).length;
      maxInFlight = Math.max(maxInFlight, n);
    }, 1);
    try {
      await ok(h.sb.git(['push', '-q', 'origin', 'main'], { cwd: dir }));
    } finally {
      clearInterval(sampler);
    }
    expect(maxInFlight).toBeGreaterThan(0);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    const batches = batchRequests(h, repo);
    for (const b of batches) expect(b.oids!.length).toBeLessThanOrEqual(64);
    expect(batches).toHaveLength(Math.ceil(n / 64));
    const puts = storageRequests(h, 'storage-put');
    expect(puts).toHaveLength(n);
    expect(new Set(puts.map((p) => p.oid)).size).toBe(n);
    expect(puts.every((p) => p.status === 200)).toBe(true);
    assertTmpEmpty(dir);
  });
});

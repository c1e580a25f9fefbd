/**
 * Credential cases (reliability.md CR1, CR2, CR5, CR8, HS22; git-lfs.md 4.2) end to end: git and
 * the real CLI against the test LFS server with Basic auth on the API (and on git's own smart
 * HTTP routes), a logging credential helper (a shell script set as credential.helper) that
 * answers with a sentinel password, and traces turned on. Secrets must never show up in any
 * output or log, must never go to another origin, and the helper hears `store` (approve) only
 * after a 2xx with its credentials, `erase` (reject) after a 401, and neither on 403/404.
 */
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertStoreValid,
  assertTmpEmpty,
  batchRequests,
  blob,
  ok,
  oidOf,
  startHarness,
  storageRequests,
  uniq,
  workRepo,
  type Harness,
} from './transferFaults.harness.js';

const USER = 'alice';
const SENTINEL = 'Sentinel-Pw-7f3a91';
const ACTION_TOKEN = 'action-token-5d2c8e';
const secrets = [SENTINEL, Buffer.from(`${USER}:${SENTINEL}`).toString('base64'), ACTION_TOKEN];

let h: Harness;

beforeAll(async () => {
  // Repos named cr* need alice:SENTINEL on the LFS API and on git's routes; storage is open
  // unless a test asks otherwise through a repo named crs*.
  h = await startHarness({ auth: { user: USER, pass: SENTINEL, repos: (r) => r.startsWith('cr'), storage: false } });
});

afterAll(async () => {
  await h?.stop();
});

afterEach(() => {
  h.srv.clearRules();
  h.srv.clearRequests();
});

interface Helper {
  path: string;
  /** Each call as `verb` followed by the protocol lines git sent. */
  calls(): Array<{ verb: string; fields: Record<string, string> }>;
}

/** A credential helper that logs every call and answers `get` with user/pass. */
function helper(name: string, user: string, pass: string): Helper {
  const log = join(h.sb.root, `${name}.log`);
  const path = join(h.sb.root, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\necho "== $1" >> '${log}'\ncat >> '${log}'\nif [ "$1" = get ]; then printf 'username=${user}\\npassword=${pass}\\n'; fi\n`);
  chmodSync(path, 0o755);
  return {
    path,
    calls() {
      if (!existsSync(log)) return [];
      return readFileSync(log, 'utf8')
        .split('== ')
        .filter((c) => c.trim())
        .map((c) => {
          const [verb, ...lines] = c.split('\n');
          const fields: Record<string, string> = {};
          for (const l of lines) {
            const eq = l.indexOf('=');
            if (eq > 0) fields[l.slice(0, eq)] = l.slice(eq + 1);
          }
          return { verb: verb!.trim(), fields };
        });
    },
  };
}

const TRACE = { GIT_TRACE: '1', GIT_CURL_VERBOSE: '1', GIT_TRANSFER_TRACE: '1', GIT_TRACE_PACKET: '1', TSLFS_DEBUG: '1' };

function expectNoSecret(where: string, text: string): void {
  for (const s of secrets) {
    const i = text.indexOf(s);
    expect(i, `${where} contains a secret: ...${text.slice(Math.max(0, i - 300), i + 100)}...`).toBe(-1);
  }
}

function logsText(dir: string): string {
  const d = join(dir, '.git', 'lfs', 'logs');
  return existsSync(d) ? readdirSync(d).map((f) => readFileSync(join(d, f), 'utf8')).join('\n') : '';
}

describe('CR1 secrets never logged', () => {
  it('push, clone, fetch and a failing fetch with every trace on: no password, Basic token or action token anywhere', async () => {
    const repo = uniq('cr1');
    const files = { 'a.bin': blob('cr1a', 20_000), 'b.bin': blob('cr1b', 10_000) };
    const hp = helper('cr1-helper', USER, SENTINEL);
    const dir = await workRepo(h, repo, files, { repo });
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir }));
    h.srv.failNext({ kind: 'object', repo, actionHeaders: { 'X-Storage-Token': ACTION_TOKEN }, times: Infinity });
    const out: string[] = [];
    const push = await ok(h.sb.git(['push', 'origin', 'main'], { cwd: dir, env: TRACE }));
    out.push(push.stdout, push.stderr);
    expect(push.stderr).toMatch(/trace:/); // the traces really were on

    const clone = join(h.sb.root, `${repo}-clone`);
    const c = await ok(h.sb.git(['-c', `credential.helper=${hp.path}`, 'clone', h.srv.gitUrl(repo), clone], { env: TRACE }));
    out.push(c.stdout, c.stderr);
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(clone, n)).equals(d)).toBe(true);
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: clone }));

    // A failing download (storage 500 with the action token in the URL's query) and a failing upload.
    const f1 = oidOf(files['a.bin']);
    h.srv.failNext({ kind: 'object', repo, oid: f1, href: `${h.srv.url}/storage/${repo}/${f1}?sig=${ACTION_TOKEN}`, times: Infinity });
    h.srv.failNext({ kind: 'storage-get', repo, status: 500, times: Infinity });
    const f = await h.sb.tslfs(['fetch', '--refetch'], { cwd: clone, env: { ...TRACE, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'lfs.transfer.maxretries', GIT_CONFIG_VALUE_0: '1' } });
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toContain(f1);
    out.push(f.stdout, f.stderr);
    const env = await ok(h.sb.tslfs(['env'], { cwd: clone, env: TRACE }));
    out.push(env.stdout, env.stderr);

    // The server did get the credentials and the action token (so the test could leak them).
    expect(batchRequests(h, repo).some((b) => b.headers.authUser === USER)).toBe(true);
    expect(storageRequests(h, 'storage-get').some((g) => g.headers.extra['x-storage-token'] === ACTION_TOKEN)).toBe(true);
    expectNoSecret('output', out.join('\n'));
    expectNoSecret('.git/lfs/logs', logsText(dir) + logsText(clone));
    expectNoSecret('.git/config', readFileSync(join(clone, '.git', 'config'), 'utf8'));
  });
});

describe('CR2 credentials stay with their origin', () => {
  it('storage on another origin never receives the API Authorization; its own credentials come only after its own 401', async () => {
    const repo = uniq('cr2');
    const files = { 'a.bin': blob('cr2a', 5000), 'b.bin': blob('cr2b', 6000) };
    const hp = helper('cr2-helper', USER, SENTINEL);
    const dir = await workRepo(h, repo, files, { repo });
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir }));
    for (const d of Object.values(files)) {
      const id = oidOf(d);
      h.srv.failNext({ kind: 'object', repo, oid: id, href: `${h.srv.altUrl}/storage/${repo}/${id}`, times: Infinity });
    }
    await ok(h.sb.git(['push', '-q', 'origin', 'main'], { cwd: dir }));
    const alt = h.srv.requests.filter((r) => r.listener === 'alt');
    expect(alt.map((r) => r.kind)).toEqual(['storage-put', 'storage-put']);
    for (const r of alt) expect(r.headers.authorization).toBe(false);
    expect(batchRequests(h, repo).some((b) => b.headers.authUser === USER)).toBe(true);
    // The helper was only ever asked about the API's origin.
    for (const call of hp.calls()) expect(call.fields['host']).toBe(`127.0.0.1:${h.srv.port}`);

    // Downloads too, from a fresh store.
    h.srv.clearRequests();
    const clone = join(h.sb.root, `${repo}-clone`);
    await ok(h.sb.git(['-c', `credential.helper=${hp.path}`, 'clone', '-q', h.srv.gitUrl(repo), clone]));
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(clone, n)).equals(d)).toBe(true);
    const altGets = h.srv.requests.filter((r) => r.listener === 'alt');
    expect(altGets.map((r) => r.kind)).toEqual(['storage-get', 'storage-get']);
    for (const r of altGets) expect(r.headers.authorization).toBe(false);
    assertTmpEmpty(clone);
  });

  it('storage that asks for credentials gets them only after its own 401, looked up for its own host', async () => {
    // A second server whose storage needs auth plays the storage host; its API is never used.
    const { startLfsServer } = await import('../support/lfsServer/main.js');
    const store = await startLfsServer({ root: join(h.sb.root, 'store2'), auth: { user: USER, pass: SENTINEL, storage: true } });
    try {
      const repo = uniq('cr2s');
      const data = blob('cr2s', 7000);
      const id = oidOf(data);
      await store.putObject(repo, data);
      const hp = helper('cr2s-helper', USER, SENTINEL);
      const dir = await workRepo(h, repo, { 's.bin': data }, { repo });
      await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir }));
      await h.srv.putObject(repo, data);
      h.srv.failNext({ kind: 'object', repo, oid: id, href: `${store.url}/storage/${repo}/${id}`, times: Infinity });
      await ok(h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir })); // the API gets credentials (batch says: already there)
      const apiHost = `127.0.0.1:${h.srv.port}`;
      const storeHost = `127.0.0.1:${store.port}`;
      const before = hp.calls().length;
      expect(hp.calls().every((c) => c.fields['host'] === apiHost)).toBe(true);

      const { rmSync } = await import('node:fs');
      rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
      await ok(h.sb.tslfs(['fetch'], { cwd: dir }));
      const gets = store.requests.filter((r) => r.kind === 'storage-get');
      expect(gets.map((g) => [g.status, g.headers.authorization])).toEqual([
        [401, false],
        [200, true],
      ]);
      const later = hp.calls().slice(before);
      expect(later.filter((c) => c.verb === 'get' && c.fields['host'] === storeHost)).toHaveLength(1);
      expect(later.filter((c) => c.fields['host'] !== apiHost && c.fields['host'] !== storeHost)).toEqual([]);
      expect(await assertStoreValid(h, dir)).toEqual([id]);
    } finally {
      await store.stop();
    }
  });

  it('"authenticated": true objects are fetched with no credentials at all', async () => {
    const repo = uniq('cr2a');
    const data = blob('cr2auth', 3000);
    const hp = helper('cr2a-helper', USER, SENTINEL);
    const dir = await workRepo(h, repo, { 'x.bin': data }, { repo });
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir }));
    await h.srv.putObject(repo, data);
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
    h.srv.failNext({ kind: 'object', repo, authenticated: true, times: Infinity });
    await ok(h.sb.tslfs(['fetch'], { cwd: dir }));
    const gets = storageRequests(h, 'storage-get');
    expect(gets.map((g) => [g.status, g.headers.authorization])).toEqual([[200, false]]);
  });
});

describe('CR5 approve / reject discipline', () => {
  it('approve (store) only after a 2xx with the helper\'s credentials, never before', async () => {
    const repo = uniq('cr5ok');
    const data = blob('cr5ok', 3000);
    const hp = helper('cr5ok-helper', USER, SENTINEL);
    const dir = await workRepo(h, repo, { 'x.bin': data }, { repo });
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir }));
    // The batch call's credential flow only: no lock verification call before it.
    await ok(h.sb.git(['config', 'lfs.locksverify', 'false'], { cwd: dir }));
    await ok(h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir }));
    const verbs = hp.calls().map((c) => c.verb);
    expect(verbs).toEqual(['get', 'store']);
    const stored = hp.calls()[1]!.fields;
    expect(stored).toMatchObject({ protocol: 'http', host: `127.0.0.1:${h.srv.port}`, username: USER, password: SENTINEL });
    expect(batchRequests(h, repo).map((b) => b.status)).toEqual([401, 200]);
    // git-lfs.md 4.2: the access mode is remembered, so the next run sends credentials at once.
    expect((await ok(h.sb.git(['config', `lfs.${h.srv.lfsUrl(repo)}.access`], { cwd: dir }))).stdout.trim()).toBe('basic');
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    h.srv.clearRequests();
    await ok(h.sb.tslfs(['fetch'], { cwd: dir }));
    expect(batchRequests(h, repo).map((b) => [b.status, b.headers.authUser])).toEqual([[200, USER]]);
    expect(hp.calls().map((c) => c.verb)).toEqual(['get', 'store', 'get', 'store']);
  });

  it('a push asks for a host\'s credentials once, for lock verification and the upload together', async () => {
    const repo = uniq('cr5-share');
    const hp = helper('cr5-share-helper', USER, SENTINEL);
    const dir = await workRepo(h, repo, { 's.bin': blob('cr5-share', 3000) }, { repo });
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir }));
    await ok(h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir }));
    const verify = h.srv.requests.filter((r) => r.url.includes(`/${repo}.git/info/lfs/locks/verify`));
    expect(verify.map((r) => r.status)).toEqual([401, 200]);
    // The batch call is sent with the credentials lock verification obtained: no second 401.
    expect(batchRequests(h, repo).map((b) => [b.status, b.headers.authUser])).toEqual([[200, USER]]);
    expect(hp.calls().map((c) => c.verb)).toEqual(['get', 'store']);
  });

  it('reject (erase) after a 401 with the helper\'s credentials; HS22: at most 3 lookups, then a clear error', async () => {
    const repo = uniq('cr5-401');
    const data = blob('cr5-401', 3000);
    const hp = helper('cr5-401-helper', USER, SENTINEL);
    const dir = await workRepo(h, repo, { 'x.bin': data }, { repo });
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir }));
    // The batch call's credential flow only: no lock verification call before it.
    await ok(h.sb.git(['config', 'lfs.locksverify', 'false'], { cwd: dir }));
    h.srv.failNext({ kind: 'batch', repo, status: 401, times: Infinity });
    const r = await h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(oidOf(data));
    expect(r.stderr).toMatch(/too many authentication attempts|Authorization error|Authentication required/);
    expectNoSecret('push output', r.stdout + r.stderr);
    const verbs = hp.calls().map((c) => c.verb);
    expect(verbs.filter((v) => v === 'get').length).toBeLessThanOrEqual(3);
    expect(verbs).toContain('erase');
    expect(verbs).not.toContain('store');
    // Each erase follows a 401 answered to those credentials.
    expect(verbs[0]).toBe('get');
    expect(batchRequests(h, repo).length).toBeLessThanOrEqual(4);
  });

  it('neither approve nor reject on 403 (wrong credentials refused) or 404', async () => {
    const repo = uniq('cr5-403');
    const data = blob('cr5-403', 3000);
    const wrong = helper('cr5-403-helper', USER, 'not-the-password');
    const dir = await workRepo(h, repo, { 'x.bin': data }, { repo });
    await ok(h.sb.git(['config', 'credential.helper', wrong.path], { cwd: dir }));
    // The batch call's credential flow only: no lock verification call before it.
    await ok(h.sb.git(['config', 'lfs.locksverify', 'false'], { cwd: dir }));
    const r = await h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir });
    expect(r.exitCode, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(oidOf(data));
    expect(batchRequests(h, repo).map((b) => b.status)).toEqual([401, 403]);
    expect(wrong.calls().map((c) => c.verb)).toEqual(['get']);

    const repo2 = uniq('cr5-404');
    const hp = helper('cr5-404-helper', USER, SENTINEL);
    const dir2 = await workRepo(h, repo2, { 'y.bin': blob('cr5-404', 2000) }, { repo: repo2 });
    await ok(h.sb.git(['config', 'credential.helper', hp.path], { cwd: dir2 }));
    await ok(h.sb.git(['config', 'lfs.locksverify', 'false'], { cwd: dir2 }));
    h.srv.failNext({ kind: 'batch', repo: repo2, status: 404, times: Infinity }); // after the auth check
    const r2 = await h.sb.tslfs(['push', 'origin', 'main'], { cwd: dir2 });
    expect(r2.exitCode).toBe(2);
    expect(batchRequests(h, repo2).map((b) => [b.status, b.headers.authorization])).toEqual([
      [401, false],
      [404, true],
    ]);
    expect(hp.calls().map((c) => c.verb)).toEqual(['get']);
  });
});

describe('CR8 credentials in the remote URL', () => {
  it('are used, but never printed: not by env, push, fetch, errors or traces', async () => {
    const repo = uniq('cr8');
    const data = blob('cr8', 4000);
    const dir = await workRepo(h, repo, { 'u.bin': data }, { repo, url: h.srv.gitUrl(repo).replace('http://', `http://${USER}:${SENTINEL}@`) });
    const out: string[] = [];
    // No traces for git itself here: git's own GIT_TRACE / GIT_CURL_VERBOSE print the remote URL
    // as it is. git hands that URL to the pre-push hook, which is run with traces just below.
    const push = await ok(h.sb.git(['push', 'origin', 'main'], { cwd: dir }));
    out.push(push.stdout, push.stderr);
    expect(await h.srv.hasObject(repo, oidOf(data))).toBe(true);
    const more = blob('cr8-more', 3000);
    h.sb.write(`${repo}/more.bin`, more);
    await ok(h.sb.git(['add', 'more.bin'], { cwd: dir }));
    await ok(h.sb.git(['commit', '-qm', 'more'], { cwd: dir }));
    const head = (await ok(h.sb.git(['rev-parse', 'HEAD'], { cwd: dir }))).stdout.trim();
    const url = h.srv.gitUrl(repo).replace('http://', `http://${USER}:${SENTINEL}@`);
    const hook = await ok(h.sb.tslfs(['pre-push', 'origin', url], { cwd: dir, env: TRACE, input: `refs/heads/main ${head} refs/heads/main ${'0'.repeat(40)}\n` }));
    out.push(hook.stdout, hook.stderr);
    expect(await h.srv.hasObject(repo, oidOf(more))).toBe(true);
    const env = await ok(h.sb.tslfs(['env'], { cwd: dir }));
    out.push(env.stdout, env.stderr);
    // The user name may show (as in git-lfs); the password never does (checked below).
    expect(env.stdout.split('\n').find((l) => l.startsWith('Endpoint='))).toMatch(new RegExp(`^Endpoint=http://(${USER}@)?${h.srv.lfsUrl(repo).slice(7)} \\(auth=`));

    const { rmSync } = await import('node:fs');
    rmSync(join(dir, '.git', 'lfs'), { recursive: true, force: true });
    h.srv.failNext({ kind: 'storage-get', repo, status: 503, message: 'storage down', times: Infinity });
    const f = await h.sb.tslfs(['fetch'], { cwd: dir, env: { ...TRACE, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'lfs.transfer.maxretries', GIT_CONFIG_VALUE_0: '1' } });
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toContain(oidOf(data));
    out.push(f.stdout, f.stderr);
    // The same credentials in lfs.url, against an endpoint that fails as a whole.
    const bad = `${h.srv.url.replace('http://', `http://${USER}:${SENTINEL}@`)}/batch-status-500.git/info/lfs`;
    await ok(h.sb.git(['config', 'lfs.url', bad], { cwd: dir }));
    const f2 = await h.sb.tslfs(['fetch'], { cwd: dir, env: TRACE });
    expect(f2.exitCode).toBe(2);
    expect(f2.stderr).toContain(oidOf(data));
    out.push(f2.stdout, f2.stderr);
    const env2 = await ok(h.sb.tslfs(['env'], { cwd: dir }));
    out.push(env2.stdout, env2.stderr);
    expectNoSecret('output', out.join('\n'));
    expectNoSecret('.git/lfs/logs', logsText(dir));
  });
});

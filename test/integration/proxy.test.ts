/**
 * Proxies with a real proxy process (Debian's tinyproxy on 127.0.0.1) and the test LFS server:
 * git push / git clone with tslfs as the filter through http.proxy, HTTP(S)_PROXY and NO_PROXY,
 * proxy credentials (Proxy-Authorization only to the proxy, CR11), and the Dragonfly set-up
 * (http.proxy + lfs.transfer.enablehrefrewrite + url.<http base>.insteadOf <https base>, so that
 * object downloads become plain GETs a caching proxy can see). Evidence comes from the proxy's
 * own log (which requests it forwarded) and the server's request log; content is checked by hash.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';

let sb: Sandbox;
let srv: LfsServer;
/** Emits storage hrefs as https://127.0.0.1:PORT/... although it serves plain HTTP. */
let dfSrv: LfsServer;
let proxy: Tinyproxy;
let authProxy: Tinyproxy;
let n = 0;
let template: string;

const files: Record<string, Buffer> = {
  'a.bin': Buffer.from('proxy object a\n'.repeat(500)),
  'b.bin': Buffer.from('proxy object b\n'.repeat(700)),
  'c.bin': Buffer.alloc(30_000, 7),
};
const oidOf = (d: Buffer): string => createHash('sha256').update(d).digest('hex');
const oids = Object.values(files).map(oidOf);

beforeAll(async () => {
  sb = makeSandbox();
  template = join(sb.root, 'template');
  srv = await startLfsServer({ root: join(sb.root, 'srv') });
  dfSrv = await startLfsServer({ root: join(sb.root, 'dfsrv'), hrefBase: (b) => b.replace(/^http:/, 'https:') });
  proxy = await startTinyproxy({ dir: join(sb.root, 'proxy') });
  authProxy = await startTinyproxy({ dir: join(sb.root, 'authproxy'), basicAuth: { user: 'puser', pass: 'p-ss' } });
  expect((await sb.tslfs(['install'])).exitCode).toBe(0);
  // One source repository with three LFS files, pushed (without hooks) to a bare repo on each
  // server; the objects are seeded on the servers directly.
  const src = await sb.initRepo('src', 'tslfs');
  sb.write('src/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  for (const [name, data] of Object.entries(files)) sb.write(`src/${name}`, data);
  expect((await sb.git(['add', '.'], { cwd: src })).exitCode).toBe(0);
  expect((await sb.git(['commit', '-qm', 'files'], { cwd: src })).exitCode).toBe(0);
  // Clones start with tslfs's hooks from a template: otherwise the filter installs them while
  // git may already be running post-checkout ("Text file busy", a race outside these tests).
  expect((await sb.tslfs(['update'], { cwd: src })).exitCode).toBe(0);
  cpSync(join(src, '.git', 'hooks'), join(template, 'hooks'), { recursive: true });
  for (const s of [srv, dfSrv]) {
    const bare = await s.createRepo('r');
    expect((await sb.git(['push', '-q', '--no-verify', bare, 'main'], { cwd: src })).exitCode).toBe(0);
    for (const d of Object.values(files)) await s.putObject('r', d);
  }
});

afterAll(async () => {
  await proxy?.stop();
  await authProxy?.stop();
  await srv?.stop();
  await dfSrv?.stop();
  sb?.cleanup();
});

/** Proxy request lines logged after `since` lines. */
function proxied(p: Tinyproxy, since: number): string[] {
  return p.requests().slice(since);
}

/** A clone of server repo `r` (smudge skipped) whose LFS URL is `s`'s. */
async function skipClone(s: LfsServer): Promise<string> {
  const dir = join(sb.root, `clone${++n}`);
  const r = await sb.git(['clone', '-q', `--template=${template}`, s.gitUrl('r'), dir], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
  expect(r.exitCode, r.stderr).toBe(0);
  return dir;
}

function storedObject(dir: string, oid: string): Buffer | null {
  const p = join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
  return existsSync(p) ? readFileSync(p) : null;
}

function expectAllStored(dir: string): void {
  for (const oid of oids) {
    const data = storedObject(dir, oid);
    expect(data, oid).not.toBeNull();
    expect(oidOf(data!)).toBe(oid);
  }
}

describe('http.proxy through tinyproxy', () => {
  it('git push uploads and git clone downloads through the proxy (absolute-URI requests, no CONNECT)', async () => {
    await srv.createRepo('pushed');
    const work = await sb.initRepo(`work${++n}`, 'tslfs');
    sb.write(`work${n}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    const data = { 'p1.bin': Buffer.from('pushed through a proxy 1\n'.repeat(300)), 'p2.bin': Buffer.from('pushed through a proxy 2\n'.repeat(300)) };
    for (const [name, d] of Object.entries(data)) sb.write(`work${n}/${name}`, d);
    await sb.git(['add', '.'], { cwd: work });
    await sb.git(['commit', '-qm', 'p'], { cwd: work });
    await sb.git(['remote', 'add', 'origin', srv.gitUrl('pushed')], { cwd: work });
    const since = proxy.requests().length;
    srv.clearRequests();
    const p = await sb.git(['-c', `http.proxy=${proxy.url}`, 'push', '-q', 'origin', 'main'], { cwd: work });
    expect(p.exitCode, p.stderr).toBe(0);
    await srv.settled();
    const lines = proxied(proxy, since);
    for (const d of Object.values(data)) {
      const oid = oidOf(d);
      expect(await srv.hasObject('pushed', oid)).toBe(true);
      expect(lines).toContain(`PUT ${srv.url}/storage/pushed/${oid} HTTP/1.1`);
    }
    expect(lines).toContain(`POST ${srv.url}/pushed.git/info/lfs/objects/batch HTTP/1.1`);
    expect(lines.some((l) => l.startsWith('CONNECT'))).toBe(false);
    expect(srv.requests.every((r) => !r.headers.proxyAuthorization)).toBe(true);

    const since2 = proxy.requests().length;
    const dir = join(sb.root, `clone${++n}`);
    const c = await sb.git(['-c', `http.proxy=${proxy.url}`, 'clone', '-q', `--template=${template}`, srv.gitUrl('pushed'), dir]);
    expect(c.exitCode, c.stderr).toBe(0);
    for (const [name, d] of Object.entries(data)) {
      expect(readFileSync(join(dir, name)).equals(d)).toBe(true);
      expect(proxied(proxy, since2)).toContain(`GET ${srv.url}/storage/pushed/${oidOf(d)} HTTP/1.1`);
    }
  });

  it('HTTP_PROXY from the environment is used; NO_PROXY bypasses it (the proxy log shows nothing)', async () => {
    const viaEnv = await skipClone(srv);
    const since = proxy.requests().length;
    const f = await sb.tslfs(['fetch'], { cwd: viaEnv, env: { HTTP_PROXY: proxy.url } });
    expect(f.exitCode, f.stderr).toBe(0);
    expectAllStored(viaEnv);
    const lines = proxied(proxy, since);
    for (const oid of oids) expect(lines).toContain(`GET ${srv.url}/storage/r/${oid} HTTP/1.1`);

    // lower-case http_proxy also works on its own.
    const lower = await skipClone(srv);
    const since1 = proxy.requests().length;
    expect((await sb.tslfs(['fetch'], { cwd: lower, env: { http_proxy: proxy.url } })).exitCode).toBe(0);
    expectAllStored(lower);
    expect(proxied(proxy, since1).filter((l) => l.includes('/storage/r/'))).toHaveLength(oids.length);

    const bypass = await skipClone(srv);
    const since2 = proxy.requests().length;
    srv.clearRequests();
    for (const noProxy of [{ NO_PROXY: '127.0.0.1' }, { no_proxy: `127.0.0.1:${srv.port}` }]) {
      const b = await sb.tslfs(['fetch'], { cwd: bypass, env: { HTTP_PROXY: proxy.url, ...noProxy } });
      expect(b.exitCode, b.stderr).toBe(0);
    }
    expectAllStored(bypass);
    expect(srv.requests.filter((r) => r.kind === 'storage-get')).toHaveLength(oids.length);
    expect(proxied(proxy, since2)).toEqual([]);
  });

  it('http.<url>.proxy applies to matching URLs only, and wins over the environment', async () => {
    const dir = await skipClone(srv);
    await sb.git(['config', `http.${srv.url}/storage/.proxy`, proxy.url], { cwd: dir });
    const since = proxy.requests().length;
    // The environment names a proxy that does not exist: git config wins for storage URLs,
    // NO_PROXY keeps the API direct.
    const f = await sb.tslfs(['fetch'], { cwd: dir, env: { HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: 'localhost' } });
    expect(f.exitCode, f.stderr).not.toBe(0);
    expect(f.stderr).toMatch(/127\.0\.0\.1:9/);
    const ok = await sb.tslfs(['fetch'], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expectAllStored(dir);
    const lines = proxied(proxy, since);
    expect(lines.filter((l) => l.includes('/storage/r/'))).toHaveLength(oids.length);
    expect(lines.some((l) => l.includes('/objects/batch'))).toBe(false);
  });

  it('HR16: http.proxy in a committed .lfsconfig is ignored (requests go direct)', async () => {
    const dir = await skipClone(srv);
    writeFileSync(join(dir, '.lfsconfig'), `[http]\n\tproxy = ${proxy.url}\n`);
    await sb.git(['add', '.lfsconfig'], { cwd: dir });
    await sb.git(['commit', '-qm', 'lfsconfig'], { cwd: dir });
    const since = proxy.requests().length;
    const f = await sb.tslfs(['fetch'], { cwd: dir });
    expect(f.exitCode, f.stderr).toBe(0);
    expectAllStored(dir);
    expect(proxied(proxy, since)).toEqual([]);
  });

  it('a proxy that refuses connections fails clearly, naming the proxy, and stores nothing', async () => {
    const dir = await skipClone(srv);
    const f = await sb.tslfs(['fetch'], { cwd: dir, env: { HTTP_PROXY: 'http://127.0.0.1:9' } });
    expect(f.exitCode).not.toBe(0);
    expect(f.stderr).toMatch(/through proxy http:\/\/127\.0\.0\.1:9/);
    expect(f.stderr).toMatch(/connection refused/);
    for (const oid of oids) expect(storedObject(dir, oid)).toBeNull();
  });
});

describe('proxy credentials (CR11)', () => {
  it('credentials in the proxy URL reach the proxy only: the origin never sees Proxy-Authorization', async () => {
    const dir = await skipClone(srv);
    // p-ss percent-encoded in the URL (git-lfs requires encoded credentials; tinyproxy's config takes few characters).
    await sb.git(['config', 'http.proxy', `http://puser:p%2Dss@127.0.0.1:${authProxy.port}`], { cwd: dir });
    const since = authProxy.requests().length;
    srv.clearRequests();
    const f = await sb.tslfs(['fetch'], { cwd: dir });
    expect(f.exitCode, f.stderr).toBe(0);
    expectAllStored(dir);
    await srv.settled();
    expect(proxied(authProxy, since).filter((l) => l.includes('/storage/r/'))).toHaveLength(oids.length);
    expect(srv.requests.length).toBeGreaterThan(oids.length);
    expect(srv.requests.every((r) => !r.headers.proxyAuthorization && !r.headers.authorization)).toBe(true);
    expect(f.stderr).not.toContain('p%2Dss');
  });

  it('a redirect to another origin that is not proxied carries no proxy credentials', async () => {
    const dir = await skipClone(srv);
    // Only the main listener is proxied (with credentials); storage GETs are redirected to the
    // other listener, which is reached directly.
    await sb.git(['config', `http.${srv.url}/.proxy`, `http://puser:p%2Dss@127.0.0.1:${authProxy.port}`], { cwd: dir });
    srv.failNext({ kind: 'storage-get', repo: 'r', redirect: 'other', perOid: true, times: 1 });
    srv.clearRequests();
    const since = authProxy.requests().length;
    try {
      const f = await sb.tslfs(['fetch'], { cwd: dir });
      expect(f.exitCode, f.stderr).toBe(0);
    } finally {
      srv.clearRules();
    }
    expectAllStored(dir);
    await srv.settled();
    const alt = srv.requests.filter((r) => r.listener === 'alt' && r.kind === 'storage-get');
    expect(alt).toHaveLength(oids.length);
    expect(srv.requests.every((r) => !r.headers.proxyAuthorization)).toBe(true);
    const lines = proxied(authProxy, since);
    expect(lines.filter((l) => l.includes(`${srv.url}/storage/r/`))).toHaveLength(oids.length);
    expect(lines.some((l) => l.includes(srv.altUrl))).toBe(false);
  });

  it('a Proxy-Authorization header from http.extraHeader is never sent to an origin', async () => {
    const dir = await skipClone(srv);
    await sb.git(['config', '--add', 'http.extraHeader', 'Proxy-Authorization: Basic bGVhazpsZWFr'], { cwd: dir });
    await sb.git(['config', '--add', 'http.extraHeader', 'X-Kept: yes'], { cwd: dir });
    srv.clearRequests();
    const f = await sb.tslfs(['fetch'], { cwd: dir });
    expect(f.exitCode, f.stderr).toBe(0);
    await srv.settled();
    expect(srv.requests.length).toBeGreaterThan(0);
    expect(srv.requests.every((r) => !r.headers.proxyAuthorization && r.headers.extra['x-kept'] === 'yes')).toBe(true);
  });

  it('wrong proxy credentials fail without storing anything or leaking the password', async () => {
    const dir = await skipClone(srv);
    await sb.git(['config', 'http.proxy', `http://puser:wrong-secret@127.0.0.1:${authProxy.port}`], { cwd: dir });
    srv.clearRequests();
    const f = await sb.tslfs(['fetch'], { cwd: dir });
    expect(f.exitCode).not.toBe(0);
    expect(f.stderr).not.toContain('wrong-secret');
    for (const oid of oids) expect(storedObject(dir, oid)).toBeNull();
    expect(srv.requests).toEqual([]);
  });
});

describe('Dragonfly set-up: href rewrite onto a caching proxy', () => {
  const dfConfig = (): Array<[string, string]> => [
    ['http.proxy', proxy.url],
    ['lfs.transfer.enablehrefrewrite', 'true'],
    [`url.http://127.0.0.1:${dfSrv.port}/.insteadOf`, `https://127.0.0.1:${dfSrv.port}/`],
  ];

  it('the server hands out https hrefs; without the rewrite the download fails (control)', async () => {
    const dir = await skipClone(dfSrv);
    await sb.git(['config', 'http.proxy', proxy.url], { cwd: dir });
    await sb.git(['config', 'lfs.transfer.maxretries', '1'], { cwd: dir });
    const since = proxy.requests().length;
    const f = await sb.tslfs(['fetch'], { cwd: dir });
    expect(f.exitCode).not.toBe(0);
    expect(f.stderr).toMatch(/TLS handshake failed \(the server does not speak TLS on this port\)/);
    for (const oid of oids) expect(storedObject(dir, oid)).toBeNull();
    // The https hrefs went through CONNECT (opaque to a cache), not as GETs.
    const lines = proxied(proxy, since);
    expect(lines.some((l) => l.startsWith(`CONNECT 127.0.0.1:${dfSrv.port}`))).toBe(true);
    expect(lines.some((l) => l.startsWith('GET ') && l.includes('/storage/'))).toBe(false);
  });

  it('git clone: object GETs are rewritten to http:// and go through the proxy as plain GETs', async () => {
    const dir = join(sb.root, `clone${++n}`);
    const since = proxy.requests().length;
    dfSrv.clearRequests();
    const args = dfConfig().flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const c = await sb.git([...args, 'clone', '-q', `--template=${template}`, dfSrv.gitUrl('r'), dir]);
    expect(c.exitCode, c.stderr).toBe(0);
    for (const [name, d] of Object.entries(files)) expect(readFileSync(join(dir, name)).equals(d)).toBe(true);
    expectAllStored(dir);
    const lines = proxied(proxy, since);
    for (const oid of oids) expect(lines).toContain(`GET ${dfSrv.url}/storage/r/${oid} HTTP/1.1`);
    expect(lines.some((l) => l.startsWith('CONNECT'))).toBe(false);
    await dfSrv.settled();
    expect(dfSrv.requests.filter((r) => r.kind === 'storage-get' && r.status === 200)).toHaveLength(oids.length);
  });

  it('tslfs pull and push with the settings in git config: uploads are rewritten by insteadOf too', async () => {
    const dir = await skipClone(dfSrv);
    for (const [k, v] of dfConfig()) await sb.git(['config', k, v], { cwd: dir });
    const since = proxy.requests().length;
    const p = await sb.tslfs(['pull'], { cwd: dir });
    expect(p.exitCode, p.stderr).toBe(0);
    expectAllStored(dir);
    for (const [name, d] of Object.entries(files)) expect(readFileSync(join(dir, name)).equals(d)).toBe(true);
    expect(proxied(proxy, since).filter((l) => l.startsWith('GET ') && l.includes('/storage/r/'))).toHaveLength(oids.length);

    // An upload of a new object: its https href is rewritten by url.<base>.insteadOf as well.
    const extra = Buffer.from('uploaded through the dragonfly set-up\n'.repeat(100));
    sb.write(`${dir.slice(sb.root.length + 1)}/d.bin`, extra);
    await sb.git(['add', 'd.bin'], { cwd: dir });
    await sb.git(['commit', '-qm', 'd'], { cwd: dir });
    const since2 = proxy.requests().length;
    const up = await sb.tslfs(['push', 'origin', 'main'], { cwd: dir });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(await dfSrv.hasObject('r', oidOf(extra))).toBe(true);
    expect(proxied(proxy, since2)).toContain(`PUT ${dfSrv.url}/storage/r/${oidOf(extra)} HTTP/1.1`);
  });
});

/**
 * TLS against the test LFS server in HTTPS mode, with certificates made by `openssl` for this run
 * (test/support/testCerts.ts): self-signed refused by default with a clear message; trust from
 * http.sslCAInfo / GIT_SSL_CAINFO / http.sslCAPath; verification off with http.sslVerify=false,
 * http.<url>.sslVerify=false and GIT_SSL_NO_VERIFY; wrong host name and expired certificates
 * refused; client certificates (http.<url>.sslCert / sslKey), including encrypted keys whose
 * passphrase comes from the credential helper (protocol=cert); trust settings in a committed
 * .lfsconfig ignored (HS26); git clone over https with tslfs as the filter; an https server
 * through tinyproxy (CONNECT) with proxy credentials that never reach the origin (CR11).
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { makeTestCerts, type TestCerts } from '../support/testCerts.js';
import { startTinyproxy, type Tinyproxy } from '../support/tinyproxy.js';

let sb: Sandbox;
let certs: TestCerts;
let selfSrv: LfsServer;
let wrongSrv: LfsServer;
let expiredSrv: LfsServer;
let mtlsSrv: LfsServer;
let authProxy: Tinyproxy;
let origin: string;
let trustDir: string;
let n = 0;
let template: string;

const files: Record<string, Buffer> = {
  'a.bin': Buffer.from('tls object a\n'.repeat(400)),
  'b.bin': Buffer.alloc(25_000, 0x42),
};
const oidOf = (d: Buffer): string => createHash('sha256').update(d).digest('hex');
const oids = Object.values(files).map(oidOf);

beforeAll(async () => {
  sb = makeSandbox();
  template = join(sb.root, 'template');
  certs = makeTestCerts(join(sb.root, 'certs'));
  const key = certs.read('server.key');
  selfSrv = await startLfsServer({ root: join(sb.root, 'self'), tls: { key: certs.read('self.key'), cert: certs.read('self.crt') } });
  wrongSrv = await startLfsServer({ root: join(sb.root, 'wrong'), tls: { key, cert: certs.read('wrong.crt') } });
  expiredSrv = await startLfsServer({ root: join(sb.root, 'expired'), tls: { key, cert: certs.read('expired.crt') } });
  mtlsSrv = await startLfsServer({ root: join(sb.root, 'mtls'), tls: { key, cert: certs.read('good.crt'), clientCa: certs.read('ca.crt') } });
  authProxy = await startTinyproxy({ dir: join(sb.root, 'proxy'), basicAuth: { user: 'puser', pass: 'psecret' } });
  trustDir = join(sb.root, 'trustdir');
  mkdirSync(trustDir);
  copyFileSync(certs.path('ca.crt'), join(trustDir, 'ca.pem'));
  copyFileSync(certs.path('self.crt'), join(trustDir, 'self.pem'));
  writeFileSync(join(trustDir, 'README'), 'not a certificate\n');

  expect((await sb.tslfs(['install'])).exitCode).toBe(0);
  const src = await sb.initRepo('src', 'tslfs');
  sb.write('src/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  for (const [name, d] of Object.entries(files)) sb.write(`src/${name}`, d);
  await sb.git(['add', '.'], { cwd: src });
  expect((await sb.git(['commit', '-qm', 'files'], { cwd: src })).exitCode).toBe(0);
  // Clones start with tslfs's hooks from a template: otherwise the filter installs them while
  // git may already be running post-checkout ("Text file busy", a race outside these tests).
  expect((await sb.tslfs(['update'], { cwd: src })).exitCode).toBe(0);
  cpSync(join(src, '.git', 'hooks'), join(template, 'hooks'), { recursive: true });
  origin = join(sb.root, 'origin.git');
  expect((await sb.git(['init', '-q', '--bare', origin])).exitCode).toBe(0);
  expect((await sb.git(['push', '-q', '--no-verify', origin, 'main'], { cwd: src })).exitCode).toBe(0);
  const bare = await selfSrv.createRepo('r');
  expect((await sb.git(['push', '-q', '--no-verify', bare, 'main'], { cwd: src })).exitCode).toBe(0);
  for (const s of [selfSrv, wrongSrv, expiredSrv, mtlsSrv]) for (const d of Object.values(files)) await s.putObject('r', d);
});

afterAll(async () => {
  await authProxy?.stop();
  for (const s of [selfSrv, wrongSrv, expiredSrv, mtlsSrv]) await s?.stop();
  sb?.cleanup();
});

/** A clone of the local origin (smudge skipped) whose LFS URL is server `s`'s repo r. */
async function clone(s: LfsServer, config: Array<[string, string]> = []): Promise<string> {
  const dir = join(sb.root, `clone${++n}`);
  const r = await sb.git(['clone', '-q', `--template=${template}`, origin, dir], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
  expect(r.exitCode, r.stderr).toBe(0);
  // Storage requests retry any network error (git-lfs parity); one attempt keeps failures fast.
  for (const [k, v] of [['lfs.url', s.lfsUrl('r')], ['lfs.transfer.maxretries', '1'], ...config]) await sb.git(['config', k!, v!], { cwd: dir });
  return dir;
}

function stored(dir: string, oid: string): Buffer | null {
  const p = join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
  return existsSync(p) ? readFileSync(p) : null;
}

async function fetchOk(dir: string, env: Record<string, string> = {}): Promise<void> {
  const f = await sb.tslfs(['fetch'], { cwd: dir, env });
  expect(f.exitCode, f.stderr).toBe(0);
  for (const oid of oids) expect(oidOf(stored(dir, oid) ?? Buffer.alloc(0))).toBe(oid);
}

async function fetchFails(dir: string, re: RegExp, env: Record<string, string> = {}): Promise<string> {
  const f = await sb.tslfs(['fetch'], { cwd: dir, env });
  expect(f.exitCode).not.toBe(0);
  expect(f.stderr).toMatch(re);
  for (const oid of oids) expect(stored(dir, oid)).toBeNull();
  return f.stderr;
}

/** A credential helper that logs its calls and answers `get` with password=<pass>. */
function helper(name: string, pass: string): { path: string; log: () => string } {
  const log = join(sb.root, `${name}.log`);
  const path = join(sb.root, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\necho "== $1" >> '${log}'\ncat >> '${log}'\nif [ "$1" = get ]; then printf 'password=%s\\n' '${pass}'; fi\n`);
  chmodSync(path, 0o755);
  return { path, log: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
}

describe('server certificate verification', () => {
  it('a self-signed certificate is refused by default, with a clear message', async () => {
    const dir = await clone(selfSrv);
    const err = await fetchFails(dir, /TLS certificate verification failed \(self-signed certificate; trust it with http\.sslCAInfo\)/);
    expect(err).toContain(selfSrv.url);
  });

  it('http.sslCAInfo, GIT_SSL_CAINFO and http.<url>.sslCAInfo trust it', async () => {
    await fetchOk(await clone(selfSrv, [['http.sslcainfo', certs.path('self.crt')]]));
    await fetchOk(await clone(selfSrv), { GIT_SSL_CAINFO: certs.path('self.crt') });
    await fetchOk(await clone(selfSrv, [[`http.${selfSrv.url}/.sslcainfo`, certs.path('self.crt')]]));
    // Scoped to another URL: not used for this server.
    await fetchFails(await clone(selfSrv, [[`http.${wrongSrv.url}/.sslcainfo`, certs.path('self.crt')]]), /self-signed/);
  });

  it('a CA file that cannot be read is an error, not a silent fallback', async () => {
    const dir = await clone(selfSrv, [['http.sslcainfo', join(sb.root, 'missing.pem')]]);
    await fetchFails(dir, /http\.sslCAInfo: cannot read .*missing\.pem: ENOENT/);
  });

  it('http.sslCAPath and GIT_SSL_CAPATH: every certificate file in the directory', async () => {
    await fetchOk(await clone(selfSrv, [['http.sslcapath', trustDir]]));
    await fetchOk(await clone(mtlsSrv, [['http.sslcapath', trustDir], ['http.sslcert', certs.path('client.crt')], ['http.sslkey', certs.path('client.key')]]));
    await fetchOk(await clone(selfSrv), { GIT_SSL_CAPATH: trustDir });
  });

  it('http.sslVerify=false, http.<url>.sslVerify=false and GIT_SSL_NO_VERIFY turn verification off', async () => {
    await fetchOk(await clone(selfSrv, [['http.sslverify', 'false']]));
    await fetchOk(await clone(selfSrv, [[`http.${selfSrv.url}.sslverify`, 'false']]));
    await fetchOk(await clone(selfSrv), { GIT_SSL_NO_VERIFY: '1' });
    await fetchFails(await clone(selfSrv, [[`http.${wrongSrv.url}.sslverify`, 'false']]), /self-signed/);
  });

  it('a wrong host name is refused even with the CA trusted', async () => {
    await fetchFails(await clone(wrongSrv, [['http.sslcainfo', certs.path('ca.crt')]]), /TLS certificate verification failed \(the certificate is not valid for this host name\)/);
  });

  it('an expired certificate is refused even with the CA trusted', async () => {
    await fetchFails(await clone(expiredSrv, [['http.sslcainfo', certs.path('ca.crt')]]), /TLS certificate verification failed \(the certificate has expired\)/);
  });

  it('HS26: trust settings from a committed .lfsconfig are ignored', async () => {
    const dir = await clone(selfSrv);
    writeFileSync(join(dir, '.lfsconfig'), `[http]\n\tsslverify = false\n\tsslcainfo = ${certs.path('self.crt')}\n\tsslcapath = ${trustDir}\n[lfs]\n\turl = ${selfSrv.lfsUrl('r')}\n`);
    await sb.git(['add', '.lfsconfig'], { cwd: dir });
    await sb.git(['commit', '-qm', 'lfsconfig'], { cwd: dir });
    await sb.git(['config', '--unset', 'lfs.url'], { cwd: dir });
    // lfs.url from .lfsconfig is honoured (the request goes to the server), the trust keys are not.
    const err = await fetchFails(dir, /self-signed/);
    expect(err).toContain(selfSrv.url);
    // The same settings in the repository's own config are honoured.
    await sb.git(['config', 'http.sslcainfo', certs.path('self.crt')], { cwd: dir });
    await fetchOk(dir);
  });
});

describe('client certificates', () => {
  const trustCa: [string, string] = ['http.sslcainfo', ''];
  beforeAll(() => {
    trustCa[1] = certs.path('ca.crt');
  });

  it('a server that requires one refuses a client without it', async () => {
    const dir = await clone(mtlsSrv, [trustCa]);
    mtlsSrv.clearRequests();
    const f = await sb.tslfs(['fetch'], { cwd: dir });
    expect(f.exitCode).not.toBe(0);
    expect(f.stderr).toContain(mtlsSrv.url);
    expect(mtlsSrv.requests.filter((r) => r.kind === 'batch')).toEqual([]);
    for (const oid of oids) expect(stored(dir, oid)).toBeNull();
  });

  it('http.<url>.sslCert / sslKey (PEM) are presented to that server only', async () => {
    const scoped = (u: string): Array<[string, string]> => [trustCa, [`http.${u}/.sslcert`, certs.path('client.crt')], [`http.${u}/.sslkey`, certs.path('client.key')]];
    await fetchOk(await clone(mtlsSrv, scoped(mtlsSrv.url)));
    const other = await sb.tslfs(['fetch'], { cwd: await clone(mtlsSrv, scoped(selfSrv.url)) });
    expect(other.exitCode).not.toBe(0);
  });

  it('an encrypted key (traditional and PKCS#8) is decrypted with the passphrase from the credential helper (protocol=cert)', async () => {
    for (const keyName of ['client-enc.key', 'client-enc8.key']) {
      const h = helper(`certhelper-${keyName}`, certs.passphrase);
      const keyPath = certs.path(keyName);
      await fetchOk(await clone(mtlsSrv, [trustCa, ['http.sslcert', certs.path('client.crt')], ['http.sslkey', keyPath], ['credential.helper', h.path]]));
      const log = h.log();
      expect(log).toContain('== get\n');
      expect(log).toContain('protocol=cert\n');
      expect(log).toContain(`path=${keyPath}\nusername=\n`);
      expect(log).toContain('== store\n');
      // Asked once per run, not once per request.
      expect(log.match(/== get/g)).toHaveLength(1);
    }
  });

  it('the helper is asked the same question git-lfs 3.3.0 asks', async () => {
    const fields = (log: string): string[] =>
      log
        .split('== ')
        .find((b) => b.startsWith('get\n'))!
        .split('\n')
        .slice(1)
        .filter((l) => l && !l.startsWith('capability[]='))
        .sort();
    const config = (h: string): Array<[string, string]> => [trustCa, ['http.sslcert', certs.path('client.crt')], ['http.sslkey', certs.path('client-enc.key')], ['credential.helper', h]];
    const ours = helper('certhelper-ours', certs.passphrase);
    await fetchOk(await clone(mtlsSrv, config(ours.path)));
    const theirs = helper('certhelper-gitlfs', certs.passphrase);
    const dir = await clone(mtlsSrv, config(theirs.path));
    const g = await sb.gitLfs(['fetch'], { cwd: dir });
    expect(g.exitCode, g.stderr).toBe(0);
    expect(fields(ours.log())).toEqual(fields(theirs.log()));
    expect(fields(ours.log())).toEqual(['host=', 'path=' + certs.path('client-enc.key'), 'protocol=cert', 'username=']);
  });

  it('a wrong passphrase fails clearly and is rejected with the helper; no passphrase at all fails clearly', async () => {
    const h = helper('certhelper-wrong', 'not the passphrase');
    const base: Array<[string, string]> = [trustCa, ['http.sslcert', certs.path('client.crt')], ['http.sslkey', certs.path('client-enc.key')]];
    await fetchFails(await clone(mtlsSrv, [...base, ['credential.helper', h.path]]), /http\.sslKey: cannot decrypt .*client-enc\.key: wrong passphrase/);
    expect(h.log()).toContain('== erase\n');
    expect(h.log()).not.toContain('== store\n');
    await fetchFails(await clone(mtlsSrv, base), /client-enc\.key is encrypted and no passphrase was given/);
  });
});

describe('git over https with tslfs as the filter', () => {
  it('git clone https:// (GIT_SSL_CAINFO for git and tslfs) smudges every object', async () => {
    const dir = join(sb.root, `https-clone${++n}`);
    selfSrv.clearRequests();
    const c = await sb.git(['clone', '-q', `--template=${template}`, selfSrv.gitUrl('r'), dir], { env: { GIT_SSL_CAINFO: certs.path('self.crt') } });
    expect(c.exitCode, c.stderr).toBe(0);
    for (const [name, d] of Object.entries(files)) expect(readFileSync(join(dir, name)).equals(d)).toBe(true);
    await selfSrv.settled();
    expect(selfSrv.requests.filter((r) => r.kind === 'storage-get' && r.status === 200)).toHaveLength(oids.length);
    expect(selfSrv.requests.some((r) => r.kind === 'git')).toBe(true);
  });

  it('https through tinyproxy (CONNECT) with proxy credentials: the origin never sees them', async () => {
    const dir = await clone(selfSrv, [
      ['http.sslcainfo', certs.path('self.crt')],
      ['http.proxy', `http://puser:psecret@127.0.0.1:${authProxy.port}`],
    ]);
    selfSrv.clearRequests();
    const since = authProxy.requests().length;
    await fetchOk(dir);
    await selfSrv.settled();
    const lines = authProxy.requests().slice(since);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l === `CONNECT 127.0.0.1:${selfSrv.port} HTTP/1.1`)).toBe(true);
    expect(selfSrv.requests.filter((r) => r.kind === 'storage-get')).toHaveLength(oids.length);
    expect(selfSrv.requests.every((r) => !r.headers.proxyAuthorization)).toBe(true);
  });
});

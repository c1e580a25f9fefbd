/**
 * Proxy choice and TLS settings (src/http/proxy.ts, src/http/tlsOptions.ts), pure parts. The
 * environment-precedence and NO_PROXY cases were checked against git-lfs 3.3.0 through tinyproxy
 * (which requests reached the proxy).
 */
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/Config.js';
import { HttpClient } from '../../src/http/HttpClient.js';
import { noProxyMatches, normalizeProxyUrl, proxyCredentials, proxyFor } from '../../src/http/proxy.js';
import { certificatesIn, tlsSettingsFor } from '../../src/http/tlsOptions.js';

const u = (s: string) => new URL(s);
const none = new Config([]);

describe('proxyFor (git-lfs order)', () => {
  it.each<[string, Record<string, string>, Array<[string, string]>, string | null]>([
    ['https://h.example/', {}, [], null],
    ['https://h.example/', { HTTPS_PROXY: 'p:3128' }, [], 'http://p:3128'],
    ['https://h.example/', { https_proxy: 'http://low:1' }, [], 'http://low:1'],
    // Upper case wins, as in git-lfs (checked with 3.3.0).
    ['https://h.example/', { HTTPS_PROXY: 'http://up:1', https_proxy: 'http://low:1' }, [], 'http://up:1'],
    ['http://h.example/', { HTTP_PROXY: 'http://up:1', http_proxy: 'http://low:1' }, [], 'http://up:1'],
    // An https target falls back to the http proxy (git-lfs 3.3.0 sends CONNECT through it).
    ['https://h.example/', { HTTP_PROXY: 'http://hp:1' }, [], 'http://hp:1'],
    // ... but an http target never uses the https proxy.
    ['http://h.example/', { HTTPS_PROXY: 'http://sp:1' }, [], null],
    // git config replaces the environment, for both schemes.
    ['https://h.example/', { HTTPS_PROXY: 'http://env:3' }, [['http.proxy', 'http://git:1']], 'http://git:1'],
    ['http://h.example/', { HTTP_PROXY: 'http://env:3' }, [['http.proxy', 'http://git:1']], 'http://git:1'],
    ['https://special.example/x', {}, [['http.proxy', 'http://git:1'], ['http.https://special.example.proxy', 'http://sp:2']], 'http://sp:2'],
    // An empty git value falls back to the environment.
    ['https://h.example/', { HTTPS_PROXY: 'http://env:3' }, [['http.proxy', '']], 'http://env:3'],
    // Loopback targets are proxied (as git/curl do; see proxy.ts for git-lfs 3.3.0's difference).
    ['http://127.0.0.1:8080/x', {}, [['http.proxy', 'http://127.0.0.1:3128']], 'http://127.0.0.1:3128'],
    ['http://localhost:8080/x', { HTTP_PROXY: 'http://127.0.0.1:3128' }, [], 'http://127.0.0.1:3128'],
    // NO_PROXY (upper case wins) applies to git-config proxies too.
    ['https://h.example/', { NO_PROXY: 'h.example' }, [['http.proxy', 'http://git:1']], null],
    ['https://a.b.example/', { HTTPS_PROXY: 'http://p:1', no_proxy: 'example', NO_PROXY: 'other' }, [], 'http://p:1'],
    ['https://a.b.example/', { HTTPS_PROXY: 'http://p:1', no_proxy: 'example' }, [], null],
    ['https://h.example/', { HTTPS_PROXY: 'socks5h://s:1080' }, [], 'socks5://s:1080'],
    ['https://h.example/', { HTTPS_PROXY: 'http://u:p%40ss@p:1' }, [], 'http://u:p%40ss@p:1'],
  ])('%s env=%j git=%j -> %s', (url, env, cfg, want) => {
    expect(proxyFor(new Config(cfg), env, u(url))).toBe(want);
  });

  it('refuses an unusable proxy setting instead of going direct', () => {
    expect(() => proxyFor(new Config([['http.proxy', 'ftp://p:21']]), {}, u('https://h/'))).toThrow(/unsupported proxy URL/);
    expect(() => proxyFor(none, { HTTPS_PROXY: 'http://[bad' }, u('https://h/'))).toThrow(/invalid proxy URL/);
    expect(() => normalizeProxyUrl('http://u:secret@[bad')).toThrow(/invalid proxy URL/);
    try {
      normalizeProxyUrl('ftp://user:hunter2@p/');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

describe('NO_PROXY (Go httpproxy syntax, as git-lfs)', () => {
  it.each<[string, string, string, boolean]>([
    ['*', 'anything', '80', true],
    ['example.com', 'example.com', '443', true],
    ['example.com', 'api.example.com', '443', true],
    ['.example.com', 'api.example.com', '443', true],
    ['.example.com', 'example.com', '443', false],
    ['*.example.com', 'api.example.com', '443', true],
    ['*.example.com', 'example.com', '443', false],
    ['example.com', 'badexample.com', '443', false],
    ['example.com:8080', 'example.com', '443', false],
    ['example.com:8080', 'example.com', '8080', true],
    ['10.0.0.1, 127.0.0.1', '127.0.0.1', '80', true],
    ['127.0.0.1:9', '127.0.0.1', '80', false],
    ['127.0.0.0/8', '127.1.2.3', '80', true],
    ['10.0.0.0/8', '127.0.0.1', '80', false],
    ['::1', '[::1]', '80', true],
    ['[::1]:80', '::1', '80', true],
    ['fd00::/8', 'fd12::1', '443', true],
    ['127.0.0.1', 'localhost', '80', false],
    ['EXAMPLE.com', 'Api.Example.COM', '443', true],
    ['other example', 'example', '443', false],
    ['', 'example.com', '80', false],
    [' , ,', 'example.com', '80', false],
  ])('NO_PROXY %j host %s:%s -> %s', (list, host, port, ok) => {
    expect(noProxyMatches(list, host, port)).toBe(ok);
  });

  it('never matches a host that only shares a suffix without a dot (random names)', () => {
    let s = 12345;
    const r = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 300; i++) {
      const label = Array.from({ length: 3 + Math.floor(r() * 6) }, () => 'abcxyz'[Math.floor(r() * 6)]).join('');
      const domain = `${label}.test`;
      expect(noProxyMatches(domain, `x${domain}`, '443')).toBe(false);
      expect(noProxyMatches(domain, `x.${domain}`, '443')).toBe(true);
      expect(noProxyMatches(domain, domain, '443')).toBe(true);
    }
  });
});

describe('proxy credentials', () => {
  it('moves userinfo into a Basic Proxy-Authorization value (percent-decoded)', () => {
    expect(proxyCredentials('http://p:3128')).toEqual({ uri: 'http://p:3128', authorization: null });
    const c = proxyCredentials('http://us%3Aer:p%40ss@p:3128');
    expect(c.uri).toBe('http://p:3128');
    expect(Buffer.from(c.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe('us:er:p@ss');
    const userOnly = proxyCredentials('http://alice@p:3128');
    expect(Buffer.from(userOnly.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe('alice:');
  });
});

describe('TLS settings (git-lfs certs.go order)', () => {
  const origin = 'https://h.example:8443';
  it.each<[string, Record<string, string>, Array<[string, string]>, Record<string, unknown>]>([
    ['defaults', {}, [], { verify: true }],
    ['GIT_SSL_NO_VERIFY', { GIT_SSL_NO_VERIFY: '1' }, [], { verify: false }],
    ['GIT_SSL_NO_VERIFY=false', { GIT_SSL_NO_VERIFY: 'false' }, [], { verify: true }],
    ['http.sslverify=false', {}, [['http.sslverify', 'false']], { verify: false }],
    ['per-URL sslverify', {}, [['http.https://h.example:8443/.sslverify', 'false']], { verify: false }],
    ['other URL sslverify', {}, [['http.https://other.example.sslverify', 'false']], { verify: true }],
    ['GIT_SSL_CAINFO wins', { GIT_SSL_CAINFO: '/env.pem' }, [['http.sslcainfo', '/cfg.pem']], { verify: true, caFile: '/env.pem' }],
    ['per-URL sslcainfo', {}, [['http.sslcainfo', '/all.pem'], ['http.https://h.example:8443.sslcainfo', '/h.pem']], { verify: true, caFile: '/h.pem' }],
    ['CA file before CA path', {}, [['http.sslcapath', '/dir'], ['http.sslcainfo', '/f.pem']], { verify: true, caFile: '/f.pem' }],
    ['GIT_SSL_CAPATH', { GIT_SSL_CAPATH: '/envdir' }, [['http.sslcapath', '/dir']], { verify: true, caDir: '/envdir' }],
    ['client cert + key', {}, [['http.https://h.example:8443/.sslcert', '/c.pem'], ['http.https://h.example:8443/.sslkey', '/k.pem']], { verify: true, certFile: '/c.pem', keyFile: '/k.pem' }],
    ['cert only: key in the cert file', {}, [['http.sslcert', '/both.pem']], { verify: true, certFile: '/both.pem', keyFile: '/both.pem' }],
    ['client cert for another host', {}, [['http.https://other.example/.sslcert', '/c.pem']], { verify: true }],
  ])('%s', (_name, env, cfg, want) => {
    expect(tlsSettingsFor(new Config(cfg), env, origin)).toEqual(want);
  });

  it('certificatesIn: every PEM block; garbage gives none', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    expect(await certificatesIn(Buffer.from(`junk\n${pem}\nmore\n${pem}\n`))).toEqual([`${pem}\n`, `${pem}\n`]);
    expect(await certificatesIn(Buffer.from('not a certificate'))).toEqual([]);
  });
});

describe('HttpClient: unusable proxy or TLS settings fail before any connection', () => {
  it.each<[string, Array<[string, string]>, Record<string, string>, RegExp]>([
    ['http://127.0.0.1:1/x', [['http.proxy', 'ftp://p:21']], {}, /unsupported proxy URL "ftp:\/\/p\/?"/],
    ['https://127.0.0.1:1/x', [['http.sslcainfo', '/nonexistent/ca.pem']], {}, /http\.sslCAInfo: cannot read \/nonexistent\/ca\.pem: ENOENT/],
    ['https://127.0.0.1:1/x', [], { GIT_SSL_CAPATH: '/nonexistent-dir' }, /http\.sslCAPath: cannot read directory \/nonexistent-dir/],
    ['https://127.0.0.1:1/x', [['http.sslcert', '/nonexistent/c.pem'], ['http.sslkey', '/nonexistent/k.pem']], {}, /http\.sslCert: cannot read/],
  ])('%s with %j %j', async (url, cfg, env, re) => {
    const c = new HttpClient({ config: new Config(cfg), env });
    try {
      await expect(c.request({ method: 'GET', url })).rejects.toThrow(re);
      // The failure is remembered: the same error again, no retry of the file reads.
      await expect(c.request({ method: 'GET', url })).rejects.toThrow(re);
    } finally {
      await c.close();
    }
  });
});

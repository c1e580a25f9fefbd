/**
 * Pure parts of src/http: URL matching, redaction, Retry-After, netrc, the credential protocol
 * encoding and checks, batch reply validation, Content-Range, error messages and redirect rules.
 */
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/Config.js';
import { parseContentRange } from '../../src/http/basicAdapter.js';
import { rateLimitError } from '../../src/http/batchClient.js';
import { isExpired, parseAction, parseBatchJson, validateBatchReply } from '../../src/http/batchReply.js';
import { checkCredentialValues, credentialQueryFor, parseFillOutput, percentDecode, authorizationFor } from '../../src/http/credentials.js';
import { HttpClient, parseHttpUrl, redirectTarget } from '../../src/http/HttpClient.js';
import { HttpNetworkError, statusMessage } from '../../src/http/httpErrors.js';
import { parseNetrc } from '../../src/http/netrc.js';
import { redactHeaders, redactUrl, scrubSecrets } from '../../src/http/redact.js';
import { parseRetryAfter } from '../../src/http/retryAfter.js';
import { noProxyMatches, proxyFor } from '../../src/http/proxy.js';
import { urlConfigValue, urlConfigValues, urlMatchScore } from '../../src/http/urlMatch.js';

const OID_A = 'a'.repeat(64);
const OID_B = 'b'.repeat(64);

/** A tiny deterministic PRNG for property-style cases. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('urlMatch (git URL matching)', () => {
  it.each([
    ['https://example.com', 'https://example.com/a/b', true],
    ['https://example.com/a', 'https://example.com/a/b', true],
    ['https://example.com/a', 'https://example.com/ab', false],
    ['https://example.com', 'http://example.com/', false],
    ['https://*.example.com', 'https://api.example.com/x', true],
    ['https://*.example.com', 'https://example.com/x', false],
    ['https://EXAMPLE.com', 'https://example.COM/', true],
    ['https://example.com:443', 'https://example.com/', true],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8081/', false],
    ['https://user@example.com', 'https://example.com/', false],
    ['https://user@example.com', 'https://user@example.com/', true],
    ['not a url', 'https://example.com/', false],
  ])('%s vs %s -> %s', (pattern, url, ok) => {
    expect(urlMatchScore(pattern, url) >= 0).toBe(ok);
  });

  it('orders values from least to most specific and picks the most specific', () => {
    const c = new Config([
      ['http.https://h.example/a/b.extraheader', 'X-B: 2'],
      ['http.extraheader', 'X-Global: 0'],
      ['http.https://h.example.extraheader', 'X-H: 1'],
      ['http.https://other.example.extraheader', 'X-O: 9'],
    ]);
    expect(urlConfigValues(c, 'http', 'extraHeader', 'https://h.example/a/b/c')).toEqual(['X-Global: 0', 'X-H: 1', 'X-B: 2']);
    expect(urlConfigValue(c, 'http', 'extraheader', 'https://h.example/z')).toBe('X-H: 1');
    expect(urlConfigValue(c, 'lfs', 'access', 'https://h.example/z')).toBeUndefined();
  });

  it('extraHeaders: an empty value resets the list; malformed headers are skipped', () => {
    const c = new Config([
      ['http.extraheader', 'X-Old: 1'],
      ['http.https://h.example.extraheader', ''],
      ['http.https://h.example/r.extraheader', 'X-New: 2'],
      ['http.https://h.example/r.extraheader', 'Bad Header: x'],
      ['http.https://h.example/r.extraheader', 'nocolon'],
    ]);
    const client = new HttpClient({ config: c, env: {} });
    expect(client.extraHeaders('https://h.example/r/info/lfs')).toEqual([['X-New', '2']]);
    expect(client.extraHeaders('https://elsewhere.example/')).toEqual([['X-Old', '1']]);
  });
});

describe('redaction', () => {
  it('removes userinfo and query values', () => {
    expect(redactUrl('https://user:pw@h.example/p?X-Amz-Signature=abc&sig=def&flag')).toBe('https://h.example/p?X-Amz-Signature=REDACTED&sig=REDACTED&flag');
    expect(redactUrl('weird://user:pw@x')).not.toContain('pw');
    expect(redactUrl('not a url user:pw@')).toBe('not a url user:pw@');
  });

  it('masks secret headers and scrubs secrets from text', () => {
    expect(redactHeaders({ Authorization: 'Basic abc', Cookie: 'x=y', Accept: 'a' })).toEqual({ Authorization: 'Basic REDACTED', Cookie: 'REDACTED', Accept: 'a' });
    expect(scrubSecrets('token hunter2 here', ['hunter2', ''])).toBe('token REDACTED here');
  });

  it('never leaves a random password in a redacted URL', () => {
    const r = rng(7);
    for (let i = 0; i < 200; i++) {
      const pw = Array.from({ length: 8 + Math.floor(r() * 8) }, () => 'abcdefghijkXYZ0123456789'[Math.floor(r() * 24)]).join('');
      const url = `https://u:${pw}@host${i}.example:${1000 + i}/repo.git/info/lfs?token=${pw}`;
      expect(redactUrl(url)).not.toContain(pw);
    }
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    ['5', 5000],
    ['0', 0],
    ['-5', 0],
    ['999999999', 999999999000],
    ['garbage', undefined],
    ['1.5', undefined],
    [undefined, undefined],
    ['', undefined],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
  ])('%s -> %s', (v, ms) => {
    expect(parseRetryAfter(v, now)).toBe(ms);
  });

  it('rateLimitError: retriable within maxRetryTime, not beyond', () => {
    const ok = rateLimitError('slow down', '2', 300_000);
    expect(ok.retriable).toBe(true);
    expect(ok.retryAfterMs).toBe(2000);
    const no = rateLimitError('slow down', '100000', 300_000);
    expect(no.retriable).toBe(false);
    expect(no.message).toMatch(/longer than lfs\.transfer\.maxretrytime/);
    const none = rateLimitError('slow down', undefined, 300_000);
    expect(none.retriable).toBe(true);
    expect(none.retryAfterMs).toBeUndefined();
  });
});

describe('netrc', () => {
  it('parses machines, skips macdef bodies and ignores default', () => {
    const text = [
      'machine a.example login alice password apw',
      'macdef init',
      'machine evil.example login x password y',
      '',
      'machine b.example',
      '  login bob',
      '  password bpw # comment',
      'default login anyone password anypw',
    ].join('\n');
    expect(parseNetrc(text)).toEqual([
      { machine: 'a.example', login: 'alice', password: 'apw' },
      { machine: 'b.example', login: 'bob', password: 'bpw' },
    ]);
  });
});

describe('credential protocol', () => {
  it('builds the query from the URL (path only with useHttpPath, decoded)', () => {
    const url = 'http://u%40x@127.0.0.1:8080/a%20b/r.git/info/lfs?q=1';
    expect(credentialQueryFor(new Config([]), url)).toEqual({ protocol: 'http', host: '127.0.0.1:8080', username: 'u@x' });
    const c = new Config([['credential.http://127.0.0.1:8080.usehttppath', 'true']]);
    expect(credentialQueryFor(c, url, ['Basic realm="x"'])).toEqual({
      protocol: 'http',
      host: '127.0.0.1:8080',
      path: 'a b/r.git/info/lfs',
      username: 'u@x',
      wwwauth: ['Basic realm="x"'],
    });
  });

  it.each([
    ['path', 'a\nhost=evil', true, 'credential value for path contains newline'],
    ['path', 'a\0b', true, 'credential value for path contains null byte'],
    ['username', 'me\rhost=evil', true, 'credential value for username contains carriage return'],
    ['username', 'me\rx', false, null],
    ['path', 'a\nb', false, 'credential value for path contains newline'],
    ['path', 'fine/path', true, null],
  ] as const)('%s=%j protect=%s', (field, value, protect, err) => {
    const q = { protocol: 'https', host: 'h', [field]: value };
    const f = () => checkCredentialValues(q, protect);
    if (err) expect(f).toThrow(err);
    else expect(f).not.toThrow();
  });

  it('percentDecode keeps malformed escapes', () => {
    expect(percentDecode('a%0ab%zz%e2%82%ac')).toBe('a\nb%zz€');
  });

  it('parses helper output; protocol/host lines cannot retarget', () => {
    expect(parseFillOutput('protocol=https\nhost=evil\nusername=u\npassword=p\n')).toEqual({ username: 'u', password: 'p', source: 'helper' });
    expect(parseFillOutput('authtype=Bearer\ncredential=tok\n')).toMatchObject({ authtype: 'Bearer', credential: 'tok' });
    expect(parseFillOutput('garbage\n')).toBeNull();
    expect(authorizationFor({ username: 'u', password: 'p', source: 'helper' })).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(authorizationFor({ username: '', password: '', authtype: 'Bearer', credential: 'tok', source: 'helper' })).toBe('Bearer tok');
  });
});

describe('batch reply validation', () => {
  const asked = [
    { oid: OID_A, size: 10, name: 'a' },
    { oid: OID_B, size: 20, name: 'b' },
  ];
  const now = 1_000_000;
  const dl = (o: unknown, extra: Record<string, unknown> = {}) =>
    validateBatchReply({ objects: o, ...extra } as Record<string, unknown>, { direction: 'download', asked, apiProtocol: 'https:', now });
  const action = (href = 'https://s.example/x', more: Record<string, unknown> = {}) => ({ download: { href, ...more } });

  it('accepts good objects and reports missing/unknown ones', () => {
    const r = dl([{ oid: OID_A, size: 10, actions: action() }]);
    expect(r.transfer).toBe('basic');
    expect(r.objects[0]).toEqual({ oid: OID_A, action: { href: 'https://s.example/x' } });
    expect(r.objects[1]).toMatchObject({ oid: OID_B, error: { message: 'the server did not return this object' } });
    const u = dl([{ oid: 'c'.repeat(64), size: 1, actions: action() }, { oid: '../../../../tmp/pwn', actions: action() }, { oid: OID_A.toUpperCase(), actions: action() }]);
    expect(u.objects.map((o) => o.error?.message)).toEqual(['the server returned an unknown OID', 'the server returned an unknown OID']);
  });

  it.each([-1, '10', 1e20, 9007199254740993, 1.5, null])('rejects size %j', (size) => {
    const r = dl([{ oid: OID_A, size, actions: action() }]);
    expect(r.objects[0]!.error?.message).toMatch(/invalid size/);
  });

  it.each([
    ['file:///etc/passwd', /unsupported scheme/],
    ['ftp://h/x', /unsupported scheme/],
    ['data:,x', /unsupported scheme/],
    ['javascript:alert(1)', /unsupported scheme/],
    ['/relative', /not an absolute URL/],
    ['https://user:pw@h/x', /credentials/],
    ['http://h/x', /insecure/],
    [`https://h/${'x'.repeat(40000)}`, /too long/],
  ])('rejects href %s', (href, re) => {
    const r = dl([{ oid: OID_A, size: 10, actions: action(href) }]);
    expect(r.objects[0]!.error?.message).toMatch(re);
  });

  it('rejects bad headers, keeps good ones, and handles duplicates and errors', () => {
    expect(dl([{ oid: OID_A, actions: action(undefined, { header: { 'X-Ok': 'v' } }) }]).objects[0]!.action?.header).toEqual({ 'X-Ok': 'v' });
    expect(dl([{ oid: OID_A, actions: action(undefined, { header: { 'X-Bad': 'a\r\nb' } }) }]).objects[0]!.error).toBeDefined();
    expect(dl([{ oid: OID_A, actions: action(undefined, { header: { 'X-Num': 5 } }) }]).objects[0]!.error).toBeDefined();
    const dup = dl([
      { oid: OID_A, actions: action('https://s.example/1') },
      { oid: OID_A, actions: action('https://s.example/2') },
    ]);
    expect(dup.objects.filter((o) => o.oid === OID_A)).toHaveLength(1);
    expect(dup.objects[0]!.action?.href).toBe('https://s.example/1');
    const err = dl([{ oid: OID_A, error: { code: 410, message: 'gone' } }]);
    expect(err.objects[0]!.error).toEqual({ code: 410, message: 'gone' });
    expect(dl([{ oid: OID_A }]).objects[0]!.error?.message).toMatch(/no download action/);
  });

  it('hash_algo: "" and sha256 accepted; anything else fails every object', () => {
    expect(dl([{ oid: OID_A, actions: action() }], { hash_algo: '' }).objects[0]!.error).toBeUndefined();
    expect(dl([{ oid: OID_A, actions: action() }], { hash_algo: 'sha256' }).objects[0]!.error).toBeUndefined();
    const bad = dl([{ oid: OID_A, actions: action() }], { hash_algo: 'sha1' });
    expect(bad.objects.map((o) => o.error?.code)).toEqual([409, 409]);
  });

  it('uploads: no actions = skip; verify parsed; _links accepted; authenticated carried on the action', () => {
    const up = (o: unknown) => validateBatchReply({ objects: o } as Record<string, unknown>, { direction: 'upload', asked, apiProtocol: 'http:', now });
    const r = up([
      { oid: OID_A, size: 10 },
      { oid: OID_B, size: 20, authenticated: true, _links: { upload: { href: 'http://s/u' }, verify: { href: 'http://s/v' } } },
    ]);
    expect(r.objects[0]).toEqual({ oid: OID_A, action: null, skip: true });
    expect(r.objects[1]).toMatchObject({ oid: OID_B, action: { href: 'http://s/u', authenticated: true }, verify: { href: 'http://s/v' }, authenticated: true });
  });

  it('expiry: expires_in preferred, expires_at parsed, 5 s margin, malformed rejected', () => {
    const a = (more: Record<string, unknown>) => parseAction({ href: 'https://h/x', ...more }, 'https:', now);
    expect(a({ expires_in: 60 })).toMatchObject({ expiresAt: now + 60_000 });
    expect(a({ expires_in: 60, expires_at: '2000-01-01T00:00:00Z' })).toMatchObject({ expiresAt: now + 60_000 });
    expect(a({ expires_at: '2000-01-01T00:00:00Z' })).toMatchObject({ expiresAt: Date.parse('2000-01-01T00:00:00Z') });
    expect(a({ expires_in: 'soon' })).toMatch(/invalid action expiry/);
    expect(a({ expires_at: 'not a date' })).toMatch(/invalid action expiry/);
    expect(a({ expires_in: 2 ** 40 })).toMatchObject({ expiresAt: now + 2 ** 31 * 1000 });
    expect(isExpired({ expiresAt: now + 4_000 }, now)).toBe(true);
    expect(isExpired({ expiresAt: now + 6_000 }, now)).toBe(false);
    expect(isExpired({ expiresAt: now - 1 }, now)).toBe(true);
    expect(isExpired({}, now)).toBe(false);
  });

  it('parseBatchJson: a BOM, HTML, arrays and deep nesting rejected without crashing', () => {
    expect(() => parseBatchJson('\uFEFF{"objects":[]}')).toThrow(/unable to parse batch response/);
    expect(parseBatchJson('{"objects":[]}')).toEqual({ objects: [] });
    expect(() => parseBatchJson('<html>login</html>')).toThrow(/unable to parse batch response/);
    expect(() => parseBatchJson('[]')).toThrow(/not a JSON object/);
    expect(() => parseBatchJson('')).toThrow(/unable to parse/);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parseBatchJson(deep)).toThrow(/unable to parse|not a JSON object/);
    expect(() => validateBatchReply({ objects: null }, { direction: 'download', asked, apiProtocol: 'https:' })).toThrow(/missing objects/);
  });
});

describe('HTTP helpers', () => {
  it('parseContentRange', () => {
    expect(parseContentRange('bytes 5-9/10')).toEqual({ start: 5, end: 9, total: 10 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: null });
    expect(parseContentRange('bytes */10')).toBeNull();
    expect(parseContentRange(undefined)).toBeNull();
  });

  it('statusMessage: canned texts, JSON message wins, docs and request id appended', () => {
    expect(statusMessage(404, 'https://h/x')).toBe('Repository or object not found: https://h/x\nCheck that it exists and that you have proper access to it');
    expect(statusMessage(507, 'u')).toBe('Insufficient server storage: u');
    expect(statusMessage(418, 'u')).toBe('Client error: u (HTTP 418)');
    expect(statusMessage(503, 'u')).toBe('Server error: u (HTTP 503)');
    expect(statusMessage(403, 'u', { message: 'no\x1b[31m', documentation_url: 'https://d', request_id: 'r1' })).toBe('no?[31m\nDocs: https://d\nRequest ID: r1');
    expect(statusMessage(500, 'u', { message: 'x'.repeat(5000) }).length).toBeLessThan(1100);
  });

  it('HttpNetworkError: temporary errors are retriable, refused ones are not', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(new HttpNetworkError('GET u', reset).retriable).toBe(true);
    expect(new HttpNetworkError('GET u', refused).retriable).toBe(false);
    expect(new HttpNetworkError('GET u', refused).message).toBe('GET u: connection refused');
    expect(new HttpNetworkError('GET u', { cause: { code: 'UND_ERR_BODY_TIMEOUT' } }).retriable).toBe(true);
  });

  it('redirect rules: relative resolved, CR/LF refused, https->http refused, userinfo dropped', () => {
    const from = new URL('https://a.example/x/y');
    expect(redirectTarget(from, '/z').toString()).toBe('https://a.example/z');
    expect(redirectTarget(from, 'q').toString()).toBe('https://a.example/x/q');
    expect(redirectTarget(from, 'https://u:p@b.example/').toString()).toBe('https://b.example/');
    expect(() => redirectTarget(from, 'http://b.example/')).toThrow(/refusing insecure redirect/);
    expect(() => redirectTarget(from, '/a\r\nSet-Cookie: x')).toThrow(/invalid redirect Location/);
    expect(() => redirectTarget(from, 'file:///etc/passwd')).toThrow(/non-HTTP/);
    expect(redirectTarget(new URL('http://a/'), 'https://b/').protocol).toBe('https:');
    expect(() => parseHttpUrl('gopher://x/')).toThrow(/unsupported URL scheme/);
    expect(parseHttpUrl('http://u:p@h/').toString()).toBe('http://h/');
  });
});

describe('lazy undici', () => {
  it('src/http imports undici only dynamically (type-only imports aside)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../../src/http/', import.meta.url);
    const offenders: string[] = [];
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.ts')) continue;
      const text = readFileSync(new URL(name, dir), 'utf8');
      if (/^\s*import\s+(?!type\b)[^;]*from\s+['"]undici['"]/m.test(text) || /^\s*export\s+[^;]*from\s+['"]undici['"]/m.test(text)) offenders.push(name);
    }
    expect(offenders).toEqual([]);
  });
});

describe('proxy choice', () => {
  const u = (s: string) => new URL(s);
  it('git config first, then the environment by scheme, NO_PROXY exempts', () => {
    const none = new Config([]);
    expect(proxyFor(none, {}, u('https://h.example/'))).toBeNull();
    expect(proxyFor(none, { HTTPS_PROXY: 'p:3128' }, u('https://h.example/'))).toBe('http://p:3128');
    expect(proxyFor(none, { HTTPS_PROXY: 'p:3128' }, u('http://h.example/'))).toBeNull();
    expect(proxyFor(none, { http_proxy: 'http://q:1' }, u('http://h.example/'))).toBe('http://q:1');
    const git = new Config([
      ['http.proxy', 'http://global:1'],
      ['http.https://special.example.proxy', 'http://special:2'],
    ]);
    expect(proxyFor(git, { HTTPS_PROXY: 'http://env:3' }, u('https://h.example/'))).toBe('http://global:1');
    expect(proxyFor(git, {}, u('https://special.example/x'))).toBe('http://special:2');
    expect(proxyFor(git, { NO_PROXY: '.example' }, u('https://a.b.example/'))).toBeNull();
  });

  it.each([
    ['*', 'anything', '80', true],
    ['example.com', 'example.com', '443', true],
    ['example.com', 'api.example.com', '443', true],
    ['.example.com', 'api.example.com', '443', true],
    ['*.example.com', 'api.example.com', '443', true],
    ['example.com', 'badexample.com', '443', false],
    ['example.com:8080', 'example.com', '443', false],
    ['example.com:8080', 'example.com', '8080', true],
    ['10.0.0.1, 127.0.0.1', '127.0.0.1', '80', true],
    ['', 'example.com', '80', false],
  ])('NO_PROXY %j host %s:%s -> %s', (list, host, port, ok) => {
    expect(noProxyMatches(list, host, port)).toBe(ok);
  });
});

describe('bounded bodies', () => {
  it('readTextCapped stops above the cap and destroys the stream', async () => {
    const { Readable } = await import('node:stream');
    const { readTextCapped, readErrorBody } = await import('../../src/http/readBody.js');
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024, 0x61));
      },
    });
    await expect(readTextCapped(endless, 64 * 1024, 'batch response')).rejects.toThrow('batch response too large (over 65536 bytes)');
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(1024 * 1024);
    expect(await readTextCapped(Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]))).toBe('{"a":1}');
    expect(await readErrorBody(Readable.from([Buffer.from('{"message":"m"}')]))).toEqual({ message: 'm' });
    expect(await readErrorBody(Readable.from([Buffer.from('<html>')]))).toBeUndefined();
  });
});

describe('resumable store writer (used by the basic adapter)', () => {
  it('claims, hashes and extends incomplete/<oid>.part; keeps bytes on abort; drops oversized or non-file parts', async () => {
    const { mkdtempSync, writeFileSync, readFileSync, existsSync, symlinkSync, rmSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createHash } = await import('node:crypto');
    const { LfsStore } = await import('../../src/store/LfsStore.js');
    const { storeLayoutFor } = await import('../../src/store/layout.js');
    const root = mkdtempSync(join(tmpdir(), 'tslfs-resume-'));
    try {
      const store = new LfsStore(storeLayoutFor(join(root, 'lfs')));
      const data = Buffer.from('resumable object content, quite long\n');
      const oid = createHash('sha256').update(data).digest('hex');
      const expect1 = { oid, size: data.length };
      mkdirSync(store.layout.incompleteDir, { recursive: true });
      const part = join(store.layout.incompleteDir, `${oid}.part`);

      writeFileSync(part, data.subarray(0, 10));
      const w = await store.newWriter({ resume: expect1 });
      expect(w.offset).toBe(10);
      expect(existsSync(part)).toBe(false);
      await w.write(data.subarray(10, 20));
      await w.abort();
      expect(readFileSync(part)).toEqual(data.subarray(0, 20));

      const w2 = await store.newWriter({ resume: expect1 });
      expect(w2.offset).toBe(20);
      await w2.write(data.subarray(20));
      await w2.commit(expect1);
      expect(readFileSync(store.objectPath(oid))).toEqual(data);
      await store.remove(oid);

      // A part as big as the object, or a symlink, is not resumed.
      writeFileSync(part, data);
      expect((await store.newWriter({ resume: expect1 })).offset).toBe(0);
      rmSync(part, { force: true });
      symlinkSync('/etc/hostname', part);
      expect((await store.newWriter({ resume: expect1 })).offset).toBe(0);
      expect(existsSync(part)).toBe(false);

      // A wrong prefix is caught by the hash at commit, and nothing is kept.
      writeFileSync(part, Buffer.from('XXXXXXXXXX'));
      const w3 = await store.newWriter({ resume: expect1 });
      await w3.write(data.subarray(10));
      await expect(w3.commit(expect1)).rejects.toThrow(/expected OID/);
      expect(existsSync(part)).toBe(false);
      expect(existsSync(store.objectPath(oid))).toBe(false);

      // Without `resume`, abort discards as before.
      const w4 = await store.newWriter();
      await w4.write(Buffer.from('abc'));
      await w4.abort();
      expect(existsSync(part)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

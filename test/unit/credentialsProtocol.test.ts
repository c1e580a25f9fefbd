import { describe, expect, it } from 'vitest';
import { Config, type ConfigEntry } from '../../src/config/Config.js';
import { askpassProgram, goQuote, hasCredentialHelper, promptUrl } from '../../src/http/askpass.js';
import { cookieHeaderFor, parseCookieFile } from '../../src/http/cookies.js';
import { authorizationFor, checkCredentialValues, parseFillOutput } from '../../src/http/credentials.js';

const cfg = (entries: Array<[string, string]>) => new Config(entries as ConfigEntry[]);

describe('git credential output', () => {
  it('reads authtype/credential, state[], continue and ephemeral', () => {
    const c = parseFillOutput('capability[]=authtype\nprotocol=https\nhost=h\nauthtype=Bearer\ncredential=tok\nstate[]=a:1\nstate[]=b:2\ncontinue=1\nephemeral=true\n')!;
    expect(c).toEqual({ username: '', password: '', authtype: 'Bearer', credential: 'tok', state: ['a:1', 'b:2'], continue: true, ephemeral: true, source: 'helper' });
    expect(authorizationFor(c)).toBe('Bearer tok');
    expect(authorizationFor(parseFillOutput('username=u\npassword=p\n')!)).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('ignores protocol/host/path (no retargeting) and garbage lines', () => {
    const c = parseFillOutput('garbage\n\x01\x02\n=x\nprotocol=https\nhost=evil.example\npath=x\nurl=https://evil/\nusername=u\npassword=p\n')!;
    expect(c).toEqual({ username: 'u', password: 'p', source: 'helper' });
    expect(parseFillOutput('hello world\n')).toBeNull();
    expect(parseFillOutput('authtype=Bad Type\ncredential=x\n')).toBeNull();
  });

  it('refuses CR or NUL inside a credential value (CR4)', () => {
    for (const [k, v] of [['password', 'a\rb'], ['username', 'u\r'], ['credential', 'x\0y'], ['state[]', 's\r']] as const) {
      expect(() => parseFillOutput(`username=u\npassword=p\nauthtype=T\ncredential=c\n${k}=${v}\n`), k).toThrow(/containing a (carriage return|null byte)/);
    }
    // A CR in a key tslfs does not use is just ignored.
    expect(parseFillOutput('host=a\rb\nusername=u\npassword=p\n')).toEqual({ username: 'u', password: 'p', source: 'helper' });
  });

  it('checks state[] values before they reach a helper', () => {
    expect(() => checkCredentialValues({ protocol: 'https', host: 'h', state: ['a\nhost=evil'] }, true)).toThrow('credential value for state[] contains newline');
  });
});

describe('askpass', () => {
  it('quotes prompts like Go %q: control characters escaped', () => {
    expect(goQuote('http://h/a')).toBe('"http://h/a"');
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\x1b[31m\x07\n\r\t\x7f\u0085\u202e')).toBe('"\\x1b[31m\\a\\n\\r\\t\\x7f\\u0085\\u202e"');
    expect(goQuote('héllo')).toBe('"héllo"');
  });

  it('builds the prompt URL from the real protocol and host', () => {
    expect(promptUrl({ protocol: 'https', host: 'h:8443' }, false)).toBe('https://h:8443');
    expect(promptUrl({ protocol: 'https', host: 'h', path: 'r.git/info/lfs', username: 'a b' }, true)).toBe('https://a%20b@h/r.git/info/lfs');
  });

  it('picks GIT_ASKPASS, then core.askpass, then SSH_ASKPASS', () => {
    expect(askpassProgram(cfg([['core.askpass', '/c']]), { GIT_ASKPASS: '/g', SSH_ASKPASS: '/s' })).toBe('/g');
    expect(askpassProgram(cfg([['core.askpass', '/c']]), { SSH_ASKPASS: '/s' })).toBe('/c');
    expect(askpassProgram(cfg([]), { SSH_ASKPASS: '/s' })).toBe('/s');
    expect(askpassProgram(cfg([]), { GIT_ASKPASS: '' })).toBeNull();
  });

  it('sees credential helpers for a URL (an empty value resets the list)', () => {
    expect(hasCredentialHelper(cfg([['credential.helper', 'store']]), 'https://h/x')).toBe(true);
    expect(hasCredentialHelper(cfg([['credential.helper', 'store'], ['credential.helper', '']]), 'https://h/x')).toBe(false);
    expect(hasCredentialHelper(cfg([['credential.https://h.helper', 'cache']]), 'https://h/x')).toBe(true);
    expect(hasCredentialHelper(cfg([['credential.https://other.helper', 'cache']]), 'https://h/x')).toBe(false);
  });
});

describe('cookie file', () => {
  const now = 1_700_000_000;
  const jar = parseCookieFile(
    [
      '# Netscape HTTP Cookie File',
      'h.example\tFALSE\t/\tFALSE\t0\tsess\t1',
      '.sub.example\tTRUE\t/lfs\tFALSE\t0\tdeep\t2',
      '#HttpOnly_h.example\tFALSE\t/\tTRUE\t0\tsec\t3',
      `h.example\tFALSE\t/\tFALSE\t${now - 10}\told\t4`,
      `h.example\tFALSE\t/\tFALSE\t${now + 10}\tnew\t5`,
      'h.example\tFALSE\t/\tFALSE\t0\tbad\tx;y',
      'h.example\tFALSE\t/\tFALSE\t0\tb@d name\tx',
      'short\tline',
    ].join('\r\n'),
  );

  it('parses the Netscape format, skipping comments and unsafe names or values', () => {
    expect(jar.map((c) => c.name)).toEqual(['sess', 'deep', 'sec', 'old', 'new']);
    expect(jar[2]).toMatchObject({ domain: 'h.example', secure: true });
  });

  it('matches host, subdomains, path boundaries, secure and expiry', () => {
    expect(cookieHeaderFor(jar, 'http://h.example/r.git/info/lfs/objects/batch', now)).toBe('sess=1; new=5');
    expect(cookieHeaderFor(jar, 'https://h.example/x', now)).toBe('sess=1; sec=3; new=5');
    expect(cookieHeaderFor(jar, 'https://a.sub.example/lfs/objects', now)).toBe('deep=2');
    expect(cookieHeaderFor(jar, 'https://a.sub.example/lfsx', now)).toBeNull();
    expect(cookieHeaderFor(jar, 'https://sub.example/lfs', now)).toBe('deep=2');
    expect(cookieHeaderFor(jar, 'https://evilh.example/', now)).toBeNull();
    expect(cookieHeaderFor(jar, 'https://x.h.example/', now)).toBeNull();
  });
});

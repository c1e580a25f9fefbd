import { describe, expect, it } from 'vitest';
import { canonicalKey, Config, envTruthy, parseGitBool } from '../../src/config/Config.js';
import { isSafeLfsconfigKey } from '../../src/config/lfsconfigKeys.js';
import { parseConfigList } from '../../src/config/load.js';

describe('Config', () => {
  it('canonicalises keys as git does', () => {
    expect(canonicalKey('LFS.URL')).toBe('lfs.url');
    expect(canonicalKey('Remote.Origin.LfsUrl')).toBe('remote.Origin.lfsurl');
    expect(canonicalKey('lfs.https://Example.com/.Access')).toBe('lfs.https://Example.com/.access');
  });

  it('parses git booleans', () => {
    for (const t of ['true', 'yes', 'on', '1', 'TRUE', '2']) expect(parseGitBool(t)).toBe(true);
    for (const f of ['false', 'no', 'off', '0', '']) expect(parseGitBool(f)).toBe(false);
    expect(parseGitBool('maybe')).toBeUndefined();
    expect(envTruthy('1')).toBe(true);
    expect(envTruthy(undefined)).toBe(false);
  });

  it('lets git config beat .lfsconfig and the last value win', () => {
    const c = new Config([['lfs.url', 'a'], ['lfs.url', 'b', 'local']], [['lfs.url', 'c'], ['lfs.fetchinclude', 'x']]);
    expect(c.get('lfs.url')).toBe('b');
    expect(c.getAll('lfs.url')).toEqual(['a', 'b']);
    expect(c.get('lfs.fetchinclude')).toBe('x');
    expect(c.getInScope('lfs.url', 'local')).toBe('b');
    expect(c.getInScope('lfs.url', 'global')).toBeUndefined();
  });

  it('reads integers with git suffixes and falls back on garbage', () => {
    const c = new Config([['a.b', '10'], ['a.k', '2k'], ['a.bad', 'ten']]);
    expect(c.getInt('a.b', 1)).toBe(10);
    expect(c.getInt('a.k', 1)).toBe(2048);
    expect(c.getInt('a.bad', 7)).toBe(7);
    expect(c.getInt('a.none', 8)).toBe(8);
  });

  it('parses git config -l -z output with and without scopes', () => {
    const plain = Buffer.from('core.bare\nfalse\0lfs.url\nhttps://x/y\0novalue\0');
    expect(parseConfigList(plain)).toEqual([['core.bare', 'false'], ['lfs.url', 'https://x/y'], ['novalue', 'true']]);
    const scoped = Buffer.from('global\0user.name\nA B\0local\0x.y\nmulti\nline\0');
    expect(parseConfigList(scoped, true)).toEqual([['user.name', 'A B', 'global'], ['x.y', 'multi\nline', 'local']]);
  });

  it('allows only the safe .lfsconfig keys', () => {
    for (const k of ['lfs.url', 'lfs.pushurl', 'remote.origin.lfsurl', 'lfs.https://h/.access', 'lfs.fetchexclude', 'lfs.extension.x.priority']) {
      expect(isSafeLfsconfigKey(k), k).toBe(true);
    }
    for (const k of ['core.sshcommand', 'lfs.customtransfer.x.path', 'lfs.extension.x.clean', 'lfs.standalonetransferagent', 'http.sslverify', 'url.x.insteadof', 'remote.my.fork.lfsurl', 'remote.origin.url', 'lfs.storage', 'credential.helper', 'include.path']) {
      expect(isSafeLfsconfigKey(k), k).toBe(false);
    }
  });
});

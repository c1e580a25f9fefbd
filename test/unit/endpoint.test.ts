import { describe, expect, it } from 'vitest';
import { Config, type ConfigEntry } from '../../src/config/Config.js';
import { applyUrlAliases, chooseRemote, findEndpoint, parseFetchHeadUrl, remoteNames, type Operation } from '../../src/http/endpoint.js';
import { lfsUrlFromClone, parseRemoteUrl } from '../../src/http/remoteUrl.js';

const existing = new Set(['/srv/repos/local.git', '/work/r/sibling', '/work/r/sibling/.git', '/work/r', '/srv/repos']);
const isLocalPath = (p: string) => existing.has(p);
const cfg = (entries: Array<[string, string]>, lfs: Array<[string, string]> = []) => new Config(entries as ConfigEntry[], lfs as ConfigEntry[]);

function endpointFor(remoteUrl: string, op: Operation = 'download') {
  return findEndpoint(cfg([['remote.origin.url', remoteUrl]]), { operation: op, remote: 'origin', cwd: '/work/r', isLocalPath });
}

describe('endpoint derivation from a clone URL', () => {
  const table: Array<[string, string, { standalone?: boolean; ssh?: object; filePath?: string }?]> = [
    ['https://git-server.com/foo/bar', 'https://git-server.com/foo/bar.git/info/lfs'],
    ['https://git-server.com/foo/bar.git', 'https://git-server.com/foo/bar.git/info/lfs'],
    ['https://git-server.com/foo/bar/', 'https://git-server.com/foo/bar.git/info/lfs'],
    ['https://git-server.com/foo/bar.git/', 'https://git-server.com/foo/bar.git/info/lfs'],
    ['http://127.0.0.1:8080/r', 'http://127.0.0.1:8080/r.git/info/lfs'],
    ['ssh://git@git-server.com/foo/bar.git', 'https://git-server.com/foo/bar.git/info/lfs', { ssh: { userAndHost: 'git@git-server.com', path: '/foo/bar.git' } }],
    ['ssh://git@git-server.com:2222/foo/bar', 'https://git-server.com/foo/bar.git/info/lfs', { ssh: { userAndHost: 'git@git-server.com', port: '2222', path: '/foo/bar' } }],
    ['git+ssh://git-server.com/foo/bar.git', 'https://git-server.com/foo/bar.git/info/lfs', { ssh: { userAndHost: 'git-server.com', path: '/foo/bar.git' } }],
    ['ssh+git://u@git-server.com/foo/bar.git', 'https://git-server.com/foo/bar.git/info/lfs'],
    ['git@git-server.com:foo/bar.git', 'https://git-server.com/foo/bar.git/info/lfs', { ssh: { userAndHost: 'git@git-server.com', path: 'foo/bar.git' } }],
    ['git-server.com:foo/bar', 'https://git-server.com/foo/bar.git/info/lfs', { ssh: { userAndHost: 'git-server.com', path: 'foo/bar' } }],
    ['git@[git-server.com:2222]:foo/bar.git', 'https://git-server.com/foo/bar.git/info/lfs', { ssh: { userAndHost: 'git@git-server.com', port: '2222', path: 'foo/bar.git' } }],
    ['git://git-server.com/foo/bar', 'https://git-server.com/foo/bar.git/info/lfs'],
    ['file:///srv/repos/local.git', 'file:///srv/repos/local.git', { standalone: true, filePath: '/srv/repos/local.git' }],
    ['file:///srv/repos/local.git/', 'file:///srv/repos/local.git', { standalone: true, filePath: '/srv/repos/local.git' }],
    ['/srv/repos/local.git', 'file:///srv/repos/local.git', { standalone: true, filePath: '/srv/repos/local.git' }],
    ['/srv/repos/local.git/', 'file:///srv/repos/local.git', { standalone: true, filePath: '/srv/repos/local.git' }],
    ['sibling', 'file:///work/r/sibling/.git', { standalone: true, filePath: '/work/r/sibling/.git' }],
    ['../r/sibling/', 'file:///work/r/sibling/.git', { standalone: true }],
    ['file:///work/r/sibling', 'file:///work/r/sibling', { standalone: true, filePath: '/work/r/sibling' }],
    ['helper::https://x/y', 'helper::https://x/y'],
  ];
  for (const [url, want, extra] of table) {
    it(`${url} -> ${want}`, () => {
      const e = endpointFor(url);
      expect(e.url).toBe(want);
      expect(e.source).toBe('remote.url');
      expect(e.standaloneAgent).toBe(extra?.standalone ? 'lfs-standalone-file' : null);
      if (extra?.ssh) expect(e.ssh).toEqual(extra.ssh);
      else if (!url.includes('ssh') && !url.includes('@')) expect(e.ssh).toBeUndefined();
      if (extra?.filePath) expect(e.filePath).toBe(extra.filePath);
    });
  }

  it('uses lfs.gitprotocol for git:// remotes', () => {
    const c = cfg([['remote.origin.url', 'git://h/r.git'], ['lfs.gitprotocol', 'http']]);
    expect(findEndpoint(c, { operation: 'download', remote: 'origin', cwd: '/', isLocalPath }).url).toBe('http://h/r.git/info/lfs');
  });

  it('treats a missing scheme-less path as scp-like only when it has a colon before any slash', () => {
    expect(parseRemoteUrl('no/such/dir', { cwd: '/x', isLocalPath }).kind).toBe('unknown');
    expect(parseRemoteUrl('./a:b', { cwd: '/x', isLocalPath }).kind).toBe('unknown');
    expect(parseRemoteUrl('host:a/b', { cwd: '/x', isLocalPath }).kind).toBe('ssh');
    expect(lfsUrlFromClone(parseRemoteUrl('https://h/r?x=1', { cwd: '/', isLocalPath }))).toBe('https://h/r.git/info/lfs?x=1');
  });
});

describe('endpoint precedence', () => {
  const base: Array<[string, string]> = [
    ['remote.origin.url', 'https://clone/o'],
    ['remote.origin.pushurl', 'https://push/o'],
    ['remote.other.url', 'https://clone/other'],
  ];
  const q = (op: Operation, remote = 'origin') => ({ operation: op, remote, cwd: '/', isLocalPath });

  it('derives downloads from remote.R.url and uploads from remote.R.pushurl', () => {
    const c = cfg(base);
    expect(findEndpoint(c, q('download')).url).toBe('https://clone/o.git/info/lfs');
    expect(findEndpoint(c, q('upload')).url).toBe('https://push/o.git/info/lfs');
    expect(findEndpoint(c, q('upload')).source).toBe('remote.pushurl');
    expect(findEndpoint(c, q('download', 'other')).url).toBe('https://clone/other.git/info/lfs');
  });

  it('prefers remote.R.lfsurl, and remote.R.lfspushurl for uploads, used verbatim', () => {
    const c = cfg([...base, ['remote.origin.lfsurl', 'https://lfs/o/'], ['remote.origin.lfspushurl', 'https://lfspush/o']]);
    expect(findEndpoint(c, q('download')).url).toBe('https://lfs/o');
    expect(findEndpoint(c, q('upload')).url).toBe('https://lfspush/o');
    expect(findEndpoint(c, q('download', 'other')).url).toBe('https://clone/other.git/info/lfs');
  });

  it('lets lfs.url beat every remote setting and lfs.pushurl beat it for uploads', () => {
    const c = cfg([...base, ['remote.origin.lfsurl', 'https://lfs/o'], ['lfs.url', 'https://global/lfs'], ['lfs.pushurl', 'https://global/push']]);
    expect(findEndpoint(c, q('download')).url).toBe('https://global/lfs');
    expect(findEndpoint(c, q('download', 'other')).source).toBe('lfs.url');
    expect(findEndpoint(c, q('upload')).url).toBe('https://global/push');
    const onlyUrl = cfg([...base, ['lfs.url', 'https://global/lfs']]);
    expect(findEndpoint(onlyUrl, q('upload')).url).toBe('https://global/lfs');
  });

  it('reads lfs.url from .lfsconfig below git config', () => {
    const c = cfg(base, [['lfs.url', 'https://from-lfsconfig/lfs'], ['remote.origin.lfsurl', 'https://x']]);
    expect(findEndpoint(c, q('download')).url).toBe('https://from-lfsconfig/lfs');
    const over = cfg([...base, ['lfs.url', 'https://git-config/lfs']], [['lfs.url', 'https://from-lfsconfig/lfs']]);
    expect(findEndpoint(over, q('download')).url).toBe('https://git-config/lfs');
  });

  it('falls back to origin for an unconfigured remote name, and to FETCH_HEAD for origin only', () => {
    const c = cfg([['remote.origin.url', 'https://clone/o']]);
    expect(findEndpoint(c, q('download', 'nosuch')).url).toBe('https://clone/o.git/info/lfs');
    const none = cfg([]);
    expect(findEndpoint(none, { ...q('download'), fetchHeadUrl: 'https://fh/r.git' }).url).toBe('https://fh/r.git/info/lfs');
    expect(findEndpoint(none, { ...q('download'), fetchHeadUrl: 'https://fh/r.git' }).source).toBe('FETCH_HEAD');
    const e = findEndpoint(none, q('download', 'x'));
    expect(e.url).toBe('');
    expect(e.source).toBe('none');
  });

  it('accepts a URL or an existing path in place of a remote name', () => {
    const c = cfg([]);
    expect(findEndpoint(c, q('upload', 'https://h/r')).url).toBe('https://h/r.git/info/lfs');
    const e = findEndpoint(c, q('upload', '/srv/repos/local.git'));
    expect(e.url).toBe('file:///srv/repos/local.git');
    expect(e.standaloneAgent).toBe('lfs-standalone-file');
  });

  it('names a configured standalone agent per URL or globally', () => {
    const c = cfg([...base, ['lfs.https://clone/o.git/info/lfs.standalonetransferagent', 'myagent']]);
    expect(findEndpoint(c, q('download')).standaloneAgent).toBe('myagent');
    expect(findEndpoint(c, q('download', 'other')).standaloneAgent).toBe(null);
    const g = cfg([...base, ['lfs.standalonetransferagent', 'g']]);
    expect(findEndpoint(g, q('download', 'other')).standaloneAgent).toBe('g');
  });
});

describe('url aliases', () => {
  const c = cfg([
    ['url.https://github.com/.insteadof', 'gh:'],
    ['url.https://long.example/x/.insteadof', 'gh:x/'],
    ['url.ssh://git@push.example/.pushinsteadof', 'gh:'],
    ['remote.origin.url', 'gh:x/repo'],
    ['remote.b.url', 'gh:y/repo.git'],
  ]);
  const q = (op: Operation, remote = 'origin') => ({ operation: op, remote, cwd: '/', isLocalPath });

  it('applies the longest insteadOf prefix', () => {
    expect(applyUrlAliases(c, 'gh:x/repo', 'download')).toBe('https://long.example/x/repo');
    expect(findEndpoint(c, q('download')).url).toBe('https://long.example/x/repo.git/info/lfs');
    expect(findEndpoint(c, q('download', 'b')).url).toBe('https://github.com/y/repo.git/info/lfs');
  });

  it('applies pushInsteadOf first for uploads', () => {
    expect(applyUrlAliases(c, 'gh:y/repo.git', 'upload')).toBe('ssh://git@push.example/y/repo.git');
    const e = findEndpoint(c, q('upload', 'b'));
    expect(e.url).toBe('https://push.example/y/repo.git/info/lfs');
    expect(e.ssh?.userAndHost).toBe('git@push.example');
  });

  it('leaves unmatched URLs alone', () => {
    expect(applyUrlAliases(c, 'https://other/x', 'upload')).toBe('https://other/x');
  });
});

describe('remote choice', () => {
  it('follows the argument, the branch, lfsdefault, a single remote, then origin', () => {
    const two = cfg([['remote.a.url', 'x'], ['remote.b.url', 'y']]);
    expect(remoteNames(two)).toEqual(['a', 'b']);
    expect(chooseRemote(two, { operation: 'download', explicit: 'b' })).toBe('b');
    expect(chooseRemote(two, { operation: 'download' })).toBe('origin');
    expect(chooseRemote(cfg([['remote.solo.url', 'x']]), { operation: 'download' })).toBe('solo');
    const withBranch = cfg([['remote.a.url', 'x'], ['remote.b.url', 'y'], ['branch.main.remote', 'b'], ['remote.lfsdefault', 'a']]);
    expect(chooseRemote(withBranch, { operation: 'download', currentBranch: 'main' })).toBe('b');
    expect(chooseRemote(withBranch, { operation: 'download', currentBranch: null })).toBe('a');
  });

  it('uses push-specific settings for uploads', () => {
    const c = cfg([['remote.a.url', 'x'], ['remote.b.url', 'y'], ['remote.c.url', 'z'], ['branch.main.remote', 'a'], ['remote.pushdefault', 'c']]);
    expect(chooseRemote(c, { operation: 'upload', currentBranch: 'main' })).toBe('c');
    const c2 = cfg([['remote.a.url', 'x'], ['remote.pushdefault', 'c'], ['remote.lfspushdefault', 'b']]);
    expect(chooseRemote(c2, { operation: 'upload' })).toBe('b');
    const c3 = cfg([['remote.a.url', 'x'], ['remote.lfspushdefault', 'b'], ['branch.main.pushremote', 'p']]);
    expect(chooseRemote(c3, { operation: 'upload', currentBranch: 'main' })).toBe('p');
    expect(chooseRemote(c3, { operation: 'download', currentBranch: 'main' })).toBe('a');
  });
});

describe('FETCH_HEAD', () => {
  it('extracts the URL', () => {
    expect(parseFetchHeadUrl("0123\t\tbranch 'main' of https://h/r\n")).toBe('https://h/r');
    expect(parseFetchHeadUrl('')).toBeNull();
  });
});

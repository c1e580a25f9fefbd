import { describe, expect, it } from 'vitest';
import { Config, type ConfigEntry } from '../../src/config/Config.js';
import { isSafeLfsconfigKey } from '../../src/config/lfsconfigKeys.js';
import { findEndpoint } from '../../src/http/endpoint.js';
import { advertisedAgents, customAgentSpec, customAgentSpecs } from '../../src/transfer/customAgents.js';

const cfg = (entries: Array<[string, string]>, lfs: Array<[string, string]> = []) => new Config(entries as ConfigEntry[], lfs as ConfigEntry[]);

describe('custom transfer agent config', () => {
  it('reads path/args/concurrent/direction with git-lfs defaults', () => {
    const c = cfg([
      ['lfs.customtransfer.folder.path', '/bin/agent'],
      ['lfs.customtransfer.folder.args', '--x "a b"'],
      ['lfs.customtransfer.up.path', 'up-agent'],
      ['lfs.customtransfer.up.concurrent', 'false'],
      ['lfs.customtransfer.up.direction', 'upload'],
      ['lfs.customtransfer.my.dotted.path', 'dotted'],
    ]);
    expect(customAgentSpec(c, 'folder')).toEqual({ name: 'folder', path: '/bin/agent', args: '--x "a b"', concurrent: true, direction: 'both' });
    expect(customAgentSpec(c, 'up')).toEqual({ name: 'up', path: 'up-agent', args: '', concurrent: false, direction: 'upload' });
    expect(customAgentSpecs(c).map((s) => s.name)).toEqual(['folder', 'up', 'my.dotted']);
    expect(advertisedAgents(c, 'download').map((s) => s.name)).toEqual(['folder', 'my.dotted']);
    expect(advertisedAgents(c, 'upload').map((s) => s.name)).toEqual(['folder', 'up', 'my.dotted']);
  });

  it('ignores agents without a path, built-in names, and a differently spelt subsection', () => {
    const c = cfg([
      ['lfs.customtransfer.nopath.args', 'x'],
      ['lfs.customtransfer.basic.path', '/bin/evil'],
      ['lfs.customtransfer.lfs-standalone-file.path', '/bin/evil'],
      ['lfs.customtransfer.tus.path', '/bin/evil'],
      ['lfs.customtransfer.ssh.path', '/bin/evil'],
      ['lfs.customtransfer.Case.path', '/bin/case'],
      ['lfs.customtransfer.case.concurrent', 'false'],
    ]);
    expect(customAgentSpecs(c).map((s) => s.name)).toEqual(['Case']);
    expect(customAgentSpec(c, 'Case')!.concurrent).toBe(true);
    expect(customAgentSpec(c, 'case')).toBeNull();
    expect(customAgentSpec(c, 'basic')).toBeNull();
  });

  it('lfs.basictransfersonly=true offers no agent', () => {
    const c = cfg([
      ['lfs.customtransfer.folder.path', '/bin/agent'],
      ['lfs.basictransfersonly', 'true'],
    ]);
    expect(advertisedAgents(c, 'download')).toEqual([]);
  });

  it('never takes agents or a standalone agent from .lfsconfig', () => {
    for (const k of ['lfs.customtransfer.x.path', 'lfs.customtransfer.x.args', 'lfs.standalonetransferagent', 'lfs.https://h/r.standalonetransferagent', 'lfs.basictransfersonly']) {
      expect(isSafeLfsconfigKey(k), k).toBe(false);
    }
  });

  it('a configured standalone agent wins over file:// (git-lfs), per URL or global', () => {
    const q = { operation: 'download' as const, remote: 'origin', cwd: '/w', isLocalPath: () => false };
    const file = [['remote.origin.url', 'file:///srv/r.git']] as Array<[string, string]>;
    expect(findEndpoint(cfg(file), q).standaloneAgent).toBe('lfs-standalone-file');
    expect(findEndpoint(cfg([...file, ['lfs.standalonetransferagent', 'folder']]), q).standaloneAgent).toBe('folder');
    expect(findEndpoint(cfg([...file, ['lfs.file:///srv/r.git.standalonetransferagent', 'scoped'], ['lfs.standalonetransferagent', 'folder']]), q).standaloneAgent).toBe('scoped');
    const http = [['remote.origin.url', 'https://h.example/r.git']] as Array<[string, string]>;
    expect(findEndpoint(cfg(http), q).standaloneAgent).toBeNull();
    expect(findEndpoint(cfg([...http, ['lfs.https://h.example/r.git/info/lfs.standalonetransferagent', 'folder']]), q).standaloneAgent).toBe('folder');
  });
});

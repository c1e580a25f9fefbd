import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { classifyHook, hookScript, HOOK_TYPES, isGitLfsHook, isTslfsHook } from '../../src/ops/hooks.js';
import { isTslfsCommand, shellQuote } from '../../src/ops/tslfsCommand.js';
import { filterValues, isUpgradableFilterValue, selectScope } from '../../src/ops/installFilters.js';
import { parsePushLines } from '../../src/api/prePush.js';
import { scopeFor } from '../../src/api/lockableHook.js';
import { goQuote } from '../../src/model/goQuote.js';
import { findEndpoint } from '../../src/http/endpoint.js';
import { Config } from '../../src/config/Config.js';
import { TslfsError, UsageError } from '../../src/errors/TslfsError.js';

// What git-lfs 3.3.0 writes (`git-lfs install`), and the newer (3.4+) wording.
const gitLfs33 = (t: string) =>
  `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS but 'git-lfs' was not found on your path. If you no longer wish to use Git LFS, remove this hook by deleting '.git/hooks/${t}'.\\n"; exit 2; }\ngit lfs ${t} "$@"\n`;
const gitLfs34 = (t: string) =>
  `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS but 'git-lfs' was not found on your path. If you no longer wish to use Git LFS, remove this hook by deleting the '${t}' file in the hooks directory (set by 'core.hookspath'; usually '.git/hooks').\\n"; exit 2; }\ngit lfs ${t} "$@"\n`;

const ABS = `'/opt/node 20/bin/node' '/home/u/p/node_modules/tslfs/bin/tslfs.js'`;

describe('hook scripts', () => {
  it('run `<cmd> <hook> "$@"` after a #!/bin/sh line and a missing-command check', () => {
    for (const t of HOOK_TYPES) {
      for (const cmd of ['tslfs', ABS]) {
        const s = hookScript(t, cmd);
        const lines = s.split('\n');
        expect(lines[0]).toBe('#!/bin/sh');
        expect(lines[2]).toBe(`${cmd} ${t} "$@"`);
        expect(lines[1]).toContain(`deleting the '${t}' file`);
        expect(s.endsWith('\n')).toBe(true);
      }
    }
  });

  it('exit 2 with a removal hint when the command is missing', () => {
    for (const cmd of ['tslfs', `'/nonexistent/node' '/nonexistent/tslfs.js'`]) {
      const r = spawnSync('/bin/sh', ['-c', hookScript('post-checkout', cmd), 'hook', 'a', 'b', '1'], {
        env: { PATH: '/nonexistent-dir' },
        encoding: 'utf8',
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("remove this hook by deleting the 'post-checkout' file");
    }
  });

  it('pass the hook arguments through', () => {
    // A fake "tslfs" on PATH that prints its arguments.
    const r = spawnSync('sh', ['-c', `tslfs() { echo "[$*]"; }; ${hookScript('post-merge', 'tslfs').split('\n').slice(2).join('\n')}`, 'x', '0'], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('[post-merge 0]\n');
  });

  it('recognises its own scripts in every command form, git-lfs scripts, and foreign ones', () => {
    for (const t of HOOK_TYPES) {
      const want = hookScript(t, 'tslfs');
      expect(classifyHook(t, null, want)).toBe('missing');
      expect(classifyHook(t, want, want)).toBe('current');
      expect(classifyHook(t, want.replace(/\n/g, '\r\n') + '\n\n', want)).toBe('current');
      expect(classifyHook(t, '  \n', want)).toBe('empty');
      expect(classifyHook(t, hookScript(t, ABS), want)).toBe('ours');
      expect(classifyHook(t, hookScript(t, `'/usr/bin/node' '/x/tslfs.js'`), want)).toBe('ours');
      expect(classifyHook(t, gitLfs33(t), want)).toBe('git-lfs');
      expect(classifyHook(t, gitLfs34(t), want)).toBe('git-lfs');
      expect(classifyHook(t, '#!/bin/sh\necho mine\n', want)).toBe('foreign');
      // Ours but for another hook type, or with something appended, is not ours.
      const other = t === 'pre-push' ? 'post-merge' : 'pre-push';
      expect(classifyHook(t, hookScript(other, 'tslfs'), want)).toBe('foreign');
      expect(classifyHook(t, want + 'rm -rf /tmp/x\n', want)).toBe('foreign');
      expect(isTslfsHook(t, gitLfs33(t))).toBe(false);
      expect(isGitLfsHook(t, hookScript(t, 'tslfs'))).toBe(false);
    }
    expect(isGitLfsHook('pre-push', '#!/bin/sh\ngit lfs push --stdin $*\n')).toBe(true);
    expect(isGitLfsHook('post-commit', '#!/bin/sh\ngit lfs push --stdin $*\n')).toBe(false);
  });
});

describe('tslfs command prefix', () => {
  it('quotes words for sh', () => {
    expect(shellQuote('/a b/node')).toBe(`'/a b/node'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    const r = spawnSync('sh', ['-c', `printf '%s' ${shellQuote(`a'b "c" $d \`e\``)}`], { encoding: 'utf8' });
    expect(r.stdout).toBe(`a'b "c" $d \`e\``);
  });

  it.each([
    ['tslfs', true],
    [ABS, true],
    [`'/usr/bin/node' '/x/bin/tslfs.js'`, true],
    [`/usr/local/bin/node /x/bin/tslfs.js`, true],
    [`/usr/local/bin/tslfs`, true],
    ['git-lfs', false],
    ['/usr/bin/git-lfs', false],
    [`'/usr/bin/node' '/x/bin/other.js'`, false],
    [`'/usr/bin/python' '/x/bin/tslfs.js'`, false],
    ['tslfs; rm -rf /', false],
    ['', false],
  ])('isTslfsCommand(%s) = %s', (cmd, want) => {
    expect(isTslfsCommand(cmd)).toBe(want);
  });
});

describe('filter config values', () => {
  it('are git-lfs values with the tslfs command', () => {
    expect(filterValues('tslfs', false)).toEqual([
      ['filter.lfs.clean', 'tslfs clean -- %f'],
      ['filter.lfs.smudge', 'tslfs smudge -- %f'],
      ['filter.lfs.process', 'tslfs filter-process'],
      ['filter.lfs.required', 'true'],
    ]);
    expect(filterValues('tslfs', true).map((e) => e[1])).toEqual(['tslfs clean -- %f', 'tslfs smudge --skip -- %f', 'tslfs filter-process --skip', 'true']);
  });

  it.each([
    ['filter.lfs.clean', '', true],
    ['filter.lfs.clean', `${ABS} clean -- %f`, true],
    ['filter.lfs.clean', 'tslfs clean %f', true],
    ['filter.lfs.clean', 'git-lfs clean -- %f', false],
    ['filter.lfs.clean', 'foo', false],
    ['filter.lfs.smudge', 'tslfs smudge --skip -- %f', true],
    ['filter.lfs.smudge', `${ABS} smudge %f`, true],
    ['filter.lfs.smudge', 'git-lfs smudge -- %f', false],
    ['filter.lfs.process', 'tslfs filter-process --skip', true],
    ['filter.lfs.process', 'git-lfs filter-process', false],
    ['filter.lfs.required', 'false', false],
    ['filter.lfs.required', '', true],
  ])('%s = %j upgradable: %s', (key, value, want) => {
    expect(isUpgradableFilterValue(key, value)).toBe(want);
  });

  it('selects one scope and rejects combinations with git-lfs wording', () => {
    expect(selectScope({})).toEqual({ scope: 'global', args: ['--global'] });
    expect(selectScope({ local: true }).args).toEqual(['--local']);
    expect(selectScope({ worktree: true }).args).toEqual(['--worktree']);
    expect(selectScope({ system: true }).args).toEqual(['--system']);
    expect(selectScope({ file: 'x.cfg' }).args).toEqual(['--file', 'x.cfg']);
    expect(() => selectScope({ local: true, system: true })).toThrow('Only one of --local and --system options can be specified.');
    expect(() => selectScope({ local: true, worktree: true })).toThrow('Only one of --local and --worktree options can be specified.');
    expect(() => selectScope({ local: true, file: 'f' })).toThrow(UsageError);
    expect(() => selectScope({ file: '' })).toThrow(TslfsError);
  });
});

describe('hook command helpers', () => {
  it('parses pre-push ref lines', () => {
    const z = '0'.repeat(40);
    const a = 'a'.repeat(40);
    expect(parsePushLines(`refs/heads/main ${a} refs/heads/main ${z}\n\ngarbage\nrefs/heads/x ${z} refs/heads/x ${a}\n`)).toEqual([
      { localRef: 'refs/heads/main', localSha: a, remoteRef: 'refs/heads/main', remoteSha: z },
      { localRef: 'refs/heads/x', localSha: z, remoteRef: 'refs/heads/x', remoteSha: a },
    ]);
  });

  it('maps hook events to the files they may have touched', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    expect(scopeFor({ hook: 'post-checkout', prev: a, next: b, branchCheckout: true })).toEqual({ kind: 'diff', from: a, to: b });
    expect(scopeFor({ hook: 'post-checkout', prev: '0'.repeat(40), next: b, branchCheckout: true })).toEqual({ kind: 'all' });
    expect(scopeFor({ hook: 'post-checkout', prev: a, next: a, branchCheckout: false })).toEqual({ kind: 'all' });
    expect(scopeFor({ hook: 'post-commit' })).toEqual({ kind: 'commit', rev: 'HEAD' });
    expect(scopeFor({ hook: 'post-merge' })).toEqual({ kind: 'all' });
  });

  it.each([
    ['git-lfs filter-process', '"git-lfs filter-process"'],
    [`'/a/node' '/b/tslfs.js' clean -- %f`, `"'/a/node' '/b/tslfs.js' clean -- %f"`],
    ['a"b\\c\n\t\x01', '"a\\"b\\\\c\\n\\t\\x01"'],
    ['', '""'],
    ['héllo', '"héllo"'],
  ])('goQuote(%j) = %s', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });

  it.each([
    ['https://example.com/foo/bar.git', 'https://example.com/foo/bar.git/info/lfs', undefined],
    ['https://example.com/foo/bar', 'https://example.com/foo/bar.git/info/lfs', undefined],
    ['https://h/x.git/', 'https://h/x.git/info/lfs', undefined],
    ['git@github.com:a/b.git', 'https://github.com/a/b.git/info/lfs', 'git@github.com:a/b.git'],
    ['ssh://git@github.com/a/b', 'https://github.com/a/b.git/info/lfs', 'git@github.com:/a/b'],
    ['git://h.org/p', 'https://h.org/p.git/info/lfs', undefined],
    ['file:///srv/r', 'file:///srv/r', undefined],
    ['/nonexistent/x', '/nonexistent/x.git/info/lfs', undefined],
  ])('endpoint of %s', (url, want, ssh) => {
    const ep = findEndpoint(new Config([['remote.origin.url', url]]), { operation: 'download', remote: 'origin', cwd: '/' });
    expect(ep.url).toBe(want);
    expect(ep.ssh ? `${ep.ssh.userAndHost}:${ep.ssh.path}` : undefined).toBe(ssh);
  });
});

/**
 * The ssh command line (variants, option injection: HR17 / CVE-2017-17831), the
 * git-lfs-authenticate reply parser (HS23) and the pure SSH batch reply parser.
 */
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/Config.js';
import { parseRemoteUrl } from '../../src/http/remoteUrl.js';
import { authExpired, parseAuthReply, SshAuthCache, type SshAuth } from '../../src/ssh/sshAuthenticate.js';
import { buildSshArgv, findExecutable, remotePathWord, splitCommandLine, sshProgram, type SshTarget } from '../../src/ssh/sshCommand.js';
import { parseSshBatchLines } from '../../src/transfer/sshAdapter.js';

const cfg = (entries: Array<[string, string]> = []) => new Config(entries);
const target = (userAndHost: string, path = '/repo.git', port?: string): SshTarget => (port ? { userAndHost, path, port } : { userAndHost, path });

function argv(env: Record<string, string>, t: SshTarget, entries: Array<[string, string]> = [], multiplex?: { controlPath: string; master: boolean }) {
  const program = sshProgram(env, cfg(entries));
  return buildSshArgv({ program, target: t, remoteCommand: 'git-lfs-authenticate', operation: 'download', multiplex: multiplex ?? null });
}

describe('ssh program and variant', () => {
  const cases: Array<{ name: string; env: Record<string, string>; cfg?: Array<[string, string]>; kind: string; command: string; variant: string }> = [
    { name: 'default', env: {}, kind: 'program', command: 'ssh', variant: 'ssh' },
    { name: 'GIT_SSH plink', env: { GIT_SSH: '/opt/plink.exe' }, kind: 'program', command: '/opt/plink.exe', variant: 'putty' },
    { name: 'GIT_SSH tortoiseplink', env: { GIT_SSH: 'C:/x/TortoisePlink.exe' }, kind: 'program', command: 'C:/x/TortoisePlink.exe', variant: 'tortoiseplink' },
    { name: 'GIT_SSH other name is ssh', env: { GIT_SSH: '/usr/local/bin/my-ssh' }, kind: 'program', command: '/usr/local/bin/my-ssh', variant: 'ssh' },
    { name: 'GIT_SSH_COMMAND wins', env: { GIT_SSH_COMMAND: 'plink -v', GIT_SSH: 'ssh' }, kind: 'shell', command: 'plink -v', variant: 'putty' },
    { name: 'core.sshCommand before GIT_SSH', env: { GIT_SSH: 'plink' }, cfg: [['core.sshcommand', 'ssh -v']], kind: 'shell', command: 'ssh -v', variant: 'ssh' },
    { name: 'GIT_SSH_VARIANT simple', env: { GIT_SSH_VARIANT: 'simple' }, kind: 'program', command: 'ssh', variant: 'simple' },
    { name: 'ssh.variant plink', env: {}, cfg: [['ssh.variant', 'plink']], kind: 'program', command: 'ssh', variant: 'putty' },
    { name: 'GIT_SSH_VARIANT beats ssh.variant', env: { GIT_SSH_VARIANT: 'tortoiseplink' }, cfg: [['ssh.variant', 'simple']], kind: 'program', command: 'ssh', variant: 'tortoiseplink' },
    { name: 'variant auto detects', env: { GIT_SSH_VARIANT: 'auto', GIT_SSH: 'plink' }, kind: 'program', command: 'plink', variant: 'putty' },
    { name: 'quoted program name', env: { GIT_SSH_COMMAND: '"/opt/My Tools/plink.exe" -batch' }, kind: 'shell', command: '"/opt/My Tools/plink.exe" -batch', variant: 'putty' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = sshProgram(c.env, cfg(c.cfg ?? []));
      expect({ kind: p.kind, command: p.command, variant: p.variant }).toEqual({ kind: c.kind, command: c.command, variant: c.variant });
    });
  }

  it('splits command lines like git', () => {
    expect(splitCommandLine(`ssh -i 'my key' -o "A=b c" x\\ y`)).toEqual(['ssh', '-i', 'my key', '-o', 'A=b c', 'x y']);
  });
});

describe('ssh argv per variant', () => {
  const t = target('git@example.com', '/org/repo.git', '2222');
  it('ssh: -p, -- before the host, remote command as one word', () => {
    expect(argv({}, t)).toMatchObject({ file: 'ssh', args: ['-p', '2222', '--', 'git@example.com', 'git-lfs-authenticate /org/repo.git download'] });
  });
  it('ssh with multiplexing', () => {
    expect(argv({}, t, [], { controlPath: '/tmp/sock-x/lfs.sock', master: true }).args).toEqual([
      '-oControlMaster=yes',
      '-oControlPath=/tmp/sock-x/lfs.sock',
      '-p',
      '2222',
      '--',
      'git@example.com',
      'git-lfs-authenticate /org/repo.git download',
    ]);
    expect(argv({}, t, [], { controlPath: '/tmp/s/lfs.sock', master: false }).args.slice(0, 2)).toEqual(['-oControlMaster=no', '-oControlPath=/tmp/s/lfs.sock']);
  });
  it('plink: -P, no --, no multiplexing', () => {
    expect(argv({ GIT_SSH: 'plink' }, t, [], { controlPath: '/x', master: true })).toMatchObject({ file: 'plink', args: ['-P', '2222', 'git@example.com', 'git-lfs-authenticate /org/repo.git download'], multiplexing: false });
  });
  it('tortoiseplink: -batch -P', () => {
    expect(argv({ GIT_SSH: 'tortoiseplink' }, t).args).toEqual(['-batch', '-P', '2222', 'git@example.com', 'git-lfs-authenticate /org/repo.git download']);
  });
  it('simple: no options at all; a port is refused', () => {
    expect(argv({ GIT_SSH_VARIANT: 'simple' }, target('git@example.com', 'repo.git')).args).toEqual(['git@example.com', 'git-lfs-authenticate repo.git download']);
    expect(() => argv({ GIT_SSH_VARIANT: 'simple' }, t)).toThrow(/does not support setting port/);
  });
  it('a shell command gets the arguments as positional parameters', () => {
    const r = argv({ GIT_SSH_COMMAND: 'ssh -i "/k ey"' }, t);
    expect(r.file).toBe('/bin/sh');
    expect(r.args.slice(0, 3)).toEqual(['-c', 'ssh -i "/k ey" "$@"', 'ssh -i "/k ey"']);
    expect(r.args.slice(3)).toEqual(['-p', '2222', '--', 'git@example.com', 'git-lfs-authenticate /org/repo.git download']);
  });
  it('quotes odd paths for the remote shell and refuses control characters', () => {
    expect(remotePathWord('/a/b-c_d.git')).toBe('/a/b-c_d.git');
    expect(remotePathWord("/a b/it's.git")).toBe(`'/a b/it'\\''s.git'`);
    expect(remotePathWord('/x;touch pwn')).toBe(`'/x;touch pwn'`);
    expect(remotePathWord('$(touch pwn)')).toBe(`'$(touch pwn)'`);
    expect(remotePathWord('-rf')).toBe(`'-rf'`);
    expect(() => remotePathWord('/x\ntouch pwn')).toThrow(/control characters/);
  });
});

describe('hostile SSH URLs never reach ssh as options (HR17)', () => {
  const hostile = [
    'ssh://-oProxyCommand=touch%20pwn/x',
    'ssh://-oProxyCommand=touch${IFS}pwn/x',
    'ssh://-u@h/x',
    'git@-h:x',
    '-oProxyCommand=x:repo',
    'ssh://git@-oProxyCommand=x/repo',
    'ssh+git://-oX=y@host/r',
  ];
  for (const url of hostile) {
    for (const variant of ['ssh', 'simple', 'putty', 'tortoiseplink']) {
      it(`${url} (${variant})`, () => {
        const p = parseRemoteUrl(url, { cwd: '/', isLocalPath: () => false });
        // Not SSH at all (WHATWG URL refuses the host): no ssh is ever run for it.
        if (!p.ssh) return expect(p.kind).not.toBe('ssh');
        if (variant === 'ssh' || variant === 'simple') {
          expect(() => argv({ GIT_SSH_VARIANT: variant }, p.ssh!)).toThrow(/blocked|whitespace/);
          return;
        }
        // plink/tortoiseplink: leading dashes are stripped (git-lfs); whatever is left must not
        // be an option either, or it is refused.
        let args: string[];
        try {
          args = argv({ GIT_SSH_VARIANT: variant }, p.ssh).args;
        } catch (e) {
          expect((e as Error).message).toMatch(/blocked|whitespace/);
          return;
        }
        const ours = new Set(['-P', '-batch']);
        for (const a of args) if (a.startsWith('-')) expect(ours.has(a)).toBe(true);
      });
    }
  }

  it('ports must be decimal 1-65535', () => {
    for (const port of ['-p', '0', '65536', '22x', ' 22', '']) {
      if (port === '') expect(argv({}, target('h', '/r', undefined)).args).toEqual(['--', 'h', 'git-lfs-authenticate /r download']);
      else expect(() => argv({}, target('h', '/r', port))).toThrow(/invalid SSH port/);
    }
    expect(argv({}, target('h', '/r', '022')).args.slice(0, 2)).toEqual(['-p', '22']);
  });

  it('host or user with control characters is refused', () => {
    expect(() => argv({}, target('git@ho\nst'))).toThrow(/control characters/);
    expect(() => argv({}, target('gi\rt@host'))).toThrow(/control characters/);
  });
});

describe('findExecutable (CR12)', () => {
  it('never searches the current directory or relative PATH entries', () => {
    expect(() => findExecutable('definitely-not-here-xyz', { PATH: ':.:relative/bin' })).toThrow(/not found in PATH/);
    expect(findExecutable('sh', { PATH: `.::/bin:/usr/bin` })).toMatch(/^\/(usr\/)?bin\/sh$/);
    expect(findExecutable('/custom/ssh', { PATH: '' })).toBe('/custom/ssh');
    expect(() => findExecutable('', { PATH: '/bin' })).toThrow();
  });
});

describe('git-lfs-authenticate replies (HS23)', () => {
  const now = 1_700_000_000_000;
  it('reads href, header and expiry', () => {
    expect(parseAuthReply('{"href":"https://lfs.example.com/r.git/info/lfs/","header":{"Authorization":"RemoteAuth abc"},"expires_in":3600}', now)).toEqual({
      href: 'https://lfs.example.com/r.git/info/lfs',
      header: { Authorization: 'RemoteAuth abc' },
      expiresAt: now + 3_600_000,
    });
    expect(parseAuthReply('{"header":{},"expires_at":"2030-01-01T00:00:00Z"}', now).expiresAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(parseAuthReply('{}', now)).toEqual({ header: {} });
    expect(parseAuthReply('{}', now, 60).expiresAt).toBe(now + 60_000);
  });
  const bad: Array<[string, RegExp]> = [
    ['not json', /invalid JSON/],
    ['"a string"', /not an object/],
    ['[1]', /not an object/],
    ['{"href":"file:///etc/passwd"}', /unsupported href/],
    ['{"href":"ext::sh -c touch"}', /invalid href/],
    ['{"href":"https://h/x\\r\\nHost: evil"}', /invalid href/],
    ['{"header":{"X-A":"v\\r\\nInjected: 1"}}', /invalid header/],
    ['{"header":{"Bad Name":"v"}}', /invalid header/],
    ['{"header":{"X":1}}', /invalid header/],
    ['{"header":[]}', /invalid header object/],
    ['{"expires_in":"soon"}', /invalid expires_in/],
    ['{"expires_at":"yesterday"}', /invalid expires_at/],
  ];
  for (const [text, msg] of bad) it(`refuses ${text}`, () => expect(() => parseAuthReply(text, now)).toThrow(msg));

  it('a negative expires_in is already expired', () => {
    const a = parseAuthReply('{"href":"https://h/x","expires_in":-10}', now);
    expect(authExpired(a, now)).toBe(true);
    expect(authExpired(parseAuthReply('{"expires_in":4}', now), now)).toBe(true); // within the 5 s margin
    expect(authExpired(parseAuthReply('{"expires_in":60}', now), now)).toBe(false);
  });

  it('the cache runs ssh once per operation until expiry; an expired answer is never reused', async () => {
    let t = now;
    const runs: string[] = [];
    let reply: SshAuth = { header: { A: '1' }, expiresAt: now + 60_000 };
    const cache = new SshAuthCache({ env: {}, config: cfg(), cwd: '/', target: target('h'), now: () => t }, async (o) => {
      runs.push(o.operation);
      return reply;
    });
    await Promise.all([cache.get('download'), cache.get('download')]);
    expect(runs).toEqual(['download']);
    await cache.get('upload');
    expect(runs).toEqual(['download', 'upload']);
    t = now + 58_000; // within 5 s of expiry
    await cache.get('download');
    expect(runs).toEqual(['download', 'upload', 'download']);
    reply = { header: {}, expiresAt: t - 1 };
    t += 120_000;
    await cache.get('download');
    await cache.get('download');
    expect(runs.filter((r) => r === 'download')).toHaveLength(4);
  });

  it('remembers "unsupported" (null) for the run', async () => {
    let n = 0;
    const cache = new SshAuthCache({ env: {}, config: cfg(), cwd: '/', target: target('h') }, async () => {
      n++;
      return null;
    });
    expect(await cache.get('download')).toBeNull();
    expect(await cache.get('download')).toBeNull();
    expect(n).toBe(1);
  });
});

describe('pure SSH batch replies', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const c = 'c'.repeat(64);
  const asked = [
    { oid: a, size: 10, name: 'a' },
    { oid: b, size: 20, name: 'b' },
    { oid: c, size: 30, name: 'c' },
  ];
  it('download: actions, noop is missing, ids and tokens kept', () => {
    const r = parseSshBatchLines([`${a} 10 download id=x1 token=t/k+= expires-in=60`, `${b} 20 noop`, `${'d'.repeat(64)} 5 download`], asked, 'download', 0);
    expect(r).toEqual([
      { oid: a, action: { href: '', id: 'x1', token: 't/k+=', expiresAt: 60_000 } },
      { oid: b, action: null, error: { code: 404, message: 'Object does not exist on the server' } },
    ]);
  });
  it('upload: noop skips, verify is kept', () => {
    const r = parseSshBatchLines([`${a} 10 noop`, `${b} 20 upload`, `${b} 20 verify`], asked, 'upload', 0);
    expect(r).toEqual([
      { oid: a, action: null, skip: true },
      { oid: b, action: { href: '' }, verify: { href: '' } },
    ]);
  });
  it('wrong sizes, unknown actions and bad tokens fail only that object', () => {
    const r = parseSshBatchLines([`${a} 11 download`, `${b} 20 upload`, `${c} 30 download token=bad\u0001`], asked, 'download', 0);
    expect(r.map((o) => o.error?.code)).toEqual([422, 422, 422]);
    expect(() => parseSshBatchLines(['garbage'], asked, 'download', 0)).toThrow(/malformed/);
  });
});

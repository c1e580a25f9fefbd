/**
 * Hostile SSH endpoints and hostile git-lfs-authenticate replies through the tslfs CLI, with a
 * fake ssh (GIT_SSH) that records its argv and answers canned output: no option-looking host or
 * user ever reaches ssh (HR17, CVE-2017-17831), nothing runs from the URL, and bad replies are
 * clear errors (HS23).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, shq, type Sandbox } from '../support/sandbox.js';

describe('hostile SSH endpoints and replies', () => {
  let sb: Sandbox;
  let repo: string;
  let log: string;
  let fake: string;

  beforeAll(async () => {
    sb = makeSandbox();
    log = join(sb.root, 'ssh-argv.log');
    fake = join(sb.root, 'fake-ssh');
    // One record per run: the arguments, NUL-separated, then a newline.
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        `for a in "$@"; do printf '%s\\0' "$a"; done >> ${shq(log)}; echo >> ${shq(log)}`,
        'case "$*" in',
        `  *git-lfs-transfer*) [ -n "$FAKE_TRANSFER" ] && exec ${shq(process.execPath)} ${shq(join(sb.root, 'fake-transfer.mjs'))}; echo "git-lfs-transfer: not here" >&2; exit 1 ;;`,
        'esac',
        'case "$FAKE_MODE" in',
        `  big) head -c 10485760 /dev/zero | tr '\\0' a; exit 0 ;;`,
        `  file) echo '{"href":"file:///etc","header":{}}'; exit 0 ;;`,
        `  nonjson) echo '<html>hello</html>'; exit 0 ;;`,
        `  expired) echo '{"href":"http://127.0.0.1:9/x.git/info/lfs","header":{"X-T":"1"},"expires_in":-5}'; exit 0 ;;`,
        'esac',
        'echo "fake ssh: refused" >&2; exit 1',
        '',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    // A hostile git-lfs-transfer: writes a canned conversation whatever it is asked.
    writeFileSync(
      join(sb.root, 'fake-transfer.mjs'),
      [
        "const pkt = (s) => { const b = Buffer.isBuffer(s) ? s : Buffer.from(s); return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]); };",
        "const F = Buffer.from('0000'), D = Buffer.from('0001');",
        'const { FAKE_TRANSFER: mode, FAKE_OID: oid, FAKE_SIZE: size } = process.env;',
        "const out = [pkt('version=1\\n'), F, pkt('status 200\\n'), F, pkt('status 200\\n'), D, pkt(`${oid} ${size} download\\n`), F];",
        "if (mode === 'wrong-size') out.push(pkt('status 200\\n'), pkt('size=5\\n'), D, pkt('hello'), F);",
        "if (mode === 'too-much') out.push(pkt('status 200\\n'), pkt(`size=${size}\\n`), D, pkt(Buffer.alloc(Number(size) + 10, 120)), F);",
        "if (mode === 'garbage') out.push(pkt('HTTP/1.1 200 OK\\n'), F);",
        "if (mode === 'bad-length') out.push(Buffer.from('zzzz'));",
        "if (mode === 'huge-length') out.push(Buffer.from('ffff'), Buffer.alloc(100));",
        "if (mode === 'no-version') { out.length = 0; out.push(pkt('version=2\\n'), F); }",
        'process.stdout.write(Buffer.concat(out));',
        "process.stdin.resume(); process.stdin.on('end', () => process.exit(0));",
        '',
      ].join('\n'),
    );
    Object.assign(sb.env, { GIT_SSH: fake });
    repo = await sb.initRepo('r', 'tslfs');
    sb.write('r/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    sb.write('r/a.bin', 'object content for the hostile ssh tests');
    await sb.git(['add', '.'], { cwd: repo });
    await sb.git(['commit', '-qm', 'a'], { cwd: repo });
    await sb.git(['config', 'lfs.transfer.maxretries', '1'], { cwd: repo });
  });
  afterAll(() => sb?.cleanup());

  function runs(): string[][] {
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\0').filter((x, i, all) => i < all.length - 1 || x !== ''));
  }

  async function fetchWith(remoteUrl: string, lfsconfig?: string, env: Record<string, string> = {}) {
    rmSync(log, { force: true });
    rmSync(join(repo, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    // git config, not `git remote add`, which refuses some of these URLs itself.
    await sb.git(['config', 'remote.origin.url', remoteUrl], { cwd: repo });
    if (lfsconfig !== undefined) writeFileSync(join(repo, '.lfsconfig'), lfsconfig);
    else rmSync(join(repo, '.lfsconfig'), { force: true });
    return sb.tslfs(['fetch', 'origin'], { cwd: repo, env });
  }

  it('a plain SSH remote runs ssh with -p, -- and the remote command (git-lfs-transfer, then git-lfs-authenticate)', async () => {
    const r = await fetchWith('ssh://git@good-host:2222/srv/repo.git');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('git-lfs-authenticate failed (exit 1): fake ssh: refused');
    expect(runs()).toEqual([
      ['-oControlMaster=yes', expect.stringMatching(/^-oControlPath=\/.*\/sock-[^/]+\/lfs\.sock$/), '-p', '2222', '--', 'git@good-host', 'git-lfs-transfer /srv/repo.git download'],
      ['-p', '2222', '--', 'git@good-host', 'git-lfs-authenticate /srv/repo.git download'],
    ]);
  });

  const hostile: Array<{ name: string; url?: string; lfsconfig?: string }> = [
    { name: 'lfs.url in .lfsconfig with -oProxyCommand', url: 'ssh://git@good-host/r.git', lfsconfig: '[lfs]\n\turl = ssh://-oProxyCommand=touch%20pwn/x\n' },
    { name: 'lfs.url ${IFS} form', url: 'ssh://git@good-host/r.git', lfsconfig: '[lfs]\n\turl = "ssh://-oProxyCommand=touch${IFS}pwn/x"\n' },
    { name: 'remote with user -u', url: 'ssh://-u@h/x' },
    { name: 'scp-like remote with host -h', url: 'git@-h:x' },
    { name: 'scp-like remote -oProxyCommand', url: '-oProxyCommand=touch pwn:repo' },
    { name: 'remote.origin.lfsurl with option host', url: 'ssh://git@good-host/r.git', lfsconfig: '[remote "origin"]\n\tlfsurl = ssh://git@-oProxyCommand=touch%20pwn/x\n' },
  ];
  for (const h of hostile) {
    it(`${h.name}: nothing reaches ssh as an option, nothing runs`, async () => {
      const r = await fetchWith(h.url!, h.lfsconfig);
      expect(r.exitCode).not.toBe(0);
      for (const args of runs()) {
        const dash = args.indexOf('--');
        expect(dash).toBeGreaterThanOrEqual(0);
        for (const a of args.slice(dash + 1)) expect(a.startsWith('-')).toBe(false);
      }
      expect(existsSync(join(repo, 'pwn'))).toBe(false);
      expect(existsSync(join(sb.root, 'pwn'))).toBe(false);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
      expect(r.stderr).toMatch(/strange SSH host or user .* blocked/);
    });
  }

  it('a non-numeric port never reaches ssh', async () => {
    const r = await fetchWith('[good-host:-p]:repo');
    expect(r.exitCode).not.toBe(0);
    expect(runs().length).toBeGreaterThan(0); // parsed as host "good-host:-p" without a port
    for (const args of runs()) expect(args).not.toContain('-p');
  });

  const replies: Array<[string, RegExp]> = [
    ['big', /output is too large/],
    ['file', /unsupported href/],
    ['nonjson', /invalid JSON/],
  ];
  for (const [mode, msg] of replies) {
    it(`git-lfs-authenticate reply "${mode}" is a clear error`, async () => {
      await sb.git(['config', 'lfs.sshtransfer', 'never'], { cwd: repo });
      try {
        const r = await fetchWith('ssh://git@good-host/r.git', undefined, { FAKE_MODE: mode });
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr.length).toBeLessThan(20_000);
      } finally {
        await sb.git(['config', '--unset', 'lfs.sshtransfer'], { cwd: repo });
      }
    });
  }

  it('an always-expired git-lfs-authenticate answer costs a bounded number of ssh runs', async () => {
    await sb.git(['config', 'lfs.sshtransfer', 'never'], { cwd: repo });
    try {
      const r = await fetchWith('ssh://git@good-host/r.git', undefined, { FAKE_MODE: 'expired' });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain('127.0.0.1:9');
      const auths = runs().filter((a) => a.at(-1)!.startsWith('git-lfs-authenticate'));
      expect(auths.length).toBeGreaterThanOrEqual(1);
      // At most two per batch attempt (the transport's first answer and the request's headers).
      expect(auths.length).toBeLessThanOrEqual(4);
    } finally {
      await sb.git(['config', '--unset', 'lfs.sshtransfer'], { cwd: repo });
    }
  });

  for (const mode of ['wrong-size', 'too-much', 'garbage', 'bad-length', 'huge-length']) {
    it(`a hostile git-lfs-transfer reply (${mode}) stores nothing and fails cleanly`, async () => {
      const data = 'object content for the hostile ssh tests';
      const oid = createHash('sha256').update(data).digest('hex');
      await sb.git(['config', 'lfs.sshtransfer', 'always'], { cwd: repo });
      try {
        const r = await fetchWith('ssh://git@good-host/r.git', undefined, { FAKE_TRANSFER: mode, FAKE_OID: oid, FAKE_SIZE: String(data.length) });
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toMatch(/SSH protocol error|more than|expected size/);
        expect(existsSync(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(false);
        expect(r.stderr).not.toContain('\x00');
      } finally {
        await sb.git(['config', '--unset', 'lfs.sshtransfer'], { cwd: repo });
      }
    });
  }

  it('a server without version=1: negotiate falls back to git-lfs-authenticate, always fails', async () => {
    await sb.git(['config', 'lfs.sshtransfer', 'always'], { cwd: repo });
    try {
      const r = await fetchWith('ssh://git@good-host/r.git', undefined, { FAKE_TRANSFER: 'no-version' });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain('Unable to negotiate version with remote side (missing version=1)');
      expect(runs().some((a) => a.at(-1)!.startsWith('git-lfs-authenticate'))).toBe(false);
    } finally {
      await sb.git(['config', '--unset', 'lfs.sshtransfer'], { cwd: repo });
    }
    const n = await fetchWith('ssh://git@good-host/r.git', undefined, { FAKE_TRANSFER: 'no-version' });
    expect(n.exitCode).not.toBe(0);
    expect(n.stderr).toContain('git-lfs-authenticate failed');
    expect(runs().map((a) => a.at(-1)!.split(' ')[0])).toEqual(['git-lfs-transfer', 'git-lfs-authenticate']);
  });
});

/**
 * Credentials beyond Basic, through `tslfs fetch` against the test LFS server: askpass programs
 * (GIT_ASKPASS, core.askpass, SSH_ASKPASS) with sanitised prompts (CR6), GIT_TERMINAL_PROMPT=0,
 * credential.useHttpPath, misbehaving helpers (exit 1, garbage, hanging: CR10), helper output
 * that tries to retarget the request (CR4), http.cookieFile, and, through a stand-in for
 * `git credential` of git >= 2.46 (the machine's git 2.39 drops authtype/state), Bearer
 * credentials and multistage exchanges with state[] and continue=1.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installCredentialShim } from '../support/credentialShim.js';
import { startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, shq, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let srv: LfsServer;
let bearerSrv: LfsServer;
let multiSrv: LfsServer;
let shimDir: string;
let n = 0;

beforeAll(async () => {
  sb = makeSandbox();
  srv = await startLfsServer({ root: join(sb.root, 'srv') });
  bearerSrv = await startLfsServer({ root: join(sb.root, 'srv-bearer'), auth: { user: 'u', pass: 'p', bearer: 'tok-123' } });
  multiSrv = await startLfsServer({ root: join(sb.root, 'srv-multi'), auth: { user: 'u', pass: 'p', multistage: { scheme: 'Multi', step1: 'step1', challenge: 'challenge-2', final: 'final' } } });
  shimDir = installCredentialShim(join(sb.root, 'shim'));
});

afterAll(async () => {
  await Promise.all([srv?.stop(), bearerSrv?.stop(), multiSrv?.stop()]);
  sb?.cleanup();
});

afterEach(() => {
  for (const s of [srv, bearerSrv, multiSrv]) {
    s.clearRules();
    s.clearRequests();
  }
});

/** An executable sh script in the sandbox; `log()` reads what it appended to its log. */
function script(name: string, body: string): { path: string; logPath: string; log: () => string } {
  const logPath = join(sb.root, `${name}.log`);
  const path = join(sb.root, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\nLOG=${shq(logPath)}\n${body}`);
  chmodSync(path, 0o755);
  return { path, logPath, log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '') };
}

/** A credential helper logging "== verb" and its input, answering `get` with `answer` (printf format). */
function helper(name: string, answer: string): ReturnType<typeof script> {
  return script(name, `echo "== $1" >> "$LOG"\ncat >> "$LOG"\nif [ "$1" = get ]; then printf '${answer}'; fi\n`);
}

/** An askpass program logging each prompt (one per line) and answering by its first word. */
function askpass(name: string, user: string, pass: string): ReturnType<typeof script> {
  return script(name, `printf '%s\\n' "$1" >> "$LOG"\ncase "$1" in Username*) echo ${shq(user)};; Password*) echo ${shq(pass)};; esac\n`);
}

interface Fetched {
  exitCode: number;
  stderr: string;
  dir: string;
  oid: string;
  stored: boolean;
}

/**
 * A repo whose HEAD holds a pointer to an object the server has in `repo`, with lfs.url set to
 * it; then `tslfs fetch`.
 */
async function fetchFrom(server: LfsServer, repo: string, o: { config?: Array<[string, string]>; env?: Record<string, string | undefined>; url?: string } = {}): Promise<Fetched> {
  const id = ++n;
  const data = Buffer.from(`credentials object ${id}\n`);
  const oid = await server.putObject(repo, data);
  const dir = await sb.initRepo(`r${id}`, 'none');
  sb.write(`r${id}/a.bin`, `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${data.length}\n`);
  await sb.git(['add', '.'], { cwd: dir });
  await sb.git(['commit', '-qm', 'x'], { cwd: dir });
  for (const [k, v] of [['lfs.url', o.url ?? server.lfsUrl(repo)], ...(o.config ?? [])]) await sb.git(['config', '--add', k!, v!], { cwd: dir });
  const r = await sb.tslfs(['fetch'], { cwd: dir, ...(o.env ? { env: o.env } : {}) });
  await server.settled();
  const stored = existsSync(join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid));
  return { exitCode: r.exitCode, stderr: r.stderr, dir, oid, stored };
}

function hostOf(s: LfsServer): string {
  return new URL(s.url).host;
}

describe('askpass', () => {
  it('asks GIT_ASKPASS for user and password when no helper is configured (git-lfs prompt format)', async () => {
    const a = askpass('askpass1', 'requirecreds', 'pass');
    const r = await fetchFrom(srv, 'requirecreds-ask1', { env: { GIT_ASKPASS: a.path } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored).toBe(true);
    expect(a.log()).toBe(`Username for "http://${hostOf(srv)}"\nPassword for "http://requirecreds@${hostOf(srv)}"\n`);
    expect(srv.requests.filter((q) => q.kind === 'batch').map((b) => b.headers.authUser ?? null)).toEqual([null, 'requirecreds']);
  });

  it('falls back to core.askpass, then SSH_ASKPASS; GIT_ASKPASS wins over both', async () => {
    const core = askpass('askpass-core', 'requirecreds', 'pass');
    const r1 = await fetchFrom(srv, 'requirecreds-ask2', { config: [['core.askpass', core.path]] });
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(core.log()).toContain('Username for');

    const ssh = askpass('askpass-ssh', 'requirecreds', 'pass');
    const r2 = await fetchFrom(srv, 'requirecreds-ask3', { env: { SSH_ASKPASS: ssh.path } });
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(ssh.log()).toContain('Password for');

    const g = askpass('askpass-git', 'requirecreds', 'pass');
    const unused = askpass('askpass-unused', 'x', 'y');
    const r3 = await fetchFrom(srv, 'requirecreds-ask4', { env: { GIT_ASKPASS: g.path, SSH_ASKPASS: unused.path }, config: [['core.askpass', unused.path]] });
    expect(r3.exitCode, r3.stderr).toBe(0);
    expect(g.log()).toContain('Username for');
    expect(unused.log()).toBe('');
  });

  it('is not used when a credential helper is configured for the URL', async () => {
    const a = askpass('askpass-skip', 'x', 'y');
    const h = helper('helper-skip', 'username=requirecreds\\npassword=pass\\n');
    const r = await fetchFrom(srv, 'requirecreds-ask5', { env: { GIT_ASKPASS: a.path }, config: [['credential.helper', h.path]] });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(a.log()).toBe('');
    expect(h.log()).toContain('== get');
  });

  it('escapes control characters in the prompt (CR6) and shows the real host', async () => {
    const a = askpass('askpass-esc', 'requirecreds', 'pass');
    const url = `${srv.url}/requirecreds-esc/%1B%5B2J%1B%5B31mfake.example%07/x.git/info/lfs`;
    const r = await fetchFrom(srv, 'requirecreds-esc/\x1b[2J\x1b[31mfake.example\x07/x', { url, env: { GIT_ASKPASS: a.path }, config: [['credential.useHttpPath', 'true']] });
    const log = a.log();
    expect(log).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(log).toContain(`Username for "http://${hostOf(srv)}/requirecreds-esc/\\x1b[2J\\x1b[31mfake.example\\a/x.git/info/lfs"`);
    expect(r.stderr).not.toMatch(/\x1b/);
  });
});

describe('prompts disabled and misbehaving helpers', () => {
  it('GIT_TERMINAL_PROMPT=0 with no helper: no prompt, git-lfs\'s error', async () => {
    const r = await fetchFrom(srv, 'requirecreds-noprompt', { env: { GIT_TERMINAL_PROMPT: '0' } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stored).toBe(false);
    expect(r.stderr).toContain(`change the GIT_TERMINAL_PROMPT env var to be prompted to enter your credentials for http://${hostOf(srv)}`);
  });

  it('a helper that exits 1 or prints garbage gives no credentials (no Authorization sent)', async () => {
    const fail = script('helper-exit1', 'echo "== $1" >> "$LOG"\ncat >/dev/null\nexit 1\n');
    const r1 = await fetchFrom(srv, 'requirecreds-exit1', { config: [['credential.helper', fail.path]] });
    expect(r1.exitCode).not.toBe(0);
    expect(fail.log()).toContain('== get');
    expect(r1.stderr).toContain('GIT_TERMINAL_PROMPT');

    const garbage = script('helper-garbage', 'cat >/dev/null\nprintf "\\001\\002 not a credential\\nhello world\\n=\\n\\377\\376\\n"\n');
    const r2 = await fetchFrom(srv, 'requirecreds-garbage', { config: [['credential.helper', garbage.path]] });
    expect(r2.exitCode).not.toBe(0);
    expect(r2.stored).toBe(false);
    expect(srv.requests.some((q) => q.headers.authorization)).toBe(false);
  });

  it('stops a helper that hangs (the helper and its children are killed)', async () => {
    const pidFile = join(sb.root, 'hang.pid');
    const hang = script('helper-hang', `cat >/dev/null\nsleep 120 &\necho $! > ${shq(pidFile)}\nwait\n`);
    const r = await fetchFrom(srv, 'requirecreds-hang', { config: [['credential.helper', hang.path]], env: { TSLFS_CREDENTIAL_TIMEOUT: '2' } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('the credential helper gave no answer');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((res) => setTimeout(res, 100));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});

describe('what the helper hears and what it may say', () => {
  it('sends path only with credential.useHttpPath, and capability[]=authtype/state (seen through git >= 2.46)', async () => {
    const h = helper('helper-path', 'username=requirecreds\\npassword=pass\\n');
    const r1 = await fetchFrom(srv, 'requirecreds-path1', { config: [['credential.helper', h.path]] });
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(h.log()).not.toContain('path=');

    const h2 = helper('helper-path2', 'username=requirecreds\\npassword=pass\\n');
    const r2 = await fetchFrom(srv, 'requirecreds-path2', { config: [['credential.helper', h2.path], ['credential.useHttpPath', 'true']] });
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(h2.log()).toContain('path=requirecreds-path2.git/info/lfs\n');

    const h3 = helper('helper-caps', 'username=requirecreds\\npassword=pass\\n');
    const r3 = await fetchFrom(srv, 'requirecreds-caps', { env: { PATH: `${shimDir}:${sb.env['PATH']}`, SHIM_CREDENTIAL_HELPER: h3.path } });
    expect(r3.exitCode, r3.stderr).toBe(0);
    const get = h3.log().split('== ')[1]!;
    expect(get.split('\n').slice(1, 3)).toEqual(['capability[]=authtype', 'capability[]=state']);
    expect(get).toContain(`host=${hostOf(srv)}\n`);
    expect(get).toContain('wwwauth[]=Basic realm="tslfs-test"');
  });

  it('never retargets the request from helper output (CR4) and refuses CR in values', async () => {
    const h = helper('helper-retarget', 'protocol=https\\nhost=evil.example\\npath=steal\\nusername=requirecreds\\npassword=pass\\n');
    const r = await fetchFrom(srv, 'requirecreds-retarget', { config: [['credential.helper', h.path]] });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored).toBe(true);
    expect(srv.requests.filter((q) => q.kind === 'batch').map((b) => b.headers.authUser ?? null)).toEqual([null, 'requirecreds']);
    const store = h.log().split('== store')[1] ?? '';
    expect(store).toContain(`host=${hostOf(srv)}\n`);
    expect(store).toContain('protocol=http\n');
    expect(store).not.toContain('evil.example');

    // A CR inside a value (git >= 2.46 passes it through): refused, never sent.
    srv.clearRequests();
    const cr = helper('helper-cr', 'username=requirecreds\\npassword=pa\\rss\\n');
    const r2 = await fetchFrom(srv, 'requirecreds-cr', { env: { PATH: `${shimDir}:${sb.env['PATH']}`, SHIM_CREDENTIAL_HELPER: cr.path } });
    expect(r2.exitCode).not.toBe(0);
    expect(r2.stderr).toContain('credential helper returned a password containing a carriage return');
    expect(srv.requests.some((q) => q.headers.authorization)).toBe(false);
  });
});

describe('http.cookieFile', () => {
  it('sends the cookies that match the request, and no others', async () => {
    const jar = sb.write('cookies.txt', [
      '# Netscape HTTP Cookie File',
      `127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123`,
      `#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t${Math.floor(Date.now() / 1000) + 3600}\tlater\txyz`,
      '',
    ].join('\n'));
    const r = await fetchFrom(srv, 'cookies-yes', { config: [['http.cookieFile', jar]] });
    expect(r.exitCode, r.stderr).toBe(0);
    const lfs = srv.requests.filter((q) => q.kind === 'batch' || q.kind === 'storage-get');
    expect(lfs.length).toBe(2);
    expect(lfs.every((q) => q.headers.cookie)).toBe(true);

    const other = sb.write('cookies-other.txt', ['other.example\tTRUE\t/\tFALSE\t0\tsession\tabc', `127.0.0.1\tFALSE\t/\tTRUE\t0\tsecureonly\tx`, `127.0.0.1\tFALSE\t/\tFALSE\t1\texpired\tx`, ''].join('\n'));
    srv.clearRequests();
    const r2 = await fetchFrom(srv, 'cookies-no', { config: [['http.cookieFile', other]] });
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(srv.requests.filter((q) => q.kind === 'batch' || q.kind === 'storage-get').some((q) => q.headers.cookie)).toBe(false);
  });
});

describe('authtype/credential and multistage helpers (git >= 2.46 credential protocol)', () => {
  const shimEnv = (h: { path: string }) => ({ PATH: `${shimDir}:${sb.env['PATH']}`, SHIM_CREDENTIAL_HELPER: h.path });

  it('sends Authorization: <authtype> <credential> from the helper and approves it', async () => {
    const h = helper('helper-bearer', 'authtype=Bearer\\ncredential=tok-123\\n');
    const r = await fetchFrom(bearerSrv, 'bearer-repo', { env: shimEnv(h) });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored).toBe(true);
    const batches = bearerSrv.requests.filter((q) => q.kind === 'batch');
    expect(batches.map((b) => [b.status, b.headers.authorization])).toEqual([
      [401, false],
      [200, true],
    ]);
    const log = h.log();
    expect(log).toContain('wwwauth[]=Bearer realm="tslfs-test"');
    expect(log.split('== store')[1]).toContain('authtype=Bearer\ncredential=tok-123\n');
  });

  it('runs a multistage exchange: continue=1, then state[] and the new challenge go back to the helper', async () => {
    const h = script(
      'helper-multi',
      `echo "== $1" >> "$LOG"\ninput=$(cat)\necho "$input" >> "$LOG"\nif [ "$1" = get ]; then\n  if echo "$input" | grep -q '^state\\[\\]=ms:1$'; then printf 'authtype=Multi\\ncredential=final\\nstate[]=ms:2\\n'\n  else printf 'authtype=Multi\\ncredential=step1\\nstate[]=ms:1\\ncontinue=1\\n'; fi\nfi\n`,
    );
    const r = await fetchFrom(multiSrv, 'multi-repo', { env: shimEnv(h) });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stored).toBe(true);
    expect(multiSrv.requests.filter((q) => q.kind === 'batch').map((b) => b.status)).toEqual([401, 401, 200]);
    const calls = h.log().split('== ').filter(Boolean);
    expect(calls.map((c) => c.split('\n')[0])).toEqual(['get', 'get', 'store']);
    expect(calls[0]).not.toContain('state[]=');
    expect(calls[1]).toContain('state[]=ms:1\n');
    expect(calls[1]).toContain('wwwauth[]=Multi challenge-2\n');
    expect(calls[2]).toContain('credential=final\n');
    expect(calls[2]).toContain('state[]=ms:2\n');
    expect(calls.join('')).not.toContain('== erase');
  });

  it('bounds a multistage exchange that never ends', async () => {
    const h = helper('helper-multi-loop', 'authtype=Multi\\ncredential=step1\\nstate[]=loop\\ncontinue=1\\n');
    const r = await fetchFrom(multiSrv, 'multi-loop', { env: shimEnv(h) });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('too many authentication rounds');
    const gets = (h.log().match(/== get/g) ?? []).length;
    expect(gets).toBeGreaterThan(1);
    expect(gets).toBeLessThanOrEqual(6);
  });
});

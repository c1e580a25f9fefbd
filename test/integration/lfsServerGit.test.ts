/**
 * The test LFS server with real clients: git over smart HTTP (clone, push, auth), and git-lfs
 * 3.3.0 pushing to it and fetching from it, through failure switches it is known to survive.
 * This is what proves the server speaks the protocol.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magicOid, oidOf, startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let srv: LfsServer;

beforeAll(async () => {
  sb = makeSandbox();
  srv = await startLfsServer({ root: join(sb.root, 'server') });
});
afterAll(async () => {
  await srv.stop();
  sb.cleanup();
});

async function ok(p: Promise<{ exitCode: number; stdout: string; stderr: string }>): Promise<string> {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** A working repo using git-lfs (filters and hooks), with origin at the server's `repo`. */
async function lfsRepo(name: string, repo: string, opts: { url?: string; track?: boolean } = {}): Promise<string> {
  const dir = await sb.initRepo(name, 'git-lfs');
  await ok(sb.gitLfs(['install', '--local'], { cwd: dir }));
  await ok(sb.git(['remote', 'add', 'origin', opts.url ?? srv.gitUrl(repo)], { cwd: dir }));
  if (opts.track !== false) await ok(sb.gitLfs(['track', '*.bin'], { cwd: dir }));
  return dir;
}

async function commitFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, data] of Object.entries(files)) sb.write(join(dir.slice(sb.root.length + 1), name), data);
  await ok(sb.git(['add', '-A'], { cwd: dir }));
  await ok(sb.git(['commit', '-q', '-m', 'files'], { cwd: dir }));
}

describe('git smart HTTP', () => {
  it('git push and git clone work through http-backend', async () => {
    await srv.createRepo('plain');
    const dir = await sb.initRepo('plain-src', 'none');
    await commitFiles(dir, { 'README.md': 'hello over http\n' });
    await ok(sb.git(['push', '-q', srv.gitUrl('plain'), 'main'], { cwd: dir }));
    await ok(sb.git(['clone', '-q', srv.gitUrl('plain'), join(sb.root, 'plain-clone')]));
    expect(readFileSync(join(sb.root, 'plain-clone', 'README.md'), 'utf8')).toBe('hello over http\n');
    await srv.settled();
    const git = srv.requests.filter((e) => e.kind === 'git' && e.repo === 'plain');
    expect(git.some((e) => e.path === '/plain.git/git-receive-pack' && e.status === 200)).toBe(true);
    expect(git.some((e) => e.path === '/plain.git/git-upload-pack' && e.status === 200 && e.bytesOut > 0)).toBe(true);
  });

  it('asks git for credentials on protected repos', async () => {
    await srv.createRepo('requirecreds-git');
    const denied = await sb.git(['ls-remote', srv.gitUrl('requirecreds-git')]);
    expect(denied.exitCode).not.toBe(0);
    expect(srv.requests.some((e) => e.repo === 'requirecreds-git' && e.status === 401)).toBe(true);
    const withCreds = srv.gitUrl('requirecreds-git').replace('http://', 'http://requirecreds:pass@');
    await ok(sb.git(['ls-remote', withCreds]));
  });
});

describe('git-lfs 3.3.0 as the client', () => {
  it('pushes objects and fetches them back into a fresh repo', async () => {
    await srv.createRepo('interop');
    const src = await lfsRepo('interop-src', 'interop');
    const big = randomBytes(300 * 1024);
    await commitFiles(src, { 'big.bin': big, 'small.bin': 'small object\n', 'plain.txt': 'not lfs\n' });
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: src }));
    expect(await srv.objectSize('interop', oidOf(big))).toBe(big.length);
    expect(await srv.hasObject('interop', oidOf('small object\n'))).toBe(true);
    await srv.settled();
    const batch = srv.requests.find((e) => e.kind === 'batch' && e.repo === 'interop');
    expect(batch).toMatchObject({ operation: 'upload', status: 200 });
    expect(batch!.headers.userAgent).toMatch(/^git-lfs\/3\.3\.0/);
    expect(batch!.headers.contentType).toMatch(/^application\/vnd\.git-lfs\+json/);
    expect(srv.requests.filter((e) => e.kind === 'storage-put' && e.repo === 'interop').map((e) => e.status)).toEqual([200, 200]);

    // A second push has nothing to upload: the batch says the server has both objects.
    srv.clearRequests();
    await ok(sb.gitLfs(['push', '--all', 'origin'], { cwd: src }));
    expect(srv.requests.filter((e) => e.kind === 'storage-put')).toHaveLength(0);

    const dst = await lfsRepo('interop-dst', 'interop', { track: false });
    await ok(sb.git(['pull', '-q', 'origin', 'main'], { cwd: dst }));
    expect(readFileSync(join(dst, 'big.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(dst, 'small.bin'), 'utf8')).toBe('small object\n');
  });

  it('survives a truncated download by resuming with Range (206), and a 429 with Retry-After', async () => {
    await srv.createRepo('resume');
    const src = await lfsRepo('resume-src', 'resume');
    await commitFiles(src, { 'r.bin': 'storage-download-retry-range', 'l.bin': 'storage-download-retry-later' });
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: src }));
    const dst = await lfsRepo('resume-dst', 'resume', { track: false });
    await ok(sb.git(['pull', '-q', 'origin', 'main'], { cwd: dst }));
    expect(readFileSync(join(dst, 'r.bin'), 'utf8')).toBe('storage-download-retry-range');
    expect(readFileSync(join(dst, 'l.bin'), 'utf8')).toBe('storage-download-retry-later');
    await srv.settled();
    const gets = (oid: string): Array<[number, string | undefined]> =>
      srv.requests.filter((e) => e.kind === 'storage-get' && e.repo === 'resume' && e.oid === oid).map((e) => [e.status, e.headers.range]);
    const half = 'storage-download-retry-range'.length / 2;
    expect(gets(magicOid('storage-download-retry-range'))).toEqual([
      [200, undefined],
      [206, `bytes=${half}-${2 * half - 1}`],
    ]);
    expect(gets(magicOid('storage-download-retry-later'))).toEqual([
      [429, undefined],
      [200, undefined],
    ]);
  });

  it('refuses a corrupt download and stores nothing for it', async () => {
    await srv.createRepo('corrupt');
    const src = await lfsRepo('corrupt-src', 'corrupt');
    await commitFiles(src, { 'c.bin': 'storage-download-corrupt' });
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: src }));
    const dst = await lfsRepo('corrupt-dst', 'corrupt', { track: false });
    await ok(sb.git(['fetch', '-q', 'origin'], { cwd: dst }));
    const r = await sb.gitLfs(['fetch', 'origin', 'origin/main'], { cwd: dst });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`expected OID ${magicOid('storage-download-corrupt')}`);
    const oid = magicOid('storage-download-corrupt');
    const local = await sb.git(['rev-parse', '--git-path', `lfs/objects/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`], { cwd: dst });
    expect(() => readFileSync(join(dst, local.stdout.trim()))).toThrow();
  });

  it('retries verify (fails twice, then OK) and follows a storage redirect to the other host', async () => {
    await srv.createRepo('up-verify-fail-2-times');
    const src = await lfsRepo('verify-src', 'up-verify-fail-2-times');
    await commitFiles(src, { 'v.bin': 'verified object\n', 'x.bin': 'redirect-storage-other-host' });
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: src }));
    await srv.settled();
    const mine = srv.requests.filter((e) => e.repo === 'up-verify-fail-2-times');
    const verifyOid = oidOf('verified object\n');
    expect(mine.filter((e) => e.kind === 'verify' && e.oid === verifyOid).map((e) => e.status)).toEqual([503, 503, 200]);
    const x = magicOid('redirect-storage-other-host');
    expect(mine.filter((e) => e.kind === 'storage-put' && e.oid === x).map((e) => [e.listener, e.status])).toEqual([
      ['main', 307],
      ['alt', 200],
    ]);
    expect(await srv.hasObject('up-verify-fail-2-times', x)).toBe(true);
  });

  it('authenticates with credentials from the remote URL on a requirecreds repo', async () => {
    await srv.createRepo('requirecreds-lfs');
    const url = srv.gitUrl('requirecreds-lfs').replace('http://', 'http://requirecreds:pass@');
    const src = await lfsRepo('creds-src', 'requirecreds-lfs', { url });
    await commitFiles(src, { 'a.bin': 'needs creds\n' });
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: src }));
    expect(await srv.hasObject('requirecreds-lfs', oidOf('needs creds\n'))).toBe(true);
    await srv.settled();
    const batches = srv.requests.filter((e) => e.kind === 'batch' && e.repo === 'requirecreds-lfs');
    expect(batches.at(-1)).toMatchObject({ status: 200, headers: { authorization: true, authUser: 'requirecreds' } });
  });

  it('locks, lists and unlocks through the locking API', async () => {
    await srv.createRepo('locking');
    const src = await lfsRepo('lock-src', 'locking');
    await commitFiles(src, { 'a.bin': 'lockable\n' });
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: src }));
    await ok(sb.gitLfs(['lock', 'a.bin'], { cwd: src }));
    expect(srv.listLocks('locking').map((l) => l.path)).toEqual(['a.bin']);
    expect(await ok(sb.gitLfs(['locks'], { cwd: src }))).toContain('a.bin');
    await ok(sb.gitLfs(['unlock', 'a.bin'], { cwd: src }));
    expect(srv.listLocks('locking')).toEqual([]);
  });
});

/**
 * Shared helpers for the end-to-end transfer tests (transferFaults*, transferConcurrency*,
 * transferCredentials*): a sandbox with tslfs installed as the global LFS filter, the test LFS
 * server, repositories pushed to it through git, processes that can be SIGKILLed mid-transfer,
 * and the store checks every failing case makes (only hash-valid objects, nothing left in tmp/,
 * nothing written outside the repository).
 */
import { execa, type ResultPromise } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, TSLFS_BIN, type RunResult, type Sandbox } from '../support/sandbox.js';

export interface Harness {
  sb: Sandbox;
  srv: LfsServer;
  stop(): Promise<void>;
}

/** A sandbox whose ~/.gitconfig runs tslfs as the LFS filter, plus the test server. */
export async function startHarness(serverOpts: Omit<Parameters<typeof startLfsServer>[0], 'root'> = {}): Promise<Harness> {
  const sb = makeSandbox();
  const srv = await startLfsServer({ root: join(sb.root, 'server'), ...serverOpts });
  const inst = await sb.tslfs(['install']);
  expect(inst.exitCode, inst.stderr).toBe(0);
  // Every new repository starts with tslfs's hooks (init.templateDir). Otherwise the filter
  // process writes them while `git clone` may already exec post-checkout, which fails with
  // "Text file busy" (hooks are written in place; reported, not ours to fix here).
  const tmpl = await sb.initRepo('.template-src', 'none');
  expect((await sb.tslfs(['update'], { cwd: tmpl })).exitCode).toBe(0);
  expect((await sb.git(['config', '--global', 'init.templateDir', join(tmpl, '.git')])).exitCode).toBe(0);
  return {
    sb,
    srv,
    async stop() {
      await srv.stop();
      sb.cleanup();
    },
  };
}

export async function ok(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

let seq = 0;
/** A fresh name for repositories (server and local). */
export function uniq(prefix: string): string {
  return `${prefix}-${++seq}`;
}

/** Deterministic, incompressible-looking content of `size` bytes. */
export function blob(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off, 0, Math.min(block.length, size - off));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export function oidOf(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A local repository with `files` committed through the tslfs clean filter (which also installs
 * the hooks), and `origin` pointing at the server repository `remoteName` (created if asked).
 */
export async function workRepo(h: Harness, name: string, files: Record<string, Buffer | string>, remote: { repo: string; create?: boolean; url?: string }): Promise<string> {
  const { sb, srv } = h;
  if (remote.create !== false) await srv.createRepo(remote.repo);
  const dir = await sb.initRepo(name, 'none');
  const rel = relative(sb.root, dir);
  sb.write(`${rel}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  for (const [n, d] of Object.entries(files)) sb.write(`${rel}/${n}`, d);
  await ok(sb.git(['add', '.'], { cwd: dir }));
  await ok(sb.git(['commit', '-qm', 'files'], { cwd: dir }));
  await ok(sb.git(['remote', 'add', 'origin', remote.url ?? srv.gitUrl(remote.repo)], { cwd: dir }));
  return dir;
}

/** workRepo + `git push` (the pre-push hook uploads); returns the work dir. */
export async function pushedRepo(h: Harness, name: string, files: Record<string, Buffer | string>, repo: string): Promise<string> {
  const dir = await workRepo(h, name, files, { repo });
  await ok(h.sb.git(['push', '-q', 'origin', 'main'], { cwd: dir }));
  return dir;
}

/** `git clone` without downloading LFS content (pointers in the work tree). */
export async function pointerClone(h: Harness, repo: string, name: string, env: Record<string, string> = {}): Promise<string> {
  const dir = join(h.sb.root, name);
  await ok(h.sb.git(['clone', '-q', h.srv.gitUrl(repo), dir], { env: { GIT_LFS_SKIP_SMUDGE: '1', ...env } }));
  return dir;
}

function walk(dir: string, out: string[] = [], base = dir): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out, base);
    else out.push(relative(base, p));
  }
  return out;
}

export function lfsDir(repo: string): string {
  const git = join(repo, '.git');
  return existsSync(join(git, 'lfs')) || existsSync(git) ? join(git, 'lfs') : join(repo, 'lfs');
}

/** Files under .git/lfs/<sub> (relative paths). */
export function lfsFiles(repo: string, sub: 'objects' | 'tmp' | 'incomplete' | 'logs' | 'bad'): string[] {
  return walk(join(lfsDir(repo), sub)).sort();
}

/** The oids stored in objects/, after checking that every file there hashes to its name (P1). */
export function validObjects(repo: string): string[] {
  const oids: string[] = [];
  for (const rel of lfsFiles(repo, 'objects')) {
    const name = rel.split('/').pop()!;
    expect(rel, 'object path layout').toBe(`${name.slice(0, 2)}/${name.slice(2, 4)}/${name}`);
    const p = join(lfsDir(repo), 'objects', rel);
    expect(lstatSync(p).isFile()).toBe(true);
    expect(oidOf(readFileSync(p)), `object ${rel} is not hash-valid`).toBe(name);
    oids.push(name);
  }
  return oids;
}

/**
 * Every failing case: only hash-valid objects (hashed here), and `tslfs fsck --objects` agrees:
 * it may only complain about objects that are absent (a failed download), never a corrupt one.
 */
export async function assertStoreValid(h: Harness, repo: string): Promise<string[]> {
  const oids = validObjects(repo);
  const f = await h.sb.tslfs(['fsck', '--objects', '--dry-run'], { cwd: repo });
  const out = `${f.stdout}${f.stderr}`;
  if (f.exitCode !== 0) {
    const problems = out.split('\n').filter((l) => l.startsWith('objects:'));
    expect(problems.length, out).toBeGreaterThan(0);
    for (const l of problems) expect(l, out).toMatch(/^objects: openError: .* no such file or directory$/);
  }
  return oids;
}

/** Successful runs leave nothing in tmp/. */
export function assertTmpEmpty(repo: string): void {
  expect(lfsFiles(repo, 'tmp')).toEqual([]);
}

/**
 * A snapshot of everything in the sandbox outside the given directories (the repository under
 * test, the server's data): a later snapshot must be equal, i.e. nothing was written elsewhere.
 */
export function outsideSnapshot(h: Harness, ...inside: string[]): string[] {
  const skip = [join(h.sb.root, 'server'), ...inside];
  const out: string[] = [];
  const rec = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (skip.includes(p)) continue;
      if (e.isDirectory()) rec(p);
      else {
        const st = lstatSync(p);
        out.push(`${relative(h.sb.root, p)} ${st.size} ${Math.floor(st.mtimeMs)}`);
      }
    }
  };
  rec(h.sb.root);
  return out.sort();
}

/**
 * Bytes a running download of `oid` has written to its resumable temp file in tmp/ (so a kill
 * test knows the client, not just the server, is half way).
 */
export function partBytes(repo: string, oid: string): number {
  let n = 0;
  for (const f of lfsFiles(repo, 'tmp')) {
    if (!f.startsWith(`${oid}.`)) continue;
    try {
      n += lstatSync(join(lfsDir(repo), 'tmp', f)).size;
    } catch {
      /* renamed meanwhile */
    }
  }
  return n;
}

/** Poll until `cond` holds (bounded); throws with `what` when it never does. */
export async function until(cond: () => boolean, what: string, maxMs = 20_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Spawned {
  proc: ResultPromise;
  /** SIGKILL the process and (for detached ones) its whole process group. */
  kill(): void;
  result(): Promise<RunResult>;
}

/**
 * Start `file args` in the sandbox environment without waiting. `group` puts it in its own
 * process group so kill() also reaches its children (git's filter and hook processes).
 */
export function spawn(h: Harness, file: string, args: string[], opts: { cwd: string; env?: Record<string, string>; group?: boolean }): Spawned {
  const proc = execa(file, args, {
    cwd: opts.cwd,
    env: { ...h.sb.env, ...opts.env },
    extendEnv: false,
    reject: false,
    detached: opts.group === true,
    stdin: 'ignore',
    encoding: 'utf8',
  });
  return {
    proc,
    kill() {
      const pid = proc.pid;
      if (pid === undefined) return;
      try {
        if (opts.group) process.kill(-pid, 'SIGKILL');
        else proc.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    },
    async result() {
      const r = await proc;
      return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? (r.signal ? 137 : 1), stdoutBuffer: Buffer.from(String(r.stdout ?? '')) };
    },
  };
}

export function spawnTslfs(h: Harness, args: string[], opts: { cwd: string; env?: Record<string, string> }): Spawned {
  return spawn(h, process.execPath, [TSLFS_BIN, ...args], opts);
}

/** Storage requests of one kind for one oid, in order. */
export function storageRequests(h: Harness, kind: 'storage-get' | 'storage-put', oid?: string) {
  return h.srv.requests.filter((r) => r.kind === kind && (oid === undefined || r.oid === oid));
}

export function batchRequests(h: Harness, repo?: string) {
  return h.srv.requests.filter((r) => r.kind === 'batch' && (repo === undefined || r.repo === repo));
}

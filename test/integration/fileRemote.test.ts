/**
 * fetch / push / pull against local-path and file:// remotes (the standalone file transfer),
 * with real git, and git-lfs 3.3 as the interop oracle on the same remotes. The commands are
 * not registered in the CLI yet, so they run in-process: the api functions, and the command
 * modules through commander with a captured CliContext.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch } from '../../src/api/fetch.js';
import { pull } from '../../src/api/pull.js';
import { push, PushMissingObjectsError } from '../../src/api/push.js';
import * as fetchCmd from '../../src/cli/commands/fetch.js';
import * as pullCmd from '../../src/cli/commands/pull.js';
import * as pushCmd from '../../src/cli/commands/push.js';
import { QueueObjectFetcher } from '../../src/ops/fetchObjectFetcher.js';
import { openRepo } from '../../src/ops/repoContext.js';
import { TslfsError } from '../../src/errors/TslfsError.js';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';
import { runCommand } from '../support/runCommand.js';

const FILES: Record<string, string> = {
  'a.bin': 'alpha content\n',
  'd/b.bin': 'bravo content, a little longer\n',
  'd/e/c.bin': 'charlie\n',
  'dup.bin': 'alpha content\n', // same oid as a.bin
};

const MODULES = { fetch: fetchCmd, push: pushCmd, pull: pullCmd };

let sb: Sandbox;
let src: string;
const oids: Record<string, string> = {};

function objPath(lfsDir: string, oid: string): string {
  return join(lfsDir, 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

function storeOids(lfsDir: string): string[] {
  const dir = join(lfsDir, 'objects');
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const a of readdirSync(dir)) for (const b of readdirSync(join(dir, a))) out.push(...readdirSync(join(dir, a, b)));
  return out.sort();
}

function tmpLeftovers(lfsDir: string): string[] {
  const t = join(lfsDir, 'tmp');
  return existsSync(t) ? readdirSync(t) : [];
}

async function ok(p: Promise<{ exitCode: number; stderr: string; stdout: string }>) {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

async function bare(name: string): Promise<string> {
  const dir = join(sb.root, name);
  await ok(sb.git(['init', '-q', '--bare', dir]));
  return dir;
}

/** A clone without any LFS filter (pointers stay pointers). */
async function plainClone(from: string, name: string): Promise<string> {
  const dir = join(sb.root, name);
  await ok(sb.git(['clone', '-q', from, dir]));
  return dir;
}

/** Run a command module in-process as main.ts would (non-TTY). */
function cli(name: 'fetch' | 'push' | 'pull', args: string[], cwd: string, stdin = '') {
  return runCommand(MODULES[name], name, args, { cwd, env: sb.env, stdin });
}

beforeAll(async () => {
  sb = makeSandbox();
  src = await sb.initRepo('src', 'git-lfs');
  await ok(sb.gitLfs(['track', '*.bin'], { cwd: src }));
  for (const [p, c] of Object.entries(FILES)) {
    sb.write(`src/${p}`, c);
    oids[p] = await sha256(c);
  }
  await ok(sb.git(['add', '.'], { cwd: src }));
  await ok(sb.git(['commit', '-qm', 'lfs files'], { cwd: src }));
  // Sanity: git-lfs stored the objects and committed pointers.
  expect(storeOids(join(src, '.git', 'lfs'))).toEqual([...new Set(Object.values(oids))].sort());
});
afterAll(() => sb.cleanup());

const unique = () => [...new Set(Object.values(oids))].sort();

describe('push to a local-path remote', () => {
  let remote: string;
  beforeAll(async () => {
    remote = await bare('remote.git');
    await ok(sb.git(['remote', 'add', 'origin', remote], { cwd: src }));
  });

  it('dry run lists what would be pushed and uploads nothing', async () => {
    const r = await cli('push', ['--dry-run', 'origin', 'main'], src);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n').sort();
    expect(lines).toEqual(
      [`push ${oids['a.bin']} => a.bin`, `push ${oids['d/b.bin']} => d/b.bin`, `push ${oids['d/e/c.bin']} => d/e/c.bin`].sort(),
    );
    expect(storeOids(join(remote, 'lfs'))).toEqual([]);
  });

  it('uploads every object once into <remote>/lfs/objects, verified, with no temp leftovers', async () => {
    const r = await cli('push', ['origin', 'main'], src);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Uploading LFS objects: 100% \(3\/3\), \d+ B \| \d+(\.\d)? [KM]?B\/s, done\.\n$/);
    expect(storeOids(join(remote, 'lfs'))).toEqual(unique());
    for (const [p, c] of Object.entries(FILES)) expect(readFileSync(objPath(join(remote, 'lfs'), oids[p]!), 'utf8')).toBe(c);
    expect(tmpLeftovers(join(remote, 'lfs'))).toEqual([]);
    await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: src }));
  });

  it('pushes nothing the remote-tracking ref already has', async () => {
    const r = await cli('push', ['origin', 'main'], src);
    expect(r).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('--all skips objects the remote store already has (F15)', async () => {
    const before = statSync(objPath(join(remote, 'lfs'), oids['a.bin']!)).mtimeMs;
    const res = await push({ cwd: src, env: sb.env, remote: 'origin', all: true });
    expect(res.objects).toHaveLength(3);
    expect(res.results.map((x) => x.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(statSync(objPath(join(remote, 'lfs'), oids['a.bin']!)).mtimeMs).toBe(before);
  });

  it('requires a remote, as git-lfs', async () => {
    const r = await cli('push', [], src);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('Specify a remote and a remote branch name (`git lfs push origin main`)\n');
  });

  it('rejects an unknown remote name and a bad ref', async () => {
    const r = await cli('push', ['nosuch', 'main'], src);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`Invalid remote name "nosuch": invalid remote name: "${join(src, 'nosuch')}"\n`);
    const r2 = await cli('push', ['origin', 'nosuchref'], src);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toBe('Invalid ref argument: [nosuchref]\n');
  });
});

describe('push to a file:// remote, object ids, partial pushes and missing objects', () => {
  let remote: string;
  beforeAll(async () => {
    remote = await bare('fileremote.git');
    await ok(sb.git(['remote', 'add', 'f', `file://${remote}`], { cwd: src }));
  });

  it('--object-id pushes exactly those objects; a later push uploads only the rest (F15)', async () => {
    const r = await cli('push', ['--object-id', 'f', oids['d/b.bin']!], src);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Uploading LFS objects: 100% \(1\/1\), 31 B \| /);
    expect(storeOids(join(remote, 'lfs'))).toEqual([oids['d/b.bin']]);
    const res = await push({ cwd: src, env: sb.env, remote: 'f', refs: ['main'] });
    const by = Object.fromEntries(res.results.map((x) => [x.oid, x.status]));
    expect(by[oids['d/b.bin']!]).toBe('skipped');
    expect(by[oids['a.bin']!]).toBe('transferred');
    expect(storeOids(join(remote, 'lfs'))).toEqual(unique());
  });

  it('--object-id --dry-run --stdin prints the local object path', async () => {
    const r = await cli('push', ['--object-id', '--dry-run', '--stdin', 'f'], src, `${oids['a.bin']}\n`);
    expect(r.stdout).toBe(`push ${oids['a.bin']} => ${objPath(join(src, '.git', 'lfs'), oids['a.bin']!)}\n`);
    const bad = await cli('push', ['--object-id', 'f', 'nothex'], src);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('Invalid object ID');
  });

  it('fails a push with a missing local object, listing it, unless lfs.allowincompletepush', async () => {
    const repo = await sb.initRepo('miss', 'git-lfs');
    await ok(sb.gitLfs(['track', '*.bin'], { cwd: repo }));
    sb.write('miss/here.bin', 'present\n');
    sb.write('miss/gone.bin', 'will be deleted\n');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: repo }));
    const goneOid = await sha256('will be deleted\n');
    const hereOid = await sha256('present\n');
    rmSync(objPath(join(repo, '.git', 'lfs'), goneOid));
    const target = await bare('miss-remote.git');
    await ok(sb.git(['remote', 'add', 'origin', target], { cwd: repo }));

    const r = await cli('push', ['origin', 'main'], repo);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      `Git LFS upload failed:\n  (missing) gone.bin (${goneOid})\n` +
        'hint: Your push was rejected due to missing or corrupt local objects.\n' +
        'hint: You can disable this check with: `git config lfs.allowincompletepush true`\n',
    );
    expect(storeOids(join(target, 'lfs'))).toEqual([]);
    await expect(push({ cwd: repo, env: sb.env, remote: 'origin' })).rejects.toBeInstanceOf(PushMissingObjectsError);

    await ok(sb.git(['config', 'lfs.allowincompletepush', 'true'], { cwd: repo }));
    const r2 = await cli('push', ['origin', 'main'], repo);
    expect(r2.exitCode).toBe(0);
    expect(r2.stderr).toBe(`Git LFS upload missing objects:\n  (missing) gone.bin (${goneOid})\n`);
    expect(storeOids(join(target, 'lfs'))).toEqual([hereOid]);
  });

  it('pushes the commits selected by raw rev-list arguments into a non-bare remote (pre-push)', async () => {
    const target = await sb.initRepo('nonbare-target', 'none');
    const head = (await ok(sb.git(['rev-parse', 'HEAD'], { cwd: src }))).stdout.trim();
    const res = await push({ cwd: src, env: sb.env, remote: target, revArgs: [head, '--not', '--remotes=nonbare'] });
    expect(res.endpoint.url).toBe(`file://${target}/.git`);
    expect(res.results.map((r) => r.status)).toEqual(['transferred', 'transferred', 'transferred']);
    expect(storeOids(join(target, '.git', 'lfs'))).toEqual(unique());
    expect(tmpLeftovers(join(target, '.git', 'lfs'))).toEqual([]);
  });

  it('two pushers of the same objects to one remote both succeed (C5)', async () => {
    const target = await bare('c5.git');
    const [a, b] = await Promise.all([
      push({ cwd: src, env: sb.env, remote: target, all: true }),
      push({ cwd: src, env: sb.env, remote: `file://${target}`, all: true }),
    ]);
    expect(a.failed).toEqual([]);
    expect(b.failed).toEqual([]);
    expect(storeOids(join(target, 'lfs'))).toEqual(unique());
    for (const [p, c] of Object.entries(FILES)) expect(readFileSync(objPath(join(target, 'lfs'), oids[p]!), 'utf8')).toBe(c);
  });
});

describe('fetch and pull from a local remote', () => {
  let remote: string;
  beforeAll(async () => {
    remote = join(sb.root, 'remote.git');
    // Written by the 'push to a local-path remote' block; make sure even when run alone.
    if (!existsSync(join(remote, 'lfs'))) throw new Error('remote not prepared');
  });

  it('fetches the objects of HEAD into a fresh clone, verified; a second fetch does nothing', async () => {
    const clone = await plainClone(remote, 'clone1');
    const r = await cli('fetch', [], clone);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('fetch: Fetching reference refs/heads/main\n');
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual(unique());
    for (const [p, c] of Object.entries(FILES)) expect(readFileSync(objPath(join(clone, '.git', 'lfs'), oids[p]!), 'utf8')).toBe(c);
    // The work tree still holds pointers.
    expect(readFileSync(join(clone, 'a.bin'), 'utf8')).toMatch(/^version https:\/\/git-lfs/);
    const again = await fetch({ cwd: clone, env: sb.env });
    expect(again.objects).toEqual([]);
    const re = await fetch({ cwd: clone, env: sb.env, refetch: true });
    expect(re.results.map((x) => x.status)).toEqual(['transferred', 'transferred', 'transferred']);
    expect(tmpLeftovers(join(clone, '.git', 'lfs'))).toEqual([]);
  });

  it('honours -I/-X and lfs.fetchinclude/fetchexclude; --all ignores them', async () => {
    const clone = await plainClone(remote, 'clone2');
    const dry = await cli('fetch', ['--dry-run', '-I', 'd/**'], clone);
    expect(dry.stdout.split('\n').filter((l) => l.startsWith('fetch ')).sort()).toEqual(
      [`fetch ${oids['d/b.bin']} => d/b.bin`, `fetch ${oids['d/e/c.bin']} => d/e/c.bin`].sort(),
    );
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual([]);
    await ok(sb.git(['config', 'lfs.fetchexclude', 'd/e'], { cwd: clone }));
    const r = await fetch({ cwd: clone, env: sb.env, include: ['d'] });
    expect(r.objects.map((o) => o.name)).toEqual(['d/b.bin']);
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual([oids['d/b.bin']]);
    const cleared = await fetch({ cwd: clone, env: sb.env, include: ['d'], exclude: [''], dryRun: true });
    expect(cleared.objects.map((o) => o.name)).toEqual(['d/e/c.bin']);
    const all = await fetch({ cwd: clone, env: sb.env, all: true });
    expect(all.failed).toEqual([]);
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual(unique());
  });

  it('--json lists the transfers', async () => {
    const clone = await plainClone(remote, 'clone3');
    const r = await cli('fetch', ['--json', '--dry-run', 'origin', 'main'], clone);
    const parsed = JSON.parse(r.stdout) as { transfers: Array<{ name: string; oid: string; size: number }> };
    expect(parsed.transfers.map((t) => t.name).sort()).toEqual(['a.bin', 'd/b.bin', 'd/e/c.bin']);
    expect(parsed.transfers.find((t) => t.name === 'd/e/c.bin')).toEqual({ name: 'd/e/c.bin', oid: oids['d/e/c.bin'], size: 8 });
  });

  it('reports a missing remote object as git-lfs does and still fetches the others', async () => {
    const clone = await plainClone(remote, 'clone4');
    const victim = objPath(join(remote, 'lfs'), oids['d/e/c.bin']!);
    const saved = readFileSync(victim);
    rmSync(victim);
    try {
      const r = await cli('fetch', [], clone);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toBe(
        `error transferring "${oids['d/e/c.bin']}": [0] remote missing object ${oids['d/e/c.bin']}\n` +
          `error: failed to fetch some objects from 'file://${remote}'\n`,
      );
      expect(storeOids(join(clone, '.git', 'lfs'))).toEqual([oids['a.bin'], oids['d/b.bin']].sort());
    } finally {
      sb.write(victim.slice(sb.root.length + 1), saved);
    }
  });

  it('never stores a corrupt remote object', async () => {
    const other = await bare('corrupt.git');
    await ok(sb.git(['push', '-q', '--no-verify', other, 'main'], { cwd: src }));
    const oid = oids['a.bin']!;
    sb.write(objPath(join(other, 'lfs'), oid).slice(sb.root.length + 1), 'ALPHA CONTENT\n'); // same size, wrong bytes
    const clone = await plainClone(other, 'clone-corrupt');
    await ok(sb.git(['config', 'lfs.transfer.maxretries', '1'], { cwd: clone }));
    await ok(sb.git(['config', 'lfs.transfer.maxretrydelay', '1'], { cwd: clone }));
    const r = await fetch({ cwd: clone, env: sb.env, refs: ['main'] });
    // a.bin is corrupt on the remote; the other two are simply not there.
    expect(r.failed.map((f) => f.oid).sort()).toEqual([oid, oids['d/b.bin'], oids['d/e/c.bin']].sort());
    expect(r.failed.find((f) => f.oid === oid)!.error!.message).toContain(`expected OID ${oid}`);
    expect(r.failed.find((f) => f.oid === oid)!.attempts).toBe(2);
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual([]);
    expect(tmpLeftovers(join(clone, '.git', 'lfs'))).toEqual([]);
  });

  it('two concurrent fetches of the same objects both succeed (C1)', async () => {
    const clone = await plainClone(remote, 'clone5');
    const [a, b] = await Promise.all([fetch({ cwd: clone, env: sb.env, refetch: true }), fetch({ cwd: clone, env: sb.env, refetch: true })]);
    expect(a.failed).toEqual([]);
    expect(b.failed).toEqual([]);
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual(unique());
  });

  it('serves the smudge filter through one queue (ObjectFetcher)', async () => {
    const clone = await plainClone(remote, 'clone-fetcher');
    const ctx = await openRepo({ cwd: clone, env: sb.env });
    const events: string[] = [];
    const f = new QueueObjectFetcher(ctx, { onEvent: (e) => events.push(e.type) });
    const reqs = ['a.bin', 'dup.bin', 'd/b.bin'].map((p) => f.fetch({ oid: oids[p]!, size: Buffer.byteLength(FILES[p]!), path: p }));
    await Promise.all(reqs);
    const missing = 'f'.repeat(64);
    await expect(f.fetch({ oid: missing, size: 3, path: 'ghost.bin' })).rejects.toBeInstanceOf(TslfsError);
    await f.close();
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual([oids['a.bin'], oids['d/b.bin']].sort());
    expect(events.filter((e) => e === 'queued')).toHaveLength(3); // a.bin and dup.bin share one transfer
  });

  it('pull fetches and checks out the content', async () => {
    const clone = await plainClone(remote, 'clone6');
    const r = await cli('pull', [], clone);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    for (const [p, c] of Object.entries(FILES)) expect(readFileSync(join(clone, p), 'utf8')).toBe(c);
    const res = await pull({ cwd: clone, env: sb.env });
    expect(res.fetch.objects).toEqual([]);
  });

  it('fetches with an explicit remote name, URL or ref', async () => {
    const clone = await plainClone(remote, 'clone7');
    const r = await fetch({ cwd: clone, env: sb.env, remote: `file://${remote}`, refs: ['origin/main'] });
    expect(r.refs).toEqual(['refs/remotes/origin/main']);
    expect(r.endpoint.url).toBe(`file://${remote}`);
    expect(r.failed).toEqual([]);
    const bad = await cli('fetch', ['nosuch'], clone);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('Invalid remote name "nosuch"');
  });
});

describe('without a usable endpoint', () => {
  it('succeeds when nothing is missing, and explains what is missing otherwise', async () => {
    const lone = await sb.initRepo('lone', 'git-lfs');
    await ok(sb.gitLfs(['track', '*.bin'], { cwd: lone }));
    sb.write('lone/x.bin', 'lonely\n');
    await ok(sb.git(['add', '.'], { cwd: lone }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: lone }));
    expect(await cli('fetch', [], lone)).toEqual({ stdout: 'fetch: Fetching reference refs/heads/main\n', stderr: '', exitCode: 0 });
    rmSync(join(lone, '.git', 'lfs', 'objects'), { recursive: true });
    const r = await cli('fetch', [], lone);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('No Git LFS endpoint found for remote "origin"');
    await ok(sb.git(['remote', 'add', 'origin', 'https://127.0.0.1:9/r.git'], { cwd: lone }));
    const h = await cli('fetch', [], lone);
    expect(h.exitCode).toBe(2);
    // Port 9 (discard) refuses the connection: a clear error naming the batch URL, no retry storm.
    expect(h.stderr).toContain('POST https://127.0.0.1:9/r.git/info/lfs/objects/batch: connection refused');
    expect(h.stderr).toContain("error: failed to fetch some objects from 'https://127.0.0.1:9/r.git/info/lfs'");
  });
});

describe('interop with git-lfs on the same local remote', () => {
  it('tslfs fetches what git-lfs pushed to a non-bare local remote', async () => {
    const repo = await sb.initRepo('glfs', 'git-lfs');
    await ok(sb.gitLfs(['track', '*.dat'], { cwd: repo }));
    sb.write('glfs/x.dat', 'pushed by git-lfs\n');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: repo }));
    const target = await sb.initRepo('glfs-target', 'none'); // non-bare: objects go to .git/lfs
    await ok(sb.git(['remote', 'add', 'origin', target], { cwd: repo }));
    await ok(sb.gitLfs(['push', 'origin', 'main'], { cwd: repo }));
    await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main:refs/heads/side'], { cwd: repo }));
    const oid = await sha256('pushed by git-lfs\n');
    expect(storeOids(join(target, '.git', 'lfs'))).toEqual([oid]);

    const clone = join(sb.root, 'glfs-clone');
    await ok(sb.git(['clone', '-q', '-b', 'side', target, clone]));
    const r = await fetch({ cwd: clone, env: sb.env });
    expect(r.endpoint.url).toBe(`file://${target}/.git`);
    expect(r.failed).toEqual([]);
    expect(readFileSync(objPath(join(clone, '.git', 'lfs'), oid), 'utf8')).toBe('pushed by git-lfs\n');
  });

  it('git-lfs fetches what tslfs pushed, and verifies it', async () => {
    const target = await bare('interop2.git');
    const res = await push({ cwd: src, env: sb.env, remote: target, refs: ['main'] });
    expect(res.failed).toEqual([]);
    await ok(sb.git(['push', '-q', '--no-verify', target, 'main'], { cwd: src }));
    const clone = join(sb.root, 'interop2-clone');
    await ok(sb.git(['clone', '-q', target, clone]));
    await ok(sb.gitLfs(['fetch'], { cwd: clone }));
    expect(storeOids(join(clone, '.git', 'lfs'))).toEqual(unique());
    const fsck = await ok(sb.gitLfs(['fsck', '--objects'], { cwd: clone }));
    expect(fsck.stdout).toContain('Git LFS fsck OK');
  });
});

/**
 * tslfs as git's LFS filter with real git: add/commit/checkout through filter-process, the
 * one-shot clean and smudge filters, skip and exclude modes, pass-through of non-pointers,
 * missing objects, delayed checkout (test-only fetcher) and extensions.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, sha256, TSLFS_CMD, type RunResult, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

const objPath = (repo: string, oid: string) => join(repo, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid);
const ptr = (oid: string, size: number) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;

async function lfsRepo(name = 'repo'): Promise<string> {
  const repo = await sb.initRepo(name, 'tslfs');
  writeFileSync(join(repo, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  return repo;
}

async function ok(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

describe('filter-process with git', () => {
  it('add/commit stores the object and commits the pointer; checkout restores content', async () => {
    const repo = await lfsRepo();
    const data = Buffer.from('some large content\n'.repeat(1000));
    const oid = await sha256(data);
    writeFileSync(join(repo, 'a.bin'), data);
    writeFileSync(join(repo, 'empty.bin'), '');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: repo }));
    expect((await sb.git(['cat-file', '-p', 'HEAD:a.bin'], { cwd: repo })).stdout).toBe(ptr(oid, data.length));
    expect((await sb.git(['cat-file', '-p', 'HEAD:empty.bin'], { cwd: repo })).stdout).toBe('');
    expect(readFileSync(objPath(repo, oid)).equals(data)).toBe(true);
    rmSync(join(repo, 'a.bin'));
    rmSync(join(repo, 'empty.bin'));
    await ok(sb.git(['checkout', '--', '.'], { cwd: repo }));
    expect(readFileSync(join(repo, 'a.bin')).equals(data)).toBe(true);
    expect(readFileSync(join(repo, 'empty.bin')).length).toBe(0);
    expect((await sb.git(['status', '--porcelain'], { cwd: repo })).stdout).toBe('');
  });

  it('adding a pointer file stores nothing and commits it verbatim', async () => {
    const repo = await lfsRepo();
    const p = ptr('ab'.repeat(32), 123);
    writeFileSync(join(repo, 'p.bin'), p);
    await ok(sb.git(['add', 'p.bin'], { cwd: repo }));
    expect((await sb.git(['cat-file', '-p', ':p.bin'], { cwd: repo })).stdout).toBe(p);
    expect(existsSync(join(repo, '.git/lfs/objects'))).toBe(false);
  });

  it('non-pointers at LFS paths pass through byte-identical and are listed on stderr', async () => {
    const repo = await sb.initRepo('repo', 'none');
    writeFileSync(join(repo, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    const look = Buffer.concat([Buffer.from('version https://git-lfs.github.com/spec/v1\n'), Buffer.alloc(1100, 120)]);
    const big = Buffer.alloc(16 * 65536 + 3, 7);
    writeFileSync(join(repo, 'look.bin'), look);
    writeFileSync(join(repo, 'big.bin'), big);
    writeFileSync(join(repo, 'sp ace.bin'), 'plain\n');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: repo }));
    await ok(sb.git(['config', 'filter.lfs.process', `${TSLFS_CMD} filter-process`], { cwd: repo }));
    await ok(sb.git(['config', 'filter.lfs.required', 'true'], { cwd: repo }));
    for (const f of ['look.bin', 'big.bin', 'sp ace.bin']) rmSync(join(repo, f));
    const r = await ok(sb.git(['checkout', '--', '.'], { cwd: repo }));
    expect(readFileSync(join(repo, 'look.bin')).equals(look)).toBe(true);
    expect(readFileSync(join(repo, 'big.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(repo, 'sp ace.bin'), 'utf8')).toBe('plain\n');
    expect(r.stderr).toContain("Encountered 3 files that should have been pointers, but weren't:\n");
    expect(r.stderr).toContain('\tlook.bin\n');
    expect(r.stderr).toContain('\tsp ace.bin\n');
    // Spool files never stay behind.
    expect(readdirSync(join(repo, '.git/lfs/tmp')).filter((f) => f.endsWith('.spool'))).toEqual([]);
  });

  it('GIT_LFS_SKIP_SMUDGE and lfs.fetchexclude check out pointers', async () => {
    const repo = await lfsRepo();
    mkdirSync(join(repo, 'ex'));
    writeFileSync(join(repo, 'a.bin'), 'aaa\n');
    writeFileSync(join(repo, 'ex/b.bin'), 'bbb\n');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: repo }));
    rmSync(join(repo, 'a.bin'));
    await ok(sb.git(['checkout', '--', 'a.bin'], { cwd: repo, env: { GIT_LFS_SKIP_SMUDGE: '1' } }));
    expect(readFileSync(join(repo, 'a.bin'), 'utf8')).toBe(ptr(await sha256('aaa\n'), 4));
    // From .lfsconfig (a safe key there), read by the filter at the top of the work tree.
    writeFileSync(join(repo, '.lfsconfig'), '[lfs]\n\tfetchexclude = ex\n');
    rmSync(join(repo, 'a.bin'));
    rmSync(join(repo, 'ex/b.bin'));
    await ok(sb.git(['checkout', '--', '.'], { cwd: repo }));
    expect(readFileSync(join(repo, 'a.bin'), 'utf8')).toBe('aaa\n');
    expect(readFileSync(join(repo, 'ex/b.bin'), 'utf8')).toBe(ptr(await sha256('bbb\n'), 4));
  });

  it('a missing object fails the checkout; skipdownloaderrors writes the pointer', async () => {
    const repo = await lfsRepo();
    writeFileSync(join(repo, 'a.bin'), 'aaa\n');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: repo }));
    const oid = await sha256('aaa\n');
    rmSync(objPath(repo, oid));
    rmSync(join(repo, 'a.bin'));
    const r = await sb.git(['checkout', '--', 'a.bin'], { cwd: repo });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`a.bin (${oid.slice(0, 7)})`);
    expect(existsSync(join(repo, 'a.bin'))).toBe(false);
    await ok(sb.git(['checkout', '--', 'a.bin'], { cwd: repo, env: { GIT_LFS_SKIP_DOWNLOAD_ERRORS: '1' } }));
    expect(readFileSync(join(repo, 'a.bin'), 'utf8')).toBe(ptr(oid, 4));
  });

  it('a local object of the wrong size is treated as missing', async () => {
    const repo = await lfsRepo();
    writeFileSync(join(repo, 'a.bin'), 'aaa\n');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    const oid = await sha256('aaa\n');
    writeFileSync(objPath(repo, oid), 'aaaa-corrupt\n');
    const r = await sb.tslfs(['smudge', '--', 'a.bin'], { cwd: repo, input: ptr(oid, 4) });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe(ptr(oid, 4));
  });

  it('objects found through git alternates are made local and checked out', async () => {
    const src = await lfsRepo('src');
    writeFileSync(join(src, 'a.bin'), 'from the alternate\n');
    await ok(sb.git(['add', '.'], { cwd: src }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: src }));
    const dst = join(sb.root, 'dst');
    await ok(sb.git(['clone', '-q', '--shared', '--no-checkout', src, dst]));
    await ok(sb.git(['config', 'filter.lfs.process', `${TSLFS_CMD} filter-process`], { cwd: dst }));
    await ok(sb.git(['config', 'filter.lfs.required', 'true'], { cwd: dst }));
    await ok(sb.git(['checkout', 'main'], { cwd: dst }));
    expect(readFileSync(join(dst, 'a.bin'), 'utf8')).toBe('from the alternate\n');
    expect(existsSync(objPath(dst, await sha256('from the alternate\n')))).toBe(true);
  });

  it('delayed checkout through the test-only fetcher (git negotiates delay)', async () => {
    const src = await lfsRepo('src');
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`f${i}.bin`] = `content ${i}\n`.repeat(i + 1);
    for (const [f, c] of Object.entries(files)) writeFileSync(join(src, f), c);
    await ok(sb.git(['add', '.'], { cwd: src }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: src }));
    const dst = join(sb.root, 'dst');
    await ok(sb.git(['clone', '-q', '--no-checkout', src, dst]));
    for (const [k, v] of [
      ['filter.lfs.process', `${TSLFS_CMD} filter-process`],
      ['filter.lfs.required', 'true'],
    ]) await ok(sb.git(['config', k!, v!], { cwd: dst }));
    const r = await ok(
      sb.git(['checkout', 'main'], {
        cwd: dst,
        env: { TSLFS_TEST_FETCH_FROM: join(src, '.git/lfs/objects'), TSLFS_TEST_FETCH_DELAY_MS: '20', GIT_TRACE_PACKET: '1' },
      }),
    );
    for (const [f, c] of Object.entries(files)) expect(readFileSync(join(dst, f), 'utf8')).toBe(c);
    expect(r.stderr).toContain('status=delayed');
    expect(r.stderr).toContain('command=list_available_blobs');
  });
});

describe('one-shot clean and smudge', () => {
  it('git uses clean/smudge when no process filter is set', async () => {
    const repo = await lfsRepo();
    await ok(sb.git(['config', '--unset', 'filter.lfs.process'], { cwd: repo }));
    writeFileSync(join(repo, 'a.bin'), 'one-shot\n');
    await ok(sb.git(['add', '.'], { cwd: repo }));
    const oid = await sha256('one-shot\n');
    expect((await sb.git(['cat-file', '-p', ':a.bin'], { cwd: repo })).stdout).toBe(ptr(oid, 9));
    expect(existsSync(objPath(repo, oid))).toBe(true);
    rmSync(join(repo, 'a.bin'));
    await ok(sb.git(['checkout', '--', 'a.bin'], { cwd: repo }));
    expect(readFileSync(join(repo, 'a.bin'), 'utf8')).toBe('one-shot\n');
  });

  it('clean/smudge round trip, skip, pass-through, empty and missing', async () => {
    const repo = await lfsRepo();
    const data = Buffer.alloc(300_000, 5);
    const oid = await sha256(data);
    const c = await ok(sb.tslfs(['clean', '--', 'x.bin'], { cwd: repo, input: data }));
    expect(c.stdout).toBe(ptr(oid, data.length));
    const s = await ok(sb.tslfs(['smudge', '--', 'x.bin'], { cwd: repo, input: c.stdout }));
    expect(s.stdoutBuffer.equals(data)).toBe(true);
    for (const skip of [['smudge', '--skip'], ['smudge', '-s']]) {
      expect((await ok(sb.tslfs(skip, { cwd: repo, input: c.stdout.replace(/\n/g, '\r\n') }))).stdout).toBe(c.stdout);
    }
    expect((await ok(sb.tslfs(['smudge'], { cwd: repo, input: c.stdout, env: { GIT_LFS_SKIP_SMUDGE: '1' } }))).stdout).toBe(c.stdout);
    const big = Buffer.alloc(2_000_000, 9);
    const pass = await ok(sb.tslfs(['smudge', '--', 'big.bin'], { cwd: repo, input: big }));
    expect(pass.stdoutBuffer.equals(big)).toBe(true);
    expect(pass.stderr).toBe('Pointer file error: Unable to parse pointer at: "big.bin"\n');
    expect((await ok(sb.tslfs(['clean'], { cwd: repo, input: '' }))).stdout).toBe('');
    expect((await ok(sb.tslfs(['smudge'], { cwd: repo, input: '' }))).stdout).toBe('');
    const m = await sb.tslfs(['smudge', '--', 'gone.bin'], { cwd: repo, input: ptr('ef'.repeat(32), 10) });
    expect(m.exitCode).toBe(2);
    expect(m.stdout).toBe(ptr('ef'.repeat(32), 10));
    expect(m.stderr).toContain('gone.bin (efefefe)');
    const m2 = await sb.tslfs(['smudge'], { cwd: repo, input: ptr('ef'.repeat(32), 10), env: { GIT_LFS_SKIP_DOWNLOAD_ERRORS: '1' } });
    expect(m2.exitCode).toBe(0);
    expect(m2.stdout).toBe(ptr('ef'.repeat(32), 10));
  });
});

describe('extensions', () => {
  it('clean and smudge through a configured extension, matching git-lfs', async () => {
    const repo = await lfsRepo();
    await ok(sb.git(['config', 'lfs.extension.b64.clean', 'base64'], { cwd: repo }));
    await ok(sb.git(['config', 'lfs.extension.b64.smudge', 'base64 -d'], { cwd: repo }));
    await ok(sb.git(['config', 'lfs.extension.b64.priority', '0'], { cwd: repo }));
    const data = Buffer.from('extension content\n'.repeat(50));
    const c = await ok(sb.tslfs(['clean', '--', 'e.bin'], { cwd: repo, input: data }));
    const g = await ok(sb.gitLfs(['clean', '--', 'e.bin'], { cwd: repo, input: data }));
    expect(c.stdout).toBe(g.stdout);
    expect(c.stdout).toContain(`ext-0-b64 sha256:${await sha256(data)}\n`);
    expect((await ok(sb.tslfs(['smudge', '--', 'e.bin'], { cwd: repo, input: c.stdout }))).stdoutBuffer.equals(data)).toBe(true);
    writeFileSync(join(repo, 'e.bin'), data);
    await ok(sb.git(['add', 'e.bin'], { cwd: repo }));
    rmSync(join(repo, 'e.bin'));
    await ok(sb.git(['checkout', '--', 'e.bin'], { cwd: repo }));
    expect(readFileSync(join(repo, 'e.bin')).equals(data)).toBe(true);
  });

  it('tslfs checkout runs the smudge extension as git-lfs checkout does, and refuses a corrupt object', async () => {
    const repo = await lfsRepo();
    for (const [k, v] of [['clean', 'base64'], ['smudge', 'base64 -d'], ['priority', '0']]) await ok(sb.git(['config', `lfs.extension.b64.${k}`, v], { cwd: repo }));
    const data = Buffer.from('checked out through an extension\n'.repeat(40));
    writeFileSync(join(repo, 'e.bin'), data);
    await ok(sb.git(['add', '.'], { cwd: repo }));
    await ok(sb.git(['commit', '-qm', 'ext'], { cwd: repo }));
    for (const tool of ['tslfs', 'git-lfs'] as const) {
      rmSync(join(repo, 'e.bin'));
      const r = await ok(tool === 'tslfs' ? sb.tslfs(['checkout'], { cwd: repo }) : sb.gitLfs(['checkout'], { cwd: repo }));
      expect(readFileSync(join(repo, 'e.bin')).equals(data), `${tool}: ${r.stderr}`).toBe(true);
    }
    expect((await sb.git(['status', '--porcelain'], { cwd: repo })).stdout).toBe('');
    // The stored object (the base64 text) corrupted in place: nothing is written.
    const pointer = (await sb.git(['cat-file', 'blob', ':e.bin'], { cwd: repo })).stdout;
    const oid = /\noid sha256:([0-9a-f]{64})/.exec(pointer)![1]!;
    const obj = join(repo, '.git/lfs/objects', oid.slice(0, 2), oid.slice(2, 4), oid);
    const stored = readFileSync(obj);
    chmodSync(obj, 0o644);
    writeFileSync(obj, Buffer.from(stored.toString().replace('Y', 'Z')));
    rmSync(join(repo, 'e.bin'));
    const bad = await sb.tslfs(['checkout'], { cwd: repo });
    expect(bad.stderr).toMatch(/could not check out "e\.bin": .*corrupt/);
    expect(existsSync(join(repo, 'e.bin'))).toBe(false);
    // Without the extension configured: a clear error per file, nothing written.
    await ok(sb.git(['config', '--remove-section', 'lfs.extension.b64'], { cwd: repo }));
    const unconfigured = await sb.tslfs(['checkout'], { cwd: repo });
    expect(unconfigured.stderr).toMatch(/could not check out "e\.bin": .*not configured \(lfs\.extension\.b64\.smudge\)/);
    expect(existsSync(join(repo, 'e.bin'))).toBe(false);
  });

  it('a pointer naming an unconfigured extension fails to smudge; .lfsconfig cannot configure one', async () => {
    const repo = await lfsRepo();
    writeFileSync(join(repo, '.lfsconfig'), `[lfs "extension.evil"]\n\tclean = touch ${join(sb.root, 'pwned')}\n\tsmudge = touch ${join(sb.root, 'pwned')}\n`);
    const data = Buffer.from('x\n');
    const oid = await sha256(data);
    const c = await ok(sb.tslfs(['clean', '--', 'e.bin'], { cwd: repo, input: data }));
    expect(c.stdout).toBe(ptr(oid, 2));
    const withExt = `version https://git-lfs.github.com/spec/v1\next-0-evil sha256:${oid}\noid sha256:${oid}\nsize 2\n`;
    const s = await sb.tslfs(['smudge', '--', 'e.bin'], { cwd: repo, input: withExt });
    expect(s.exitCode).not.toBe(0);
    expect(s.stderr).toContain('evil');
    expect(existsSync(join(sb.root, 'pwned'))).toBe(false);
  });
});

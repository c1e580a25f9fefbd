/**
 * tslfs against an HTTP LFS server through git itself: git push uploads through the pre-push
 * hook, git clone downloads in batches while it checks out, and the two clients interoperate
 * through the same server (push with one, fetch with the other).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';
import { startLfsServer } from '../support/lfsServer/main.js';

type Server = Awaited<ReturnType<typeof startLfsServer>>;

describe('end to end over HTTP', () => {
  let sb: Sandbox;
  let srv: Server;
  const files: Record<string, Buffer> = {};
  beforeAll(async () => {
    sb = makeSandbox();
    srv = await startLfsServer({ root: join(sb.root, 'server') });
    expect((await sb.tslfs(['install'])).exitCode).toBe(0);
    for (let i = 0; i < 12; i++) files[`f${i}.bin`] = Buffer.alloc(20_000 + i * 1000, 65 + i);
  });
  afterAll(async () => {
    await srv.stop();
    sb.cleanup();
  });

  async function commitFiles(dir: string): Promise<void> {
    sb.write(`${dir.slice(sb.root.length + 1)}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    for (const [n, d] of Object.entries(files)) sb.write(`${dir.slice(sb.root.length + 1)}/${n}`, d);
    expect((await sb.git(['add', '.'], { cwd: dir })).exitCode).toBe(0);
    expect((await sb.git(['commit', '-qm', 'files'], { cwd: dir })).exitCode).toBe(0);
  }

  it('git push uploads, git clone downloads in batches during checkout', async () => {
    await srv.createRepo('r');
    const work = await sb.initRepo('work', 'none');
    await commitFiles(work);
    await sb.git(['remote', 'add', 'origin', srv.gitUrl('r')], { cwd: work });
    srv.clearRequests();
    const p = await sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
    expect(p.exitCode, p.stderr).toBe(0);
    await srv.settled();
    const puts = srv.requests.filter((r) => r.method === 'PUT');
    expect(puts.length).toBe(12);
    for (const d of Object.values(files)) expect(await srv.hasObject('r', await sha256(d))).toBe(true);

    srv.clearRequests();
    const c = await sb.git(['clone', '-q', srv.gitUrl('r'), 'clone']);
    expect(c.exitCode, c.stderr).toBe(0);
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(sb.root, 'clone', n)).equals(d)).toBe(true);
    await srv.settled();
    const batches = srv.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/objects/batch'));
    const gets = srv.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/storage/'));
    expect(gets.length).toBe(12);
    // Delayed checkout lets one queue batch the objects instead of one request per file.
    expect(batches.length).toBeLessThan(12);
    expect((await sb.git(['status', '--porcelain'], { cwd: join(sb.root, 'clone') })).stdout).toBe('');
  });

  it('interoperates with git-lfs through the server, both ways', async () => {
    // git-lfs pushes, tslfs fetches and checks out.
    await srv.createRepo('i1');
    const a = await sb.initRepo('a', 'git-lfs');
    await commitFiles(a);
    await sb.git(['remote', 'add', 'origin', srv.gitUrl('i1')], { cwd: a });
    const gp = await sb.gitLfs(['push', 'origin', 'main'], { cwd: a });
    expect(gp.exitCode, gp.stderr).toBe(0);
    await sb.git(['-c', 'core.hooksPath=/dev/null', 'push', '-q', 'origin', 'main'], { cwd: a });
    const b = join(sb.root, 'b');
    expect((await sb.git(['clone', '-q', srv.gitUrl('i1'), b], { env: { GIT_LFS_SKIP_SMUDGE: '1' } })).exitCode).toBe(0);
    const f = await sb.tslfs(['pull'], { cwd: b });
    expect(f.exitCode, f.stderr).toBe(0);
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(b, n)).equals(d)).toBe(true);

    // tslfs pushes, git-lfs fetches and verifies.
    await srv.createRepo('i2');
    const c = await sb.initRepo('c', 'tslfs');
    for (const n of Object.keys(files)) files[n] = Buffer.concat([files[n]!, Buffer.from('v2')]);
    await commitFiles(c);
    await sb.git(['remote', 'add', 'origin', srv.gitUrl('i2')], { cwd: c });
    const tp = await sb.tslfs(['push', 'origin', 'main'], { cwd: c });
    expect(tp.exitCode, tp.stderr).toBe(0);
    await sb.git(['-c', 'core.hooksPath=/dev/null', 'push', '-q', 'origin', 'main'], { cwd: c });
    const d = join(sb.root, 'd');
    expect((await sb.git(['clone', '-q', srv.gitUrl('i2'), d], { env: { GIT_LFS_SKIP_SMUDGE: '1' } })).exitCode).toBe(0);
    await sb.git(['config', 'filter.lfs.process', 'git-lfs filter-process'], { cwd: d });
    const gf = await sb.gitLfs(['pull'], { cwd: d });
    expect(gf.exitCode, gf.stderr).toBe(0);
    expect((await sb.gitLfs(['fsck'], { cwd: d })).stdout).toContain('Git LFS fsck OK');
    for (const [n, dd] of Object.entries(files)) expect(readFileSync(join(d, n)).equals(dd)).toBe(true);
  });
});

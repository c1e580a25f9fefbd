/**
 * tslfs and git-lfs 3.3.0 through the same real sshd: git-lfs pushes (pure SSH, or its fallback),
 * tslfs fetches and checks out; tslfs pushes, git-lfs fetches.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../support/sandbox.js';
import { useSshFixture } from '../support/sshFixture.js';

describe('interop with git-lfs 3.3.0 over SSH (real sshd)', () => {
  const fx = useSshFixture(0);
  const { workRepo } = fx;

  it('interop: git-lfs 3.3.0 pushes over the same sshd, tslfs fetches; tslfs pushes, git-lfs fetches', async () => {
    const bare = await fx.srv.createRepo('i1');
    const content = { 'g1.bin': Buffer.alloc(50_000, 1), 'g2.bin': Buffer.alloc(60_000, 2) };
    const a = await workRepo('i1a', fx.sshd.url(bare), 'git-lfs', content);
    // git-lfs 3.3.0 opens one ssh connection per worker (its multiplexing is per process): keep it to one.
    await fx.sb.git(['config', 'lfs.concurrenttransfers', '1'], { cwd: a });
    const gp = await fx.sb.gitLfs(['push', 'origin', 'main'], { cwd: a });
    expect(gp.exitCode, gp.stderr).toBe(0);
    // git-lfs used the pure SSH protocol against our git-lfs-transfer server (not HTTP).
    for (const d of Object.values(content)) expect(existsSync(fx.bareObject(bare, await sha256(d)))).toBe(true);
    expect(fx.sshd.commands()).toContain(`git-lfs-transfer ${bare} upload`);
    const gpush = await fx.sb.git(['-c', 'core.hooksPath=/dev/null', 'push', '-q', 'origin', 'main'], { cwd: a });
    expect(gpush.exitCode, gpush.stderr).toBe(0);
    const b = join(fx.sb.root, 'i1b');
    const bc = await fx.sb.git(['clone', '-q', fx.sshd.url(bare), b], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    expect(bc.exitCode, bc.stderr).toBe(0);
    const f = await fx.sb.tslfs(['pull'], { cwd: b });
    expect(f.exitCode, f.stderr).toBe(0);
    for (const [n, d] of Object.entries(content)) expect(readFileSync(join(b, n)).equals(d)).toBe(true);

    // And back: tslfs pushes a new object, git-lfs fetches it.
    fx.sb.write('i1b/g3.bin', Buffer.alloc(70_000, 3));
    await fx.sb.git(['add', 'g3.bin'], { cwd: b });
    await fx.sb.git(['commit', '-qm', 'g3'], { cwd: b });
    const tp = await fx.sb.git(['push', '-q', 'origin', 'main'], { cwd: b });
    expect(tp.exitCode, tp.stderr).toBe(0);
    const gpull = await fx.sb.git(['-c', 'core.hooksPath=/dev/null', 'pull', '-q', '--no-rebase', 'origin', 'main'], { cwd: a, env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    expect(gpull.exitCode, gpull.stderr).toBe(0);
    const gf = await fx.sb.gitLfs(['fetch', 'origin', 'main'], { cwd: a });
    expect(gf.exitCode, gf.stderr).toBe(0);
    const oid3 = await sha256(Buffer.alloc(70_000, 3));
    expect(existsSync(join(a, '.git', 'lfs', 'objects', oid3.slice(0, 2), oid3.slice(2, 4), oid3))).toBe(true);
  });
});

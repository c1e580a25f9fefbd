/**
 * tslfs over the pure SSH protocol against a real sshd on 127.0.0.1 (test/support/sshServer.ts):
 * git push and clone over ssh:// with tslfs as the filter move objects through git-lfs-transfer
 * (test/support/lfsTransferServer), over one multiplexed connection or one plain one; corrupt and
 * short data store nothing. (git-lfs interop: sshInterop.test.ts.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../support/sandbox.js';
import { useSshFixture } from '../support/sshFixture.js';

describe('tslfs over the pure SSH protocol (real sshd)', () => {
  const fx = useSshFixture();
  const { files, workRepo, bareObject } = fx;

  it('push and clone move objects through git-lfs-transfer, sharing one multiplexed connection', async () => {
    const bare = await fx.srv.createRepo('p1');
    const work = await workRepo('p1work', fx.sshd.url(bare));
    const p = await fx.sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
    expect(p.exitCode, p.stderr).toBe(0);
    for (const d of Object.values(files)) expect(existsSync(bareObject(bare, await sha256(d)))).toBe(true);
    expect(fx.sshd.commands()).toContain(`git-lfs-transfer ${bare} upload`);
    expect(fx.sshd.commands().some((c) => c.startsWith('git-lfs-authenticate'))).toBe(false);
    // Nothing went through HTTP.
    expect(fx.srv.requests.filter((r) => r.repo === 'p1')).toEqual([]);

    const accepted = (fx.sshd.log().match(/Accepted publickey/g) ?? []).length;
    const c = await fx.sb.git(['clone', '-q', fx.sshd.url(bare), 'p1clone']);
    expect(c.exitCode, c.stderr).toBe(0);
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(fx.sb.root, 'p1clone', n)).equals(d)).toBe(true);
    expect(fx.sshd.commands()).toContain(`git-lfs-transfer ${bare} download`);
    expect((await fx.sb.git(['status', '--porcelain'], { cwd: join(fx.sb.root, 'p1clone') })).stdout).toBe('');
    // Sessions of the download: several git-lfs-transfer processes may run, but over one TCP
    // connection (the clone's git-upload-pack is the other one).
    const sessions = new Set(fx.sshd.transferLog().filter((l) => l.endsWith('start download ' + bare)).map((l) => l.split(' ')[0]));
    expect(sessions.size).toBeGreaterThanOrEqual(1);
    expect((fx.sshd.log().match(/Accepted publickey/g) ?? []).length - accepted).toBe(2);
    // Every control socket directory was removed.
    expect(readdirSync(fx.clientTmp).filter((n) => n.startsWith('sock-'))).toEqual([]);
  });

  it('without multiplexing one connection does everything (lock verification included)', async () => {
    const bare = await fx.srv.createRepo('p2');
    const work = await workRepo('p2work', fx.sshd.url(bare));
    await fx.sb.git(['config', 'lfs.ssh.automultiplex', 'false'], { cwd: work });
    const before = fx.sshd.transferLog().length;
    const p = await fx.sb.tslfs(['push', 'origin', 'main'], { cwd: work });
    expect(p.exitCode, p.stderr).toBe(0);
    for (const d of Object.values(files)) expect(existsSync(bareObject(bare, await sha256(d)))).toBe(true);
    const log = fx.sshd.transferLog().slice(before);
    expect(new Set(log.map((l) => l.split(' ')[0])).size).toBe(1);
    // tslfs push verifies locks first (as git lfs push does), on that same connection.
    expect(log.some((l) => l.includes('list-lock'))).toBe(true);
    expect(log.filter((l) => l.endsWith('put-object') || / put-object /.test(l) || l.includes('put-object')).length).toBe(Object.keys(files).length);
    expect(log.at(-1)).toMatch(/ end$/);
  });

  it('a corrupt or short get-object stores nothing and fails the fetch', async () => {
    const bare = await fx.srv.createRepo('c1');
    const work = await workRepo('c1work', fx.sshd.url(bare), 'none', { 'c.bin': Buffer.alloc(100_000, 7) });
    const push = await fx.sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
    expect(push.exitCode, push.stderr).toBe(0);
    const oid = await sha256(Buffer.alloc(100_000, 7));
    expect(existsSync(bareObject(bare, oid))).toBe(true);
    const clone = join(fx.sb.root, 'c1clone');
    const cl = await fx.sb.git(['clone', '-q', fx.sshd.url(bare), clone], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    expect(cl.exitCode, cl.stderr).toBe(0);
    await fx.sb.git(['config', 'lfs.transfer.maxretries', '1'], { cwd: clone });
    for (const fault of ['corrupt', 'short']) {
      fx.sshd.setTransferFault(fault);
      try {
        const f = await fx.sb.tslfs(['fetch'], { cwd: clone });
        expect(f.exitCode, fault).not.toBe(0);
        expect(existsSync(join(clone, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(false);
      } finally {
        fx.sshd.setTransferFault('');
      }
    }
    const ok = await fx.sb.tslfs(['fetch'], { cwd: clone });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(existsSync(join(clone, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(true);
  });
});

/**
 * tslfs over SSH hybrid auth against a real sshd: git-lfs-authenticate + the HTTP test server
 * (lfs.sshtransfer=never, or negotiate when git-lfs-transfer is missing), its header used instead
 * of the credential helper, and its failures (not found: plain HTTPS; other: escaped stderr).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../support/sandbox.js';
import { useSshFixture } from '../support/sshFixture.js';

describe('tslfs over SSH hybrid auth (real sshd)', () => {
  const fx = useSshFixture();
  const { files, workRepo } = fx;

  it('lfs.sshtransfer=never uses git-lfs-authenticate and the HTTP API with its header', async () => {
    const bare = await fx.srv.createRepo('h1');
    const work = await workRepo('h1work', fx.sshd.url(bare));
    await fx.sb.git(['config', 'lfs.sshtransfer', 'never'], { cwd: work });
    fx.srv.clearRequests();
    const p = await fx.sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
    expect(p.exitCode, p.stderr).toBe(0);
    await fx.srv.settled();
    for (const d of Object.values(files)) expect(await fx.srv.hasObject('h1', await sha256(d))).toBe(true);
    const batches = fx.srv.requests.filter((r) => r.kind === 'batch' && r.repo === 'h1');
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(b.headers.extra['x-ssh-token']).toBe('tok-upload');
    expect(fx.sshd.commands()).toContain(`git-lfs-authenticate ${bare} upload`);
    expect(fx.sshd.commands()).not.toContain(`git-lfs-transfer ${bare} upload`);
    expect(existsSync(join(bare, 'lfs'))).toBe(false);

    const c = await fx.sb.git(['-c', 'lfs.sshtransfer=never', 'clone', '-q', fx.sshd.url(bare), 'h1clone']);
    expect(c.exitCode, c.stderr).toBe(0);
    for (const [n, d] of Object.entries(files)) expect(readFileSync(join(fx.sb.root, 'h1clone', n)).equals(d)).toBe(true);
    expect(fx.sshd.commands()).toContain(`git-lfs-authenticate ${bare} download`);
  });

  it('negotiate falls back to git-lfs-authenticate + HTTP when git-lfs-transfer is missing; always fails', async () => {
    const bare = await fx.srv.createRepo('h2');
    const work = await workRepo('h2work', fx.sshd.url(bare));
    fx.sshd.removeTransfer();
    try {
      const p = await fx.sb.tslfs(['push', 'origin', 'main'], { cwd: work });
      expect(p.exitCode, p.stderr).toBe(0);
      for (const d of Object.values(files)) expect(await fx.srv.hasObject('h2', await sha256(d))).toBe(true);
      const cmds = fx.sshd.commands();
      const t = cmds.lastIndexOf(`git-lfs-transfer ${bare} upload`);
      const a = cmds.lastIndexOf(`git-lfs-authenticate ${bare} upload`);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(a).toBeGreaterThan(t);

      await fx.sb.git(['config', 'lfs.sshtransfer', 'always'], { cwd: work });
      fx.sb.write('h2work/new.bin', 'another object');
      await fx.sb.git(['add', 'new.bin'], { cwd: work });
      await fx.sb.git(['commit', '-qm', 'more'], { cwd: work });
      const f = await fx.sb.tslfs(['push', 'origin', 'main'], { cwd: work });
      expect(f.exitCode).not.toBe(0);
      expect(f.stderr).toMatch(/Unable to negotiate version with remote side/);
      expect(await fx.srv.hasObject('h2', await sha256('another object'))).toBe(false);
    } finally {
      fx.sshd.restoreTransfer();
    }
  });

  it('git-lfs-authenticate: an Authorization header is used instead of the credential helper', async () => {
    const bare = await fx.srv.createRepo('requirecreds-ssh');
    const work = await workRepo('rcwork', fx.sshd.url(bare));
    await fx.sb.git(['config', 'lfs.sshtransfer', 'never'], { cwd: work });
    const basic = Buffer.from('requirecreds:pass').toString('base64');
    fx.sshd.setAuth(`header:{"Authorization":"Basic ${basic}"}`);
    try {
      const p = await fx.sb.tslfs(['push', 'origin', 'main'], { cwd: work, env: { GIT_TERMINAL_PROMPT: '0' } });
      expect(p.exitCode, p.stderr).toBe(0);
      for (const d of Object.values(files)) expect(await fx.srv.hasObject('requirecreds-ssh', await sha256(d))).toBe(true);
    } finally {
      fx.sshd.setAuth('ok');
    }
  });

  it('git-lfs-authenticate failures: not found falls back to https, other errors show escaped stderr', async () => {
    const bare = await fx.srv.createRepo('h3');
    const work = await workRepo('h3work', fx.sshd.url(bare), 'none', { 'x.bin': Buffer.from('h3 object') });
    await fx.sb.git(['config', 'lfs.sshtransfer', 'never'], { cwd: work });
    await fx.sb.git(['config', 'lfs.transfer.maxretries', '1'], { cwd: work });
    try {
      for (const mode of ['missing', 'gerrit']) {
        fx.sshd.setAuth(mode);
        const p = await fx.sb.tslfs(['push', 'origin', 'main'], { cwd: work, env: { GIT_TERMINAL_PROMPT: '0' } });
        expect(p.exitCode).not.toBe(0);
        // The derived https URL (no server there) is what was tried, not an ssh error.
        expect(p.stderr).toContain(`https://127.0.0.1${bare}/info/lfs`);
        expect(p.stderr).not.toMatch(/git-lfs-authenticate failed/);
      }
      fx.sshd.setAuth('error');
      const e = await fx.sb.tslfs(['push', 'origin', 'main'], { cwd: work });
      expect(e.exitCode).not.toBe(0);
      expect(e.stderr).toContain('git-lfs-authenticate failed (exit 3): access denied for \\x1b[31mrepo');
      expect(e.stderr).not.toContain('\x1b');
    } finally {
      fx.sshd.setAuth('ok');
    }
  });
});

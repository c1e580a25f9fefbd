/**
 * F13: read-only work tree directories. Permission bits do not stop root, so when the tests run
 * as root the sandbox is handed to `nobody` and tslfs runs under `setpriv` as that user.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeSandbox, TSLFS_BIN, type RunResult, type Sandbox } from '../support/sandbox.js';

const NOBODY = 65534;

/** Run tslfs as an unprivileged user (ourselves unless we are root). */
async function tslfsUnprivileged(sb: Sandbox, args: string[], cwd: string): Promise<RunResult> {
  if (process.getuid?.() !== 0) return sb.tslfs(args, { cwd });
  await execa('chown', ['-R', `${NOBODY}:${NOBODY}`, sb.root]);
  const r = await execa('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, TSLFS_BIN, ...args], {
    cwd,
    env: sb.env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
  });
  await execa('chown', ['-R', '0:0', sb.root]);
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? 1, stdoutBuffer: Buffer.from(r.stdout) };
}

describe('tslfs checkout: read-only directories (F13)', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => {
    try {
      chmodSync(join(sb.root, 'r', 'dir'), 0o755);
    } catch {
      /* already writable or gone */
    }
    sb.cleanup();
  });

  it('reports a per-file "permission denied" error, checks out the rest, exit 0', async () => {
    const dir = await sb.initRepo('r', 'git-lfs');
    sb.write('r/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    sb.write('r/dir/a.bin', 'a');
    sb.write('r/b.bin', 'b');
    await sb.git(['add', '.'], { cwd: dir });
    await sb.git(['commit', '-qm', 'add'], { cwd: dir });
    rmSync(join(dir, 'dir/a.bin'));
    rmSync(join(dir, 'b.bin'));
    chmodSync(join(dir, 'dir'), 0o555);
    const r = await tslfsUnprivileged(sb, ['checkout'], dir);
    chmodSync(join(dir, 'dir'), 0o755);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('could not check out "dir/a.bin": could not create working directory file: permission denied\n');
    expect(existsSync(join(dir, 'dir/a.bin'))).toBe(false);
    expect(readFileSync(join(dir, 'b.bin'), 'utf8')).toBe('b');
  });
});

/**
 * The whole loop through git itself with a local bare remote and no server: `tslfs install`
 * writes the global filters and hooks, git add/commit go through filter-process, `git push`
 * runs the pre-push hook that uploads objects, and `git clone` smudges through filter-process,
 * downloading the objects with git's delayed checkout.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRemoteRepo } from '../support/localRemoteRepo.js';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';

describe('end to end with a local-path remote', () => {
  let sb: Sandbox;
  let work: string;
  const files: Record<string, Buffer> = {};
  beforeAll(async () => {
    sb = makeSandbox();
    work = await localRemoteRepo(sb);
    for (let i = 0; i < 5; i++) {
      const data = Buffer.alloc(50_000 + i, i + 1);
      files[`d${i % 2}/f${i}.bin`] = data;
      sb.write(`work/d${i % 2}/f${i}.bin`, data);
    }
    await sb.git(['add', '.'], { cwd: work });
    const c = await sb.git(['commit', '-qm', 'files'], { cwd: work });
    expect(c.exitCode, c.stderr).toBe(0);
  });
  afterAll(() => sb.cleanup());

  it('git push uploads the objects through the pre-push hook', async () => {
    const r = await sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const data of Object.values(files)) {
      const oid = await sha256(data);
      expect(existsSync(join(sb.root, 'remote.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(true);
    }
  });

  it('git clone downloads and smudges every file through delayed checkout', async () => {
    const r = await sb.git(['clone', '-q', join(sb.root, 'remote.git'), 'clone'], { env: { GIT_TRACE_PACKET: join(sb.root, 'packet.log') } });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const [name, data] of Object.entries(files)) expect(readFileSync(join(sb.root, 'clone', name)).equals(data)).toBe(true);
    const trace = readFileSync(join(sb.root, 'packet.log'), 'utf8');
    expect(trace).toContain('status=delayed');
    expect(trace).toContain('command=list_available_blobs');
    const st = await sb.git(['status', '--porcelain'], { cwd: join(sb.root, 'clone') });
    expect(st.stdout).toBe('');
  });

  it('a push whose objects are missing locally is refused before git updates the remote', async () => {
    sb.write('work/new.bin', 'brand new content');
    await sb.git(['add', 'new.bin'], { cwd: work });
    await sb.git(['commit', '-qm', 'new'], { cwd: work });
    const oid = await sha256('brand new content');
    rmSync(join(work, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid));
    const before = await sb.git(['rev-parse', 'main'], { cwd: join(sb.root, 'remote.git') });
    const r = await sb.git(['push', 'origin', 'main'], { cwd: work });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('new.bin');
    const after = await sb.git(['rev-parse', 'main'], { cwd: join(sb.root, 'remote.git') });
    expect(after.stdout).toBe(before.stdout);
  });
});

/**
 * Submodules (reliability HR20; git-lfs's t-submodule, t-submodule-lfsconfig): a superproject
 * and a submodule, each with LFS files and its own `.lfsconfig` naming its own LFS endpoint on
 * the test server. `git clone --recurse-submodules` runs tslfs filter-process in each
 * repository; each must read only its own `.lfsconfig` and fetch from its own endpoint (an
 * object looked for at the other one does not exist there, so a leak fails the checkout).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';

describe('submodules with their own .lfsconfig', () => {
  let sb: Sandbox;
  let srv: LfsServer;
  const superData = Buffer.alloc(30_000, 'p');
  const subData = Buffer.alloc(40_000, 's');

  beforeAll(async () => {
    sb = makeSandbox();
    srv = await startLfsServer({ root: join(sb.root, 'server') });
    expect((await sb.tslfs(['install'])).exitCode).toBe(0);
    for (const name of ['super', 'sub', 'super-lfs', 'sub-lfs']) await srv.createRepo(name);
    const commitAndPush = async (dir: string, data: Buffer, file: string, lfsName: string, gitName: string) => {
      const rel = dir.slice(sb.root.length + 1);
      sb.write(`${rel}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      sb.write(`${rel}/.lfsconfig`, `[lfs]\n\turl = ${srv.lfsUrl(lfsName)}\n`);
      sb.write(`${rel}/${file}`, data);
      expect((await sb.git(['add', '.'], { cwd: dir })).exitCode).toBe(0);
      expect((await sb.git(['commit', '-qm', file], { cwd: dir })).exitCode).toBe(0);
      await sb.git(['remote', 'add', 'origin', srv.gitUrl(gitName)], { cwd: dir });
      const p = await sb.git(['push', '-q', 'origin', 'main'], { cwd: dir });
      expect(p.exitCode, p.stderr).toBe(0);
    };
    const sub = await sb.initRepo('sub-work', 'none');
    await commitAndPush(sub, subData, 's.bin', 'sub-lfs', 'sub');
    const sup = await sb.initRepo('super-work', 'none');
    const add = await sb.git(['submodule', 'add', '-q', srv.gitUrl('sub'), 'sub'], { cwd: sup });
    expect(add.exitCode, add.stderr).toBe(0);
    await commitAndPush(sup, superData, 'p.bin', 'super-lfs', 'super');
    await srv.settled();
    // Each object is at its own endpoint only.
    expect(await srv.hasObject('sub-lfs', await sha256(subData))).toBe(true);
    expect(await srv.hasObject('super-lfs', await sha256(subData))).toBe(false);
    expect(await srv.hasObject('super-lfs', await sha256(superData))).toBe(true);
    expect(await srv.hasObject('sub-lfs', await sha256(superData))).toBe(false);
  }, 60_000);

  afterAll(async () => {
    await srv.stop();
    sb.cleanup();
  });

  it('git clone --recurse-submodules smudges each repository from its own endpoint', async () => {
    srv.clearRequests();
    const c = await sb.git(['clone', '-q', '--recurse-submodules', srv.gitUrl('super'), 'clone']);
    expect(c.exitCode, c.stderr).toBe(0);
    const clone = join(sb.root, 'clone');
    expect(readFileSync(join(clone, 'p.bin')).equals(superData)).toBe(true);
    expect(readFileSync(join(clone, 'sub', 's.bin')).equals(subData)).toBe(true);
    await srv.settled();
    const gets = srv.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/storage/'));
    expect(gets.map((r) => r.path).sort()).toEqual([expect.stringContaining(await sha256(subData)), expect.stringContaining(await sha256(superData))].sort());
    const batches = srv.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/objects/batch')).map((r) => r.path);
    expect(batches.every((p) => p.startsWith('/super-lfs.git/') || p.startsWith('/sub-lfs.git/'))).toBe(true);
    expect(batches.some((p) => p.startsWith('/sub-lfs.git/'))).toBe(true);
    for (const d of [clone, join(clone, 'sub')]) expect((await sb.git(['status', '--porcelain'], { cwd: d })).stdout).toBe('');
  });

  it('tslfs pull and ls-files in the submodule use the submodule\'s own repository and endpoint', async () => {
    const c = await sb.git(['clone', '-q', '--recurse-submodules', srv.gitUrl('super'), 'clone2'], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    expect(c.exitCode, c.stderr).toBe(0);
    const sub = join(sb.root, 'clone2', 'sub');
    expect(readFileSync(join(sub, 's.bin'), 'utf8')).toMatch(/^version https:\/\/git-lfs/);
    srv.clearRequests();
    const p = await sb.tslfs(['pull'], { cwd: sub });
    expect(p.exitCode, p.stderr).toBe(0);
    expect(readFileSync(join(sub, 's.bin')).equals(subData)).toBe(true);
    const l = await sb.tslfs(['ls-files', '--name-only'], { cwd: sub });
    expect(l.stdout).toBe('s.bin\n');
    // The superproject's file is untouched by a pull in the submodule.
    expect(readFileSync(join(sb.root, 'clone2', 'p.bin'), 'utf8')).toMatch(/^version https:\/\/git-lfs/);
    await srv.settled();
    expect(srv.requests.filter((r) => r.method === 'POST').every((r) => r.path.startsWith('/sub-lfs.git/'))).toBe(true);
  });
});

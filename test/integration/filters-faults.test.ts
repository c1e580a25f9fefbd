/**
 * The data-loss guard (reliability F2, F5-F7, F17): a clean that is killed or cannot store
 * never lets git record a pointer whose object is missing, and leaves no partial object.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, shq, TSLFS_BIN, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

async function lfsRepo(): Promise<string> {
  const repo = await sb.initRepo('repo', 'tslfs');
  writeFileSync(join(repo, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  return repo;
}

describe('clean faults', () => {
  it('SIGKILL while streaming leaves no object, only temp files; a rerun succeeds', async () => {
    const repo = await lfsRepo();
    const child = spawn(process.execPath, [TSLFS_BIN, 'clean', '--', 'big.bin'], { cwd: repo, env: sb.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.on('error', () => {});
    const chunk = Buffer.alloc(256 * 1024, 3);
    const tmpDir = join(repo, '.git/lfs/tmp');
    // Feed a few MB, then wait until the temp file holds some of it, then kill -9.
    for (let i = 0; i < 16; i++) await new Promise<void>((r) => child.stdin.write(chunk, () => r()));
    for (let i = 0; i < 200; i++) {
      const tmp = listFiles(tmpDir);
      if (tmp.length > 0 && statSync(tmp[0]!).size > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(out).toBe('');
    expect(listFiles(join(repo, '.git/lfs/objects'))).toEqual([]);
    expect(listFiles(tmpDir).length).toBeGreaterThan(0);
    const again = await sb.tslfs(['clean', '--', 'big.bin'], { cwd: repo, input: Buffer.alloc(1000, 3) });
    expect(again.exitCode).toBe(0);
    expect(listFiles(join(repo, '.git/lfs/objects')).length).toBe(1);
  });

  it('lfs.storage pointing at a file: clean fails and git add records nothing', async () => {
    const repo = await lfsRepo();
    writeFileSync(join(sb.root, 'storage-file'), 'x');
    await sb.git(['config', 'lfs.storage', join(sb.root, 'storage-file')], { cwd: repo });
    writeFileSync(join(repo, 'a.bin'), Buffer.alloc(100_000, 1));
    const add = await sb.git(['add', 'a.bin'], { cwd: repo });
    expect(add.exitCode).not.toBe(0);
    expect(add.stderr).toContain('a.bin');
    expect((await sb.git(['cat-file', '-e', ':a.bin'], { cwd: repo })).exitCode).not.toBe(0);
    const one = await sb.tslfs(['clean', '--', 'a.bin'], { cwd: repo, input: 'data' });
    expect(one.exitCode).not.toBe(0);
    expect(one.stdout).toBe('');
  });

  it('a file-size limit (EFBIG) mid-object fails the add and removes the temp file', async () => {
    const repo = await lfsRepo();
    writeFileSync(join(repo, 'big.bin'), Buffer.alloc(3_000_000, 2));
    // ulimit -f is in 1024-byte blocks in dash/bash: 1000 KiB is too small for the object but
    // plenty for git's own small writes. Node ignores SIGXFSZ and gets EFBIG.
    const add = await sb.run('sh', ['-c', `ulimit -f 1000; exec git add big.bin`], { cwd: repo });
    expect(add.exitCode).not.toBe(0);
    expect(add.stderr).toMatch(/file too large|EFBIG/);
    expect((await sb.git(['cat-file', '-e', ':big.bin'], { cwd: repo })).exitCode).not.toBe(0);
    expect(listFiles(join(repo, '.git/lfs/objects'))).toEqual([]);
    expect(listFiles(join(repo, '.git/lfs/tmp'))).toEqual([]);
    // The one-shot filter behaves the same.
    const one = await sb.run('sh', ['-c', `ulimit -f 1000; exec ${shq(process.execPath)} ${shq(TSLFS_BIN)} clean < big.bin`], { cwd: repo });
    expect(one.exitCode).not.toBe(0);
    expect(one.stdout).toBe('');
    expect(listFiles(join(repo, '.git/lfs/objects'))).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { scanHistory, scanIndex, scanTree } from '../../src/ops/scanPointers.js';

const ptr = (n: number, size: number) => `version https://git-lfs.github.com/spec/v1\noid sha256:${String(n).padStart(64, '0')}\nsize ${size}\n`;

describe('scanPointers', () => {
  let sb: Sandbox;
  let dir: string;
  beforeAll(async () => {
    sb = makeSandbox();
    dir = await sb.initRepo('repo', 'none');
    sb.write('repo/a.bin', ptr(1, 12));
    sb.write('repo/d/x y.bin', ptr(1, 12));
    sb.write('repo/b.txt', 'hello\n');
    sb.write('repo/big.txt', 'version https://git-lfs.github.com/spec/v1\n' + 'x'.repeat(2000));
    sb.write('repo/empty.bin', '');
    await sb.git(['add', '.'], { cwd: dir });
    await sb.git(['commit', '-qm', 'one'], { cwd: dir });
    sb.write('repo/c.bin', ptr(2, 5));
    await sb.git(['add', 'c.bin'], { cwd: dir });
    await sb.git(['rm', '-q', 'a.bin'], { cwd: dir });
    await sb.git(['commit', '-qm', 'two'], { cwd: dir });
  });
  afterAll(() => sb.cleanup());

  it('lists pointers in a tree, skipping non-pointers, large blobs and the empty file', async () => {
    const head = await scanTree('HEAD', { cwd: dir, env: sb.env });
    expect(head.map((e) => e.path).sort()).toEqual(['c.bin', 'd/x y.bin']);
    const first = await scanTree('HEAD~1', { cwd: dir, env: sb.env });
    expect(first.map((e) => [e.path, e.pointer.size]).sort()).toEqual([['a.bin', 12], ['d/x y.bin', 12]]);
  });

  it('lists pointers in the index with stages', async () => {
    const idx = await scanIndex({ cwd: dir, env: sb.env });
    expect(idx.map((e) => [e.path, e.stage])).toEqual([['c.bin', 0], ['d/x y.bin', 0]]);
  });

  it('lists distinct pointer blobs across history', async () => {
    const hist = await scanHistory(['--all'], { cwd: dir, env: sb.env });
    expect(hist.map((e) => e.pointer.oid.slice(-1)).sort()).toEqual(['1', '2']);
  });
});

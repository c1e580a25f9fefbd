/**
 * Reliability C4: `prune --force` running while `pull` downloads and checks out. Prune may
 * delete objects the pull just fetched (they are pushed and --force keeps nothing else), so
 * some files may stay pointers (a re-download fixes that), but no work tree file may ever be
 * anything but its exact content or its exact pointer, and no object left in the store may be
 * corrupt.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prune } from '../../src/api/prune.js';
import { filterConfig, makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let remote: string;
const FILES: Record<string, Buffer> = {};
for (let i = 0; i < 24; i++) FILES[`f${i}.bin`] = Buffer.alloc(40_000 + i * 997, 97 + (i % 26));

async function ok(p: Promise<{ exitCode: number; stderr: string; stdout: string }>) {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  sb = makeSandbox();
  remote = join(sb.root, 'origin.git');
  await ok(sb.git(['init', '-q', '--bare', remote]));
  const src = await sb.initRepo('src', 'tslfs');
  sb.write('src/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  for (const [n, d] of Object.entries(FILES)) sb.write(`src/${n}`, d);
  await ok(sb.git(['add', '.'], { cwd: src }));
  await ok(sb.git(['commit', '-qm', 'files'], { cwd: src }));
  await ok(sb.git(['remote', 'add', 'origin', `file://${remote}`], { cwd: src }));
  await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: src }));
  await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: src }));
});
afterAll(() => sb.cleanup());

function storeFiles(dir: string): string[] {
  const root = join(dir, '.git', 'lfs', 'objects');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const a of readdirSync(root)) for (const b of readdirSync(join(root, a))) for (const f of readdirSync(join(root, a, b))) out.push(join(root, a, b, f));
  return out;
}

describe('prune during pull (C4)', () => {
  it('never leaves a corrupt work tree file or object', async () => {
    const dir = join(sb.root, 'clone');
    await ok(sb.git(['clone', '-q', remote, dir], { env: { GIT_LFS_SKIP_SMUDGE: '1' } }));
    for (const [k, v] of filterConfig('tslfs')) await ok(sb.git(['config', k, v], { cwd: dir }));
    const pointers: Record<string, Buffer> = {};
    for (const n of Object.keys(FILES)) pointers[n] = readFileSync(join(dir, n));
    let prunedSomething = false;
    // At least 3 rounds, more (up to 8) until prune has actually raced the pull at least once.
    for (let round = 0; round < 8 && (round < 3 || !prunedSomething); round++) {
      rmSync(join(dir, '.git', 'lfs', 'objects'), { recursive: true, force: true });
      for (const [n, p] of Object.entries(pointers)) writeFileSync(join(dir, n), p);
      let pulling = true;
      const pull = sb.tslfs(['pull'], { cwd: dir }).finally(() => (pulling = false));
      while (pulling) {
        const r = await prune({ cwd: dir, env: sb.env, force: true });
        if (r.deleted.length > 0) prunedSomething = true;
      }
      await pull;
      for (const [n, d] of Object.entries(FILES)) {
        const now = readFileSync(join(dir, n));
        expect(now.equals(d) || now.equals(pointers[n]!), `${n} in round ${round}`).toBe(true);
      }
      for (const f of storeFiles(dir)) {
        expect(createHash('sha256').update(readFileSync(f)).digest('hex')).toBe(f.slice(-64));
      }
    }
    expect(prunedSomething).toBe(true);
    // Whatever prune took can be fetched again: a final pull restores everything.
    await ok(sb.tslfs(['pull'], { cwd: dir }));
    for (const [n, d] of Object.entries(FILES)) expect(readFileSync(join(dir, n)).equals(d)).toBe(true);
    expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
  });
});

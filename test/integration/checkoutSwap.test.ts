/**
 * reliability HR10 (TOCTOU swap, gitoxide CVE-2026-44471): while `tslfs checkout` writes 1,000
 * files under dir/, another process keeps swapping dir/ with a symlink to a directory outside
 * the repository, as fast as it can. Some files may fail (the directory is a symlink or missing
 * at that moment), but nothing may ever be written outside: the sentinel directory stays empty.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

const FILES = 1000;

// Swap <repo>/dir with a symlink to <sentinel> until <stop> exists: rename the real directory
// away, put the symlink in its place, then put the directory back.
const SWAPPER = `
const fs = require('node:fs');
const [dir, sentinel, stop] = process.argv.slice(1);
let swaps = 0;
// Hold each state for a while (ms): the symlink most of the time, the real directory in between.
const spin = (ms) => { const end = performance.now() + ms; while (performance.now() < end); };
while (!fs.existsSync(stop)) {
  try {
    fs.renameSync(dir, dir + '.real');
  } catch {
    // checkout made a fresh dir/ while the real one was away: drop it, put the real one back.
    fs.rmSync(dir, { recursive: true, force: true });
    try { fs.renameSync(dir + '.real', dir); } catch { /* not there */ }
    continue;
  }
  try {
    fs.symlinkSync(sentinel, dir);
    spin(0.2);
    fs.unlinkSync(dir);
  } catch { /* dir/ reappeared as a directory */ }
  try { fs.renameSync(dir + '.real', dir); } catch { fs.rmSync(dir, { recursive: true, force: true }); try { fs.renameSync(dir + '.real', dir); } catch {} }
  spin(0.05);
  swaps++;
}
fs.writeFileSync(stop, String(swaps));
`;

describe('HR10: a directory swapped for a symlink during checkout', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('never writes through the symlink: the outside directory stays empty', async () => {
    const repo = await sb.initRepo('r', 'git-lfs');
    sb.write('r/.gitattributes', '*.dat filter=lfs diff=lfs merge=lfs -text\n');
    mkdirSync(join(repo, 'dir'));
    for (let i = 0; i < FILES; i++) writeFileSync(join(repo, 'dir', `f${i}.dat`), `content ${i}\n`);
    expect((await sb.git(['add', '.'], { cwd: repo })).exitCode).toBe(0);
    expect((await sb.git(['commit', '-qm', 'files'], { cwd: repo })).exitCode).toBe(0);
    rmSync(join(repo, 'dir'), { recursive: true });
    mkdirSync(join(repo, 'dir'));
    const sentinel = join(sb.root, 'sentinel');
    mkdirSync(sentinel);
    const stop = join(sb.root, 'stop');
    const swapper = spawn(process.execPath, ['-e', SWAPPER, join(repo, 'dir'), sentinel, stop], { stdio: 'ignore' });
    const swapperDone = new Promise<void>((resolve) => swapper.on('exit', () => resolve()));
    try {
      const r = await sb.tslfs(['checkout'], { cwd: repo });
      // Per-file failures are fine; a crash or a hang is not.
      expect([0, 2]).toContain(r.exitCode);
    } finally {
      writeFileSync(stop, '');
      await swapperDone;
    }
    expect(readdirSync(sentinel)).toEqual([]);
    // The swapper really raced the checkout.
    expect(Number(readFileSync(stop, 'utf8'))).toBeGreaterThan(0);
  });
});

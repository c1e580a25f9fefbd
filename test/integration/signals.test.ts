/**
 * F17: an interrupted tslfs leaves no temp file and no object behind, and exits with git's
 * 128 + signal convention.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, TSLFS_BIN, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('signals', () => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${sig} during a clean removes the temp file and stores nothing`, async () => {
      const repo = await sb.initRepo('r', 'tslfs');
      const tmp = join(repo, '.git', 'lfs', 'tmp');
      const child = spawn(process.execPath, [TSLFS_BIN, 'clean', '--', 'big.bin'], { cwd: repo, env: sb.env, stdio: ['pipe', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      child.stdin.on('error', () => {});
      child.stdin.write(Buffer.alloc(4 << 20, 1));
      await waitFor(() => existsSync(tmp) && readdirSync(tmp).length > 0, 'the temp file');
      child.kill(sig);
      expect(await exited).toBe(code);
      expect(readdirSync(tmp)).toEqual([]);
      expect(existsSync(join(repo, '.git', 'lfs', 'objects'))).toBe(false);
    });
  }
});

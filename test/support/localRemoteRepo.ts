/**
 * The usual start of an end-to-end test without a server: `tslfs install` (global filters and
 * hooks), a bare `remote.git` in the sandbox, and a repository `work` that tracks `*.bin` with
 * `origin` pointing at that bare repository. Returns the work tree.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Sandbox } from './sandbox.js';

export async function localRemoteRepo(sb: Sandbox): Promise<string> {
  expect((await sb.tslfs(['install'])).exitCode).toBe(0);
  await sb.git(['init', '-q', '--bare', 'remote.git']);
  const work = await sb.initRepo('work', 'none');
  expect((await sb.tslfs(['track', '*.bin'], { cwd: work })).exitCode).toBe(0);
  await sb.git(['remote', 'add', 'origin', join(sb.root, 'remote.git')], { cwd: work });
  return work;
}

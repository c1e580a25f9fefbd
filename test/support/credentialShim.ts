/**
 * installCredentialShim(dir): a directory to put first on PATH in which `git credential ...`
 * behaves like git >= 2.46 with one helper (see gitCredentialShim.mjs) and every other git
 * command runs the real git.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, shq } from './sandbox.js';

export function installCredentialShim(dir: string): string {
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const shim = join(REPO_ROOT, 'test', 'support', 'gitCredentialShim.mjs');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, 'git');
  writeFileSync(p, `#!/bin/sh\nif [ "$1" = credential ]; then exec ${shq(process.execPath)} ${shq(shim)} "$@"; fi\nexec ${shq(realGit)} "$@"\n`);
  chmodSync(p, 0o755);
  return dir;
}

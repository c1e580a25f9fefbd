/**
 * Mount a case-insensitive, case-preserving file system (test/support/casefold_fs.py, FUSE) for
 * the case-collision tests (reliability HR11). Needs /dev/fuse, Debian's python3-fusepy and
 * fuse3 (.ci/run installs them). A mount that cannot be made fails the test with the reason: it
 * is never skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './sandbox.js';

const SCRIPT = join(REPO_ROOT, 'test', 'support', 'casefold_fs.py');
// Debian's interpreter, where python3-fusepy lives (PATH may lead to another python3).
const PYTHON = '/usr/bin/python3';

export interface CaseFoldMount {
  /** The mount point: every name below it is looked up ignoring case. */
  path: string;
  /** Unmount and wait for the file system process to end. */
  unmount(): Promise<void>;
}

function mounted(path: string): boolean {
  // Field 5 of mountinfo is the mount point (spaces escaped as \040; our paths have none).
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);
}

/** Mount a case-folding view of `backing` (created if missing) at `mountpoint` (created too). */
export async function mountCaseFold(backing: string, mountpoint: string): Promise<CaseFoldMount> {
  mkdirSync(backing, { recursive: true });
  mkdirSync(mountpoint, { recursive: true });
  const child = spawn(PYTHON, [SCRIPT, backing, mountpoint], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      stderr += e.message;
      resolve(-1);
    });
    child.on('exit', (code) => resolve(code));
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 15_000;
  while (!mounted(mountpoint)) {
    if (gone || Date.now() > deadline) {
      child.kill();
      throw new Error(
        `could not mount the case-insensitive test file system (needs /dev/fuse, python3-fusepy and fuse3): ${stderr.trim() || 'timed out'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    path: mountpoint,
    async unmount() {
      const r = spawnSync('fusermount3', ['-u', mountpoint], { encoding: 'utf8' });
      if (r.status !== 0) spawnSync('umount', ['-l', mountpoint]);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

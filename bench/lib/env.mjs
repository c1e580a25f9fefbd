// Sandboxes, tools and LFS helpers shared by the scenarios.
//
// Every scenario runs with a private HOME and GIT_CONFIG_NOSYSTEM=1: Debian's git-lfs package
// puts filter.lfs.* into /etc/gitconfig, which would otherwise run git-lfs for the tslfs repos.
// Filters are configured per repository (local config), as test/support/sandbox.ts does:
// git-lfs by `git-lfs install --local`, tslfs by the same four keys pointing at
// '<node>' '<tslfs>/bin/tslfs.js'.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync, existsSync, symlinkSync, chmodSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, shq } from './proc.mjs';

export const GIT_LFS_BIN = '/usr/bin/git-lfs';
export const ATTRIBUTES = '*.bin filter=lfs diff=lfs merge=lfs -text\n';

/**
 * Copy the built CLI (bin/, dist/, package.json) into the work dir so that a rebuild of
 * /work/main/dist during the run (someone running vitest) cannot break or change tslfs halfway.
 * dist/ is a self-contained esbuild bundle, so nothing else is needed.
 */
export function snapshotTslfs(repoRoot, workDir) {
  const dist = join(repoRoot, 'dist', 'cli', 'main.mjs');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` (npm run bench builds first)`);
  const dest = join(workDir, 'tslfs-snapshot');
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(repoRoot, part), join(dest, part), { recursive: true });
  return dest;
}

/** The two LFS clients. argv runs it directly; sh is the prefix git runs through the shell. */
export function makeTools(tslfsRoot) {
  const bin = join(tslfsRoot, 'bin', 'tslfs.js');
  return {
    tslfs: { name: 'tslfs', argv: [process.execPath, bin], sh: `${shq(process.execPath)} ${shq(bin)}`, bin },
    'git-lfs': { name: 'git-lfs', argv: [GIT_LFS_BIN], sh: 'git-lfs', bin: GIT_LFS_BIN },
  };
}

/** filter.lfs.* as `install --local` writes them, for a tool from makeTools(). */
export function filterConfig(tool) {
  return [
    ['filter.lfs.clean', `${tool.sh} clean -- %f`],
    ['filter.lfs.smudge', `${tool.sh} smudge -- %f`],
    ['filter.lfs.process', `${tool.sh} filter-process`],
    ['filter.lfs.required', 'true'],
  ];
}

/**
 * A private HOME under dir and the environment every command of a scenario runs with. PATH
 * gets a bin dir with a `tslfs` link (as `npm install -g` would make) and node's own dir, so a
 * hook written by `tslfs install` that calls plain `tslfs` works as it would for a user.
 */
export function makeSandbox(dir, tools) {
  const home = join(dir, 'home');
  const binDir = join(dir, 'path-bin');
  mkdirSync(home, { recursive: true });
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(home, '.gitconfig'),
    '[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n[gc]\n\tauto = 0\n');
  chmodSync(tools.tslfs.bin, 0o755);
  symlinkSync(tools.tslfs.bin, join(binDir, 'tslfs'));
  const env = {
    PATH: [binDir, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    TZ: 'UTC',
    TMPDIR: process.env['TMPDIR'] ?? '/tmp',
  };
  const git = (cwd, args, opts = {}) => run('git', args, { cwd, env, ...opts });
  return { dir, home, env, git };
}

/**
 * Set up a repo's LFS filters for one tool, the same way for both. git-lfs:
 * `git-lfs install --local` (filters and hooks). tslfs: `tslfs install --local` if it works,
 * else a post-checkout hook written the way install would write it (hooks: false skips the
 * hook); then the four filter keys with the explicit node + bin path. Returns a note saying which.
 */
export function installTool(sb, repo, tool, { hooks = true } = {}) {
  if (tool.name === 'git-lfs') {
    run(GIT_LFS_BIN, ['install', '--local'], { cwd: repo, env: sb.env });
    return 'git-lfs install --local';
  }
  let note = 'filter.lfs.* set by git config';
  if (hooks) {
    const r = run(tool.argv[0], [...tool.argv.slice(1), 'install', '--local'], { cwd: repo, env: sb.env, allowFail: true, timeoutMs: 60_000 });
    const hook = join(repo, '.git', 'hooks', 'post-checkout');
    if (r.code === 0 && existsSync(hook) && readFileSync(hook, 'utf8').includes('post-checkout')) {
      note = 'tslfs install --local (hooks), then filter.lfs.* set by git config';
    } else {
      writeFileSync(hook, `#!/bin/sh\n${tool.sh} post-checkout "$@"\n`);
      chmodSync(hook, 0o755);
      note = `post-checkout hook written by the bench (tslfs install --local: ${r.code === 0 ? 'wrote no post-checkout hook' : 'failed, exit ' + r.code})`;
    }
  }
  for (const [k, v] of filterConfig(tool)) sb.git(repo, ['config', '--local', k, v]);
  return note;
}

export function sha256Hex(data) {
  return createHash('sha256').update(data).digest('hex');
}

/** The canonical pointer text for an object. */
export function pointerText(oid, size) {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

/** Path of an object in a repo's local store (.git/lfs/objects/ab/cd/abcd...). */
export function objectPath(repo, oid) {
  return join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

export function fileSize(p) {
  try { return statSync(p).size; } catch { return -1; }
}

/**
 * Compare two large files cheaply: sizes plus a few 64 KiB windows (start, middle, end and two
 * more). Enough to catch a pointer written instead of content, truncation or a wrong object.
 * Returns null when they match, else a reason.
 */
export function sampleCompare(a, b) {
  const sa = fileSize(a), sb = fileSize(b);
  if (sa !== sb) return `size ${sb} instead of ${sa}`;
  const win = 65536;
  const offsets = [0, Math.floor(sa / 3), Math.floor(sa / 2), Math.floor((2 * sa) / 3), Math.max(0, sa - win)];
  const fa = openSync(a, 'r'), fb = openSync(b, 'r');
  try {
    const ba = Buffer.alloc(win), bb = Buffer.alloc(win);
    for (const off of offsets) {
      const na = readSync(fa, ba, 0, win, off), nb = readSync(fb, bb, 0, win, off);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return `content differs near offset ${off}`;
    }
  } finally {
    closeSync(fa); closeSync(fb);
  }
  return null;
}

/**
 * A random file of `size` bytes, made once per run and shared by S3 and S6, with its oid from
 * `openssl dgst -sha256` (which also pulls it into the page cache).
 */
const bigFiles = new Map();
export function bigFile(workDir, size) {
  const key = String(size);
  if (bigFiles.has(key)) return bigFiles.get(key);
  const dir = join(workDir, 'data');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `big-${size}.bin`);
  run('head', ['-c', String(size), '/dev/urandom'], { stdoutFile: path });
  if (fileSize(path) !== size) throw new Error(`could not make ${path}`);
  const out = run('openssl', ['dgst', '-sha256', '-r', path]).stdout;
  const oid = out.trim().split(/\s+/)[0];
  if (!/^[0-9a-f]{64}$/.test(oid)) throw new Error(`openssl dgst gave ${out}`);
  const res = { path, size, oid, pointer: pointerText(oid, size) };
  bigFiles.set(key, res);
  return res;
}

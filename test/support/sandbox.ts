/**
 * Test sandboxes: a temp dir with a private HOME and GIT_CONFIG_NOSYSTEM=1 (Debian's git-lfs
 * writes its filters into the system config, which would otherwise run instead of tslfs), plus
 * helpers to run git, tslfs and git-lfs in it. Every sandbox is removed by cleanup().
 */
import { execa } from 'execa';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TSLFS_BIN = join(REPO_ROOT, 'bin', 'tslfs.js');

/** Single-quote a word for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The shell command prefix git should run for tslfs. */
export const TSLFS_CMD = `${shq(process.execPath)} ${shq(TSLFS_BIN)}`;

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  stdoutBuffer: Buffer;
}

export interface RunOptions {
  cwd?: string;
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
}

export type FilterChoice = 'tslfs' | 'git-lfs' | 'none';

export interface Sandbox {
  root: string;
  home: string;
  env: Record<string, string>;
  run(file: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  git(args: string[], opts?: RunOptions): Promise<RunResult>;
  tslfs(args: string[], opts?: RunOptions): Promise<RunResult>;
  gitLfs(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** git init a repo at root/name (default "repo") with the chosen filter in its local config. */
  initRepo(name?: string, filter?: FilterChoice): Promise<string>;
  /** Write a file (creating parent dirs) relative to root. */
  write(rel: string, data: string | Buffer): string;
  cleanup(): void;
}

/** Configure a repo's local config so git runs tslfs (or git-lfs) as the LFS filter. */
export function filterConfig(filter: FilterChoice): Array<[string, string]> {
  if (filter === 'none') return [];
  const cmd = filter === 'tslfs' ? TSLFS_CMD : 'git-lfs';
  return [
    ['filter.lfs.clean', `${cmd} clean -- %f`],
    ['filter.lfs.smudge', `${cmd} smudge -- %f`],
    ['filter.lfs.process', `${cmd} filter-process`],
    ['filter.lfs.required', 'true'],
  ];
}

export function makeSandbox(): Sandbox {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'tslfs-test-')));
  const home = join(root, '.home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    TZ: 'UTC',
    TMPDIR: process.env['TMPDIR'] ?? '/tmp',
  };
  const run = async (file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> => {
    const r = await execa(file, args, {
      cwd: opts.cwd ?? root,
      env: { ...env, ...opts.env },
      extendEnv: false,
      input: opts.input ?? '',
      reject: false,
      encoding: 'buffer',
      stripFinalNewline: false,
    });
    const out = Buffer.from(r.stdout as Uint8Array);
    return { stdout: out.toString('utf8'), stdoutBuffer: out, stderr: Buffer.from(r.stderr as Uint8Array).toString('utf8'), exitCode: r.exitCode ?? 1 };
  };
  const sb: Sandbox = {
    root,
    home,
    env,
    run,
    git: (args, opts) => run('git', args, opts),
    tslfs: (args, opts) => run(process.execPath, [TSLFS_BIN, ...args], opts),
    gitLfs: (args, opts) => run('git-lfs', args, opts),
    async initRepo(name = 'repo', filter: FilterChoice = 'tslfs') {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      const r = await run('git', ['init', '-q', dir]);
      if (r.exitCode !== 0) throw new Error(r.stderr);
      for (const [k, v] of filterConfig(filter)) await run('git', ['config', k, v], { cwd: dir });
      return dir;
    },
    write(rel, data) {
      const p = join(root, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, data);
      return p;
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  return sb;
}

/** sha256 hex of bytes. */
export async function sha256(data: string | Buffer): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Crash logs in `<lfs>/logs` (`tslfs logs`), in git-lfs's layout: one file per crash named
 * `YYYYMMDDTHHMMSS.NNNNNNNNN.log` (UTC), holding the version, the command line, the error and
 * its stack, the time and a short environment summary.
 *
 * writeCrashLog() is the reusable writer (cli/main.ts can call it for unexpected errors). It
 * redacts credentials in URLs and leaves out environment variables whose names suggest secrets.
 * Log names given by users are confined to the logs directory.
 */
import { lstat, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';

export interface CrashReport {
  /** e.g. "tslfs/0.1.0 (...)". */
  version: string;
  /** Optional second header line, e.g. "git version 2.39.5". */
  gitVersion?: string;
  /** The command line as typed, without the program name. */
  argv: readonly string[];
  /** The message users saw. */
  message: string;
  error: unknown;
  /** key=value lines describing the repository (LocalWorkingDir=..., ...). */
  details?: readonly string[];
  env?: Env;
  now?: Date;
}

/** Strip `user:pass@` from URLs. Pure. */
export function redactCredentials(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

const SECRET_NAME = /TOKEN|PASS|SECRET|AUTH|CRED|KEY|COOKIE/i;

function stamp(d: Date, nanos: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${nanos}`;
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    let s = e.stack ?? `${e.name}: ${e.message}`;
    if (e.cause !== undefined) s += `\nCaused by: ${errorText(e.cause)}`;
    return s;
  }
  return String(e);
}

/** The text of a crash log. Pure. */
export function formatCrashLog(r: CrashReport): string {
  const now = r.now ?? new Date();
  const lines: string[] = [r.version];
  if (r.gitVersion) lines.push(r.gitVersion);
  lines.push('', `$ tslfs ${r.argv.join(' ')}`, r.message, '', errorText(r.error), '');
  lines.push('Current time in UTC:', now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ''), '');
  lines.push('Environment:');
  for (const d of r.details ?? []) lines.push(d);
  const env = r.env ?? {};
  for (const k of Object.keys(env).sort()) {
    if (!k.startsWith('GIT_') || SECRET_NAME.test(k)) continue;
    lines.push(`${k}=${env[k] ?? ''}`);
  }
  return redactCredentials(lines.join('\n')) + '\n';
}

/** Write a crash log into `logsDir` and return its path. */
export async function writeCrashLog(logsDir: string, report: CrashReport): Promise<string> {
  await mkdir(logsDir, { recursive: true });
  const now = report.now ?? new Date();
  const text = formatCrashLog({ ...report, now });
  const base = String(now.getUTCMilliseconds() * 1_000_000 + Number(process.hrtime.bigint() % 1_000_000n)).padStart(9, '0');
  for (let i = 0; ; i++) {
    const name = `${stamp(now, i === 0 ? base : String((Number(base) + i) % 1e9).padStart(9, '0'))}.log`;
    const path = join(logsDir, name);
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        await fh.writeFile(text);
      } finally {
        await fh.close();
      }
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw e;
    }
  }
}

/** Log file names, oldest first (the names sort by time). */
export async function listLogs(logsDir: string): Promise<string[]> {
  const names = await readdir(logsDir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.log')).sort();
}

/** The text of one log. `name` must be a plain file name inside logsDir. */
export async function readLog(logsDir: string, name: string): Promise<string> {
  if (!name || name !== basename(name) || name === '.' || name === '..' || name.includes('\\')) {
    throw new TslfsError(`Invalid log name: ${JSON.stringify(name)}`);
  }
  const path = join(logsDir, name);
  const st = await lstat(path).catch(() => null);
  if (!st || !st.isFile()) throw new TslfsError(`Error reading log: ${name}: no such log`);
  return readFile(path, 'utf8');
}

/** Remove the logs directory. */
export async function clearLogs(logsDir: string): Promise<void> {
  await rm(logsDir, { recursive: true, force: true });
}

/**
 * For cli/main.ts: write a crash log for an unexpected error into the current repository's
 * `<lfs>/logs`. Returns the log path, or null outside a repository or when writing failed.
 * Never throws.
 */
export async function writeCrashLogForRepo(opts: { cwd: string; env: Env; version: string; argv: readonly string[]; message: string; error: unknown }): Promise<string | null> {
  try {
    const { tryOpenRepo } = await import('./repoContext.js');
    const ctx = await tryOpenRepo({ cwd: opts.cwd, env: opts.env });
    if (!ctx) return null;
    return await writeCrashLog(ctx.store.layout.logsDir, {
      version: opts.version,
      argv: opts.argv,
      message: opts.message,
      error: opts.error,
      env: opts.env,
      details: [
        `LocalWorkingDir=${ctx.repo.workTree ?? ''}`,
        `LocalGitDir=${ctx.repo.gitDir}`,
        `LocalGitStorageDir=${ctx.repo.commonDir}`,
        `LocalMediaDir=${ctx.store.layout.objectsDir}`,
        `TempDir=${ctx.store.layout.tmpDir}`,
        `LfsStorageDir=${ctx.store.layout.lfsDir}`,
      ],
    });
  } catch {
    return null;
  }
}

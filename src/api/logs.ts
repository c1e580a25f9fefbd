/**
 * Library entry point for `logs`: list, show or clear the crash logs in `<lfs>/logs`, or
 * (`boomtown`) write a sample crash log the way a real crash would, to test logging.
 */
import { TslfsError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { gitText } from '../git/exec.js';
import { clearLogs, listLogs, readLog, writeCrashLog } from '../ops/logs.js';
import { openRepo } from '../ops/repoContext.js';
import { versionString } from '../version.js';

export type LogsAction = { action: 'list' } | { action: 'show'; name: string } | { action: 'last' } | { action: 'clear' } | { action: 'boomtown' };

export type LogsResult =
  | { kind: 'list'; names: string[] }
  /** `text` is null when there is no log to show (`last` with none). */
  | { kind: 'show'; name: string | null; text: string | null }
  | { kind: 'cleared'; dir: string }
  /** boomtown: the sample error and where it was logged. */
  | { kind: 'crashed'; message: string; logPath: string };

export async function logs(opts: { cwd: string; env: Env } & LogsAction): Promise<LogsResult> {
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  const dir = ctx.store.layout.logsDir;
  switch (opts.action) {
    case 'list':
      return { kind: 'list', names: await listLogs(dir) };
    case 'last': {
      const names = await listLogs(dir);
      const name = names[names.length - 1];
      return name ? { kind: 'show', name, text: await readLog(dir, name) } : { kind: 'show', name: null, text: null };
    }
    case 'show':
      return { kind: 'show', name: opts.name, text: await readLog(dir, opts.name) };
    case 'clear':
      await clearLogs(dir);
      return { kind: 'cleared', dir };
    case 'boomtown': {
      const message = 'Sample panic message';
      const error = new TslfsError('Sample wrapped error message', { cause: new Error('Sample error message') });
      const gitVersion = await gitText(['version'], { cwd: ctx.cwd, env: ctx.env }).catch(() => undefined);
      const logPath = await writeCrashLog(dir, {
        version: versionString(),
        ...(gitVersion ? { gitVersion } : {}),
        argv: ['logs', 'boomtown'],
        message,
        error,
        env: ctx.env,
        details: [
          `LocalWorkingDir=${ctx.repo.workTree ?? ''}`,
          `LocalGitDir=${ctx.repo.gitDir}`,
          `LocalGitStorageDir=${ctx.repo.commonDir}`,
          `LocalMediaDir=${ctx.store.layout.objectsDir}`,
          `LocalReferenceDirs=${ctx.store.layout.referenceObjectDirs.join(',')}`,
          `TempDir=${ctx.store.layout.tmpDir}`,
          `LfsStorageDir=${ctx.store.layout.lfsDir}`,
        ],
      });
      return { kind: 'crashed', message, logPath };
    }
  }
}

/**
 * The pre-push hook's work, for now without transfers (the transfer work replaces this file):
 * parse git's ref lines, and refuse the push when the pushed commits reference LFS objects,
 * so that a remote never silently receives pointers without their content. With
 * GIT_LFS_SKIP_PUSH set it accepts everything. Throws PushNotImplementedError (exit 2) when
 * objects would need uploading, GitError when git fails.
 */
import { envTruthy } from '../config/Config.js';
import { TslfsError } from '../errors/TslfsError.js';
import { git, type Env } from '../git/exec.js';
import { scanHistory } from '../ops/scanPointers.js';

export interface PushRefLine {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

/** `<local ref> SP <local sha> SP <remote ref> SP <remote sha> LF` lines; malformed lines are skipped. */
export function parsePushLines(input: string): PushRefLine[] {
  const out: PushRefLine[] = [];
  for (const line of input.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 4) continue;
    out.push({ localRef: f[0]!, localSha: f[1]!, remoteRef: f[2]!, remoteSha: f[3]! });
  }
  return out;
}

export class PushNotImplementedError extends TslfsError {
  constructor(count: number) {
    super(
      `tslfs cannot upload Git LFS objects yet: the pushed commits reference ${count} LFS object(s). ` +
        'The push was stopped so that the remote does not receive pointers without their content.',
      {
        code: 'ENOPUSH',
        hint: 'Push with git-lfs, or set GIT_LFS_SKIP_PUSH=1 if the remote already has these objects.',
      },
    );
  }
}

export interface PrePushOptions {
  cwd: string;
  env: Env;
  remote: string;
  /** What git wrote on the hook's stdin. */
  input: string;
}

const ZERO = /^0+$/;

/** Returns the LFS oids the push would need (always empty on success, for now). */
export async function prePush(opts: PrePushOptions): Promise<string[]> {
  if (envTruthy(opts.env['GIT_LFS_SKIP_PUSH'])) return [];
  const oids = new Set<string>();
  for (const l of parsePushLines(opts.input)) {
    if (ZERO.test(l.localSha)) continue; // a deletion pushes nothing
    const revArgs = [l.localSha, '--not', `--remotes=${opts.remote}`];
    if (!ZERO.test(l.remoteSha)) {
      const known = await git(['rev-parse', '--verify', '--quiet', `${l.remoteSha}^{commit}`], { cwd: opts.cwd, env: opts.env, allowFailure: true });
      if (known.status === 0) revArgs.push(l.remoteSha);
    }
    for (const p of await scanHistory(revArgs, { cwd: opts.cwd, env: opts.env })) oids.add(p.pointer.oid);
  }
  if (oids.size > 0) throw new PushNotImplementedError(oids.size);
  return [];
}

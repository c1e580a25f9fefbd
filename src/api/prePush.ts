/**
 * The pre-push hook's work: read git's ref lines, work out which commits the remote does not
 * have yet (the pushed commits, minus the remote's tracking refs and the remote's current tips
 * when we know them), and upload the LFS objects they reference, through the same path as
 * `push`. Before uploading, locks are verified (ops/verifyPushLocks.ts). GIT_LFS_SKIP_PUSH
 * accepts everything without uploading. Returns null when nothing needed pushing.
 */
import { envTruthy } from '../config/Config.js';
import { git, type Env } from '../git/exec.js';
import type { TransferListener } from '../events/TransferEvents.js';
import type { PushResult } from './push.js';
import { pushObjects } from '../ops/pushObjects.js';
import { openRepo } from '../ops/repoContext.js';
import { verifyPushLocks, type LockNotice, type PushUpdate } from '../ops/verifyPushLocks.js';

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
    if (f.length !== 4 || !/^[0-9a-f]{40,64}$/.test(f[1]!) || !/^[0-9a-f]{40,64}$/.test(f[3]!)) continue;
    out.push({ localRef: f[0]!, localSha: f[1]!, remoteRef: f[2]!, remoteSha: f[3]! });
  }
  return out;
}

export interface PrePushOptions {
  cwd: string;
  env: Env;
  /** The remote name git passed (or the URL when pushing to a URL). */
  remote: string;
  /** What git wrote on the hook's stdin. */
  input: string;
  dryRun?: boolean;
  onProgress?: TransferListener;
  signal?: AbortSignal;
  /** Lock verification's messages (ops/verifyPushLocks.ts); default: dropped. */
  onLockNotice?: LockNotice;
}

const ZERO = /^0+$/;

export async function prePush(opts: PrePushOptions): Promise<PushResult | null> {
  if (envTruthy(opts.env['GIT_LFS_SKIP_PUSH'])) return null;
  const include: string[] = [];
  const exclude: string[] = [];
  const updates: PushUpdate[] = [];
  for (const l of parsePushLines(opts.input)) {
    if (ZERO.test(l.localSha)) continue; // a deletion pushes nothing
    include.push(l.localSha);
    let old: string[] = [];
    if (!ZERO.test(l.remoteSha)) {
      // The remote's old tip is excluded only if we have it (otherwise rev-list would fail).
      const known = await git(['rev-parse', '--verify', '--quiet', `${l.remoteSha}^{commit}`], { cwd: opts.cwd, env: opts.env, allowFailure: true });
      if (known.status === 0) {
        exclude.push(l.remoteSha);
        old = [l.remoteSha];
      }
    }
    updates.push({ remoteRef: l.remoteRef, revArgs: [l.localSha, '--not', `--remotes=${opts.remote}`, ...old] });
  }
  if (include.length === 0) return null;
  // Locks are verified before anything is uploaded; a halt throws (LockedFilesError). One
  // context for both, so that they share credentials (one lookup per host).
  const ctx = await openRepo({ cwd: opts.cwd, env: opts.env });
  // ... and the same SSH connection (held open between the two).
  const letGo = ctx.sshPools.hold();
  try {
    await verifyPushLocks(ctx, { remote: opts.remote, updates, notice: opts.onLockNotice ?? (() => {}) });
    const revArgs = [...include, '--not', `--remotes=${opts.remote}`, ...exclude];
    return await pushObjects(ctx, {
      remote: opts.remote,
      revArgs,
      dryRun: Boolean(opts.dryRun),
      ...(opts.onProgress ? { onEvent: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    await letGo();
  }
}

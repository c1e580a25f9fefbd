/**
 * Lock verification before a push (reference 4.6; git-lfs docs/api/locking.md "List Locks for
 * Verification"), run by the pre-push hook before anything is uploaded.
 *
 * lfs.<url>.locksverify (URL-matched; plain lfs.locksverify as fallback):
 *   false  nothing is asked.
 *   unset  ask. Not supported (404, 410, 501): `lfs.<url>.locksverify false` is written to the
 *          local config (git-lfs 3.3.0 does this for 404 too), silently. Auth error (401/403):
 *          "warning: Authentication error: ..." on stderr. Other errors: the "does not support
 *          the Git LFS locking API" hint on stdout; the push goes on. Success: the "Locking
 *          support detected" hint.
 *   true   as unset, but any failure other than "not supported" stops the push.
 * Files changed by the push (LFS pointers in the commits the remote lacks, per pushed ref) that
 * are locked by someone else are listed ("Unable to push locked files:"); with locksverify=true
 * the push stops ("Cannot update locked files."), otherwise it is a warning. Our own locks on
 * pushed files are listed as a hint to unlock them. Only when the server reports locks is
 * history scanned. Output goes through `notice` (the CLI prints); the stop is a thrown error.
 */
import { TransferError, TslfsError } from '../errors/TslfsError.js';
import { git } from '../git/exec.js';
import { redactUrl } from '../http/redact.js';
import { urlConfigValue } from '../http/urlMatch.js';
import { parseGitBool } from '../config/Config.js';
import type { Lock, LockTransport, VerifyPage } from '../lock/types.js';
import { endpointFor, sessionFor } from './lockSession.js';
import type { RepoContext } from './repoContext.js';
import { scanHistory } from './scanPointers.js';

export type NoticeStream = 'stdout' | 'stderr';
export type LockNotice = (stream: NoticeStream, text: string) => void;

export interface PushUpdate {
  /** The ref being updated on the remote (refs/heads/main). */
  remoteRef: string;
  /** rev-list arguments selecting the commits this update sends. */
  revArgs: string[];
}

export interface VerifyPushLocksOptions {
  /** The remote name (or URL) git pushes to. */
  remote: string;
  updates: readonly PushUpdate[];
  notice: LockNotice;
  /** For tests: the lock session's transport. */
  transport?: LockTransport;
}

export class LockedFilesError extends TslfsError {
  constructor(message = 'Cannot update locked files.') {
    super(message, { code: 'ELOCKED' });
  }
}

const NOT_SUPPORTED = new Set([404, 410, 501]);

function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

export async function verifyPushLocks(ctx: RepoContext, o: VerifyPushLocksOptions): Promise<void> {
  if (o.updates.length === 0) return;
  const endpoint = await endpointFor(ctx, o.remote, 'upload');
  if (!endpoint.url || (!endpoint.ssh && !/^https?:\/\//i.test(endpoint.url)) || endpoint.standaloneAgent) return;
  const raw = urlConfigValue(ctx.config, 'lfs', 'locksverify', endpoint.url);
  const state = raw === undefined ? undefined : parseGitBool(raw);
  if (state === false) return;
  const enabled = state === true;
  const shownUrl = redactUrl(endpoint.url);
  const s = sessionFor(ctx, o.remote, endpoint, null, o.transport ? { transport: o.transport } : {});

  const perRef = new Map<string, VerifyPage>();
  try {
    for (const ref of new Set(o.updates.map((u) => u.remoteRef))) {
      try {
        perRef.set(ref, await s.client.verify(undefined, ref));
      } catch (e) {
        if (!(e instanceof TslfsError)) throw e;
        const status = e instanceof TransferError ? e.status : undefined;
        if (status !== undefined && NOT_SUPPORTED.has(status)) {
          await git(['config', '--local', `lfs.${endpoint.url}.locksverify`, 'false'], { cwd: ctx.repo.workTree ?? ctx.repo.gitDir, env: ctx.env, allowFailure: true });
          return;
        }
        if (status === 401 || status === 403) {
          const msg = status === 403 && !/^Authentication required/.test(e.message) ? `Authentication required: ${e.message}` : e.message;
          if (enabled) throw new TslfsError(`error: Authentication error: ${msg}`, { code: 'EAUTH' });
          o.notice('stderr', `warning: Authentication error: ${msg}`);
          return;
        }
        o.notice('stdout', `Remote ${JSON.stringify(o.remote)} does not support the Git LFS locking API. Consider disabling it with:`);
        o.notice('stdout', `  $ git config lfs.${shownUrl}.locksverify false`);
        if (enabled) throw e;
        return;
      }
    }
  } finally {
    await s.client.close();
  }
  if (!enabled) {
    o.notice('stdout', `Locking support detected on remote ${JSON.stringify(o.remote)}. Consider enabling it with:`);
    o.notice('stdout', `  $ git config lfs.${shownUrl}.locksverify true`);
  }

  // Which locked paths does the push change? Only scanned when some lock exists.
  const theirs = new Map<string, { lock: Lock; refs: string[] }>();
  const ours = new Map<string, Lock>();
  for (const u of o.updates) {
    const v = perRef.get(u.remoteRef);
    if (!v || (v.ours.length === 0 && v.theirs.length === 0)) continue;
    const theirByPath = new Map(v.theirs.map((l) => [l.path, l]));
    const ourByPath = new Map(v.ours.map((l) => [l.path, l]));
    for (const p of await scanHistory(u.revArgs, { cwd: ctx.cwd, env: ctx.env })) {
      const t = theirByPath.get(p.path);
      if (t) {
        const e = theirs.get(p.path) ?? { lock: t, refs: [] };
        const name = shortRef(u.remoteRef);
        if (!e.refs.includes(name)) e.refs.push(name);
        theirs.set(p.path, e);
      }
      const m = ourByPath.get(p.path);
      if (m) ours.set(p.path, m);
    }
  }
  if (theirs.size > 0) {
    o.notice('stdout', 'Unable to push locked files:');
    for (const [path, e] of theirs) o.notice('stdout', `* ${path} - ${e.lock.owner?.name ?? ''} (refs: ${e.refs.join(', ')})`);
    if (enabled) throw new LockedFilesError();
    o.notice('stderr', 'warning: The above files would have halted this push.');
  } else if (ours.size > 0) {
    o.notice('stdout', 'Consider unlocking your own locked files: (`git lfs unlock <path>`)');
    for (const path of ours.keys()) o.notice('stdout', `* ${path}`);
  }
}

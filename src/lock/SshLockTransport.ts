/**
 * The locking commands of the pure SSH protocol (git-lfs docs/proposals/ssh_adapter.md, "Locks"),
 * over git-lfs-transfer connections lent by `lend(operation)`. As git-lfs does, create, unlock
 * and verify use an `upload` session and list uses a `download` session.
 *
 *   lock         args path=, refname=          -> status 201 (or 409) + id= path= ownername= locked-at=
 *   list-lock    args cursor= id= limit= path= refspec=  -> status 200, next-cursor=, delim, lock lines
 *   list-lock    (verify) args refspec=, cursor=, limit= -> the same, with `owner <id> ours|theirs`
 *   unlock <id>  args force=true (when forced), refname=  -> status 200 + the lock's arguments
 *
 * Non-2xx replies throw TransferError with the status and the server's first message line (409 on
 * lock: LockConflictError). Values go into pkt-line text, so a path, ref or id containing a line
 * break or NUL is refused before anything is sent. A protocol error breaks the connection (the
 * pool replaces it) and is thrown.
 */
import { TransferError } from '../errors/TslfsError.js';
import { printable } from '../ssh/sshAuthenticate.js';
import type { StatusReply } from '../ssh/SshPktConnection.js';
import type { ConnectionLender } from '../transfer/sshAdapter.js';
import { LockConflictError } from './lockErrors.js';
import { parseSshListLock, parseSshLockArgs } from './lockReply.js';
import type { Lock, LockListQuery, LockPage, LockTransport, VerifyPage } from './types.js';

export type SshLockOperation = 'upload' | 'download';

function arg(key: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00\n\r]/.test(value)) throw new TransferError(`cannot send a ${key} with a line break or NUL over SSH: ${JSON.stringify(printable(value.slice(0, 80)))}`, { code: 'ESSHARG' });
  return `${key}=${value}`;
}

function messageOf(r: StatusReply): string {
  const m = r.lines[0] ?? r.args.find((a) => !a.includes('=')) ?? '';
  return printable(m.slice(0, 1000));
}

function failure(what: string, r: StatusReply): TransferError {
  const m = messageOf(r);
  return new TransferError(m || `${what}: status ${r.status} from the server`, { status: r.status, code: 'ELOCKAPI' });
}

export class SshLockTransport implements LockTransport {
  constructor(
    private readonly lend: (op: SshLockOperation) => Promise<ConnectionLender>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  private async request(op: SshLockOperation, command: string, args: string[]): Promise<StatusReply> {
    const pool = await this.lend(op);
    return pool.use(async (c) => {
      await c.sendCommand(command, args);
      return c.readStatus();
    });
  }

  async create(path: string, refName: string | null): Promise<Lock> {
    const args = [arg('path', path)];
    if (refName) args.push(arg('refname', refName));
    const r = await this.request('upload', 'lock', args);
    if (r.status === 409) {
      let existing: Lock | null = null;
      try {
        existing = parseSshLockArgs(r.args);
      } catch {
        existing = null;
      }
      throw new LockConflictError(messageOf(r) || 'lock already created', existing);
    }
    if (r.status < 200 || r.status > 299) throw failure('lock', r);
    const lock = parseSshLockArgs(r.args);
    if (!lock) throw new TransferError('lock response: incomplete fields for lock', { code: 'ELOCKREPLY' });
    return lock;
  }

  async list(q: LockListQuery): Promise<LockPage> {
    const args: string[] = [];
    if (q.cursor) args.push(arg('cursor', q.cursor));
    if (q.id) args.push(arg('id', q.id));
    if (q.limit && q.limit > 0) args.push(arg('limit', String(q.limit)));
    if (q.path) args.push(arg('path', q.path));
    if (q.refspec) args.push(arg('refspec', q.refspec));
    const r = await this.request('download', 'list-lock', args);
    if (r.status < 200 || r.status > 299) throw failure('list-lock', r);
    const p = parseSshListLock(r.args, r.lines);
    return { locks: p.all, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
  }

  async verify(refName: string | null, cursor: string | undefined, limit: number | undefined): Promise<VerifyPage> {
    const args: string[] = [];
    if (cursor) args.push(arg('cursor', cursor));
    if (limit && limit > 0) args.push(arg('limit', String(limit)));
    if (refName) args.push(arg('refspec', refName));
    const r = await this.request('upload', 'list-lock', args);
    if (r.status < 200 || r.status > 299) throw failure('list-lock', r);
    const p = parseSshListLock(r.args, r.lines);
    return { ours: p.ours, theirs: p.theirs, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
  }

  async unlock(id: string, force: boolean, refName: string | null): Promise<Lock | null> {
    if (!id || /[\s\x00]/.test(id)) throw new TransferError(`invalid lock id ${JSON.stringify(printable(id.slice(0, 80)))}`, { code: 'EBADLOCKID' });
    const args: string[] = [];
    if (force) args.push('force=true');
    if (refName) args.push(arg('refname', refName));
    const r = await this.request('upload', `unlock ${id}`, args);
    if (r.status < 200 || r.status > 299) throw failure('unlock', r);
    return parseSshLockArgs(r.args);
  }

  async close(): Promise<void> {
    await this.onClose().catch(() => {});
  }
}

/**
 * Parsing lock server replies, pure and table-tested (test/unit/lockReply.test.ts).
 *
 * HTTP: JSON bodies `{lock}`, `{locks, next_cursor}`, `{ours, theirs, next_cursor}`.
 * SSH (docs/proposals/ssh_adapter.md): `lock`/`unlock` replies carry `id=`, `path=`,
 * `ownername=`, `locked-at=` arguments; `list-lock` replies carry a `next-cursor=` argument and
 * lines `lock <id>`, `path <id> <path>`, `locked-at <id> <ts>`, `ownername <id> <name>`,
 * `owner <id> ours|theirs`, each lock's lines after its `lock` line.
 *
  * Everything a server sends is untrusted (HS21): ids are 1..MAX_ID_CHARS characters without
 * control characters (lockIdSegment makes them one URL segment); paths are at most MAX_PATH_BYTES and
 * kept as text only. A reply that breaks these rules throws LockReplyError.
 */
import { TslfsError } from '../errors/TslfsError.js';
import type { Lock, LockPage, VerifyPage } from './types.js';

export const MAX_ID_CHARS = 1024;
export const MAX_PATH_BYTES = 4096;
export const MAX_OWNER_CHARS = 1024;
export const MAX_CURSOR_CHARS = 4096;

export class LockReplyError extends TslfsError {
  constructor(message: string) {
    super(`lock response: ${message}`, { code: 'ELOCKREPLY' });
  }
}

const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

/**
 * A timestamp as Go's encoding/json prints a parsed RFC 3339 time (what git-lfs --json shows):
 * fraction without trailing zeros (at most 9 digits), a zero offset as `Z`. Text that is not
 * RFC 3339 is returned unchanged.
 */
export function normaliseLockTime(s: string): string {
  const m = RFC3339.exec(s);
  if (!m) return s;
  let frac = (m[3] ?? '').slice(0, 10).replace(/0+$/, '');
  if (frac === '.') frac = '';
  const off = m[4]!.toUpperCase();
  const zone = off === 'Z' || off === '+00:00' || off === '-00:00' ? 'Z' : off;
  return `${m[1]}T${m[2]}${frac}${zone}`;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) throw new LockReplyError('a lock without an id');
  if (id.length > MAX_ID_CHARS) throw new LockReplyError(`a lock id longer than ${MAX_ID_CHARS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(id)) throw new LockReplyError('a lock id with control characters');
  return id;
}

function checkPath(p: unknown): string {
  if (typeof p !== 'string') throw new LockReplyError('a lock without a path');
  if (Buffer.byteLength(p, 'utf8') > MAX_PATH_BYTES) throw new LockReplyError(`a lock path longer than ${MAX_PATH_BYTES} bytes`);
  return p;
}

function checkCursor(c: unknown): string | undefined {
  if (c === undefined || c === null || c === '') return undefined;
  if (typeof c !== 'string') throw new LockReplyError('next_cursor is not a string');
  if (c.length > MAX_CURSOR_CHARS) throw new LockReplyError(`a cursor longer than ${MAX_CURSOR_CHARS} characters`);
  return c;
}

/** One lock object of a JSON reply, validated and normalised. */
export function lockFromJson(v: unknown): Lock {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new LockReplyError('a lock is not an object');
  const o = v as Record<string, unknown>;
  const lock: Lock = { id: checkId(o['id']), path: checkPath(o['path']), locked_at: '' };
  const owner = o['owner'];
  if (owner && typeof owner === 'object' && typeof (owner as { name?: unknown }).name === 'string') {
    lock.owner = { name: ((owner as { name: string }).name).slice(0, MAX_OWNER_CHARS) };
  }
  const at = o['locked_at'];
  lock.locked_at = typeof at === 'string' ? normaliseLockTime(at) : '0001-01-01T00:00:00Z';
  return lock;
}

function lockArray(v: unknown, what: string): Lock[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new LockReplyError(`${what} is not an array`);
  return v.map(lockFromJson);
}

function object(v: unknown): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new LockReplyError('the reply is not a JSON object');
  return v as Record<string, unknown>;
}

/** `{lock: {...}}` (create, unlock); null when the reply has no lock. */
export function parseLockBody(v: unknown): Lock | null {
  const o = object(v);
  return o['lock'] === undefined || o['lock'] === null ? null : lockFromJson(o['lock']);
}

/** `{locks: [...], next_cursor}` */
export function parseListBody(v: unknown): LockPage {
  const o = object(v);
  const page: LockPage = { locks: lockArray(o['locks'], 'locks') };
  const next = checkCursor(o['next_cursor']);
  if (next !== undefined) page.nextCursor = next;
  return page;
}

/** `{ours: [...], theirs: [...], next_cursor}` */
export function parseVerifyBody(v: unknown): VerifyPage {
  const o = object(v);
  const page: VerifyPage = { ours: lockArray(o['ours'], 'ours'), theirs: lockArray(o['theirs'], 'theirs') };
  const next = checkCursor(o['next_cursor']);
  if (next !== undefined) page.nextCursor = next;
  return page;
}

/** The lock described by the arguments of an SSH `lock`/`unlock` reply; null when there is none. */
export function parseSshLockArgs(args: readonly string[]): Lock | null {
  const f = new Map<string, string>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) f.set(a.slice(0, eq), a.slice(eq + 1));
  }
  if (!f.has('id')) return null;
  for (const k of ['path', 'ownername', 'locked-at']) if (!f.has(k)) throw new LockReplyError('incomplete fields for lock');
  return { id: checkId(f.get('id')), path: checkPath(f.get('path')), owner: { name: f.get('ownername')!.slice(0, MAX_OWNER_CHARS) }, locked_at: normaliseLockTime(f.get('locked-at')!) };
}

export interface SshListReply {
  all: Lock[];
  ours: Lock[];
  theirs: Lock[];
  nextCursor?: string;
}

/** The arguments and lines of a successful SSH `list-lock` reply. */
export function parseSshListLock(args: readonly string[], lines: readonly string[]): SshListReply {
  let nextCursor: string | undefined;
  for (const a of args) {
    if (!a.startsWith('next-cursor=')) continue;
    if (nextCursor !== undefined) throw new LockReplyError('multiple next-cursor arguments');
    nextCursor = checkCursor(a.slice('next-cursor='.length)) ?? '';
  }
  type Entry = { lock: Lock; who: string; seen: Set<string> };
  const entries: Entry[] = [];
  const ids = new Set<string>();
  let last: Entry | null = null;
  const complete = (e: Entry | null): void => {
    if (e && !(e.seen.has('path') && e.seen.has('ownername') && e.seen.has('locked-at'))) throw new LockReplyError(`incomplete lock data for ${JSON.stringify(e.lock.id.slice(0, 80))}`);
  };
  for (const line of lines) {
    const sp1 = line.indexOf(' ');
    const cmd = sp1 < 0 ? line : line.slice(0, sp1);
    if (cmd === 'lock') {
      const id = checkId(line.slice(sp1 + 1));
      if (sp1 < 0 || id.includes(' ')) throw new LockReplyError(`invalid line ${JSON.stringify(line.slice(0, 80))}`);
      complete(last);
      if (ids.has(id)) throw new LockReplyError(`lock ${JSON.stringify(id.slice(0, 80))} listed twice`);
      ids.add(id);
      last = { lock: { id, path: '', locked_at: '' }, who: '', seen: new Set() };
      entries.push(last);
      continue;
    }
    const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp2 < 0) throw new LockReplyError(`invalid line ${JSON.stringify(line.slice(0, 80))}`);
    const id = line.slice(sp1 + 1, sp2);
    const value = line.slice(sp2 + 1);
    if (!last || last.lock.id !== id) throw new LockReplyError(`interspersed line ${JSON.stringify(line.slice(0, 80))}`);
    switch (cmd) {
      case 'path':
        last.lock.path = checkPath(value);
        break;
      case 'ownername':
        last.lock.owner = { name: value.slice(0, MAX_OWNER_CHARS) };
        break;
      case 'locked-at':
        last.lock.locked_at = normaliseLockTime(value);
        break;
      case 'owner':
        last.who = value;
        break;
      default:
        continue; // unknown lines are ignored, as unknown arguments are
    }
    last.seen.add(cmd);
  }
  complete(last);
  const out: SshListReply = { all: [], ours: [], theirs: [] };
  for (const e of entries) {
    out.all.push(e.lock);
    if (e.who === 'ours') out.ours.push(e.lock);
    else if (e.who === 'theirs') out.theirs.push(e.lock);
  }
  if (nextCursor) out.nextCursor = nextCursor;
  return out;
}

/**
 * A lock id as one URL path segment (`<E>/locks/<id>/unlock`): percent-encoded, so `/`, `?`,
 * `%2F` and the like stay inside the segment. `.` and `..` cannot be encoded safely (URL parsers
 * treat `%2e%2e` as `..` too) and are refused, as are ids from no server (empty, control chars).
 */
export function lockIdSegment(id: string): string {
  checkId(id);
  if (id === '.' || id === '..') throw new TslfsError(`invalid lock id ${JSON.stringify(id)}`, { code: 'EBADLOCKID' });
  return encodeURIComponent(id);
}

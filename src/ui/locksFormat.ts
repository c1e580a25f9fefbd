/**
 * How the lock commands print locks, byte for byte as git-lfs 3.3.0:
 *   table   `<path padded to the longest>\t<owner padded to the longest>\tID:<id>`, sorted by
 *           path, with `O ` / `  ` in front of each line when our own locks are known (--verify);
 *   --json  (in the server's order) Go encoding/json of `[{id, path, owner: {name}, locked_at}]` (owner omitted when
 *           absent), `{"ours": [...], "theirs": [...]}` for `locks --verify`, and
 *           `[{path|id, unlocked, reason?}]` for unlock.
 * Paths, owners and ids come from the server: the table escapes control characters (tab and
 * newline too, so a lock cannot forge columns or lines); JSON escapes as Go does. Pure.
 */
import type { Lock } from '../lock/types.js';
import { escapeForTerminal } from './escape.js';
import { compareUtf8, goJsonString } from './goJson.js';

/** Terminal-safe text for one table cell. */
function cell(s: string): string {
  return escapeForTerminal(s).replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/** Display width as git-lfs pads: one column per code point. */
function width(s: string): number {
  return [...s].length;
}

export function locksTable(locks: readonly Lock[], ours?: ReadonlySet<string>): string {
  const rows = [...locks].sort((a, b) => compareUtf8(a.path, b.path)).map((l) => ({ path: cell(l.path), owner: cell(l.owner?.name ?? ''), id: cell(l.id), mine: ours?.has(l.id) ?? false }));
  const pw = Math.max(0, ...rows.map((r) => width(r.path)));
  const ow = Math.max(0, ...rows.map((r) => width(r.owner)));
  let out = '';
  for (const r of rows) {
    const prefix = ours ? (r.mine ? 'O ' : '  ') : '';
    out += `${prefix}${r.path}${' '.repeat(pw - width(r.path))}\t${r.owner}${' '.repeat(ow - width(r.owner))}\tID:${r.id}\n`;
  }
  return out;
}

export function lockJson(l: Lock): string {
  const owner = l.owner ? `,"owner":{"name":${goJsonString(l.owner.name)}}` : '';
  return `{"id":${goJsonString(l.id)},"path":${goJsonString(l.path)}${owner},"locked_at":${goJsonString(l.locked_at)}}`;
}

/** A JSON array of locks and a newline (json.Encoder's output). */
export function locksJson(locks: readonly Lock[]): string {
  return `[${locks.map(lockJson).join(',')}]\n`;
}

export function verifyJson(ours: readonly Lock[], theirs: readonly Lock[]): string {
  return `{"ours":[${ours.map(lockJson).join(',')}],"theirs":[${theirs.map(lockJson).join(',')}]}\n`;
}

export interface UnlockJsonItem {
  path?: string;
  id?: string;
  unlocked: boolean;
  reason?: string;
}

export function unlockJson(items: readonly UnlockJsonItem[]): string {
  const one = (i: UnlockJsonItem): string => {
    const key = i.id !== undefined ? `"id":${goJsonString(i.id)}` : `"path":${goJsonString(i.path ?? '')}`;
    return `{${key},"unlocked":${i.unlocked}${i.reason !== undefined ? `,"reason":${goJsonString(i.reason)}` : ''}}`;
  };
  return `[${items.map(one).join(',')}]\n`;
}

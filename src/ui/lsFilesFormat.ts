/**
 * Text formats of `ls-files`, byte-compatible with git-lfs: `<oid10|oid64> <*|-> <path>`,
 * `--size` suffixes, `--name-only`, the `--debug` block and `--json`. Pure.
 *
 * Paths: git-lfs prints what git printed to it. Paths from the index (`diff-index`) come
 * C-quoted (core.quotePath rules), so we quote them the same way; paths from trees and history
 * come raw, so we print them raw but with control characters (TAB and LF included) escaped, so
 * that no name can forge a line or move the cursor. JSON carries raw strings.
 *
 * A name that is not UTF-8 arrives with its bad bytes escaped (model/pathBytes.ts): writeOut
 * prints them as the bytes they are, as git-lfs does, except bytes 0x80-0x9F (C1 controls to
 * an 8-bit terminal), which escapeForTerminal shows as \xNN like the control characters. In
 * JSON each bad byte becomes \ufffd, as Go's encoder writes it (goJsonString).
 */
import type { LsFilesEntry } from '../ops/lsFiles.js';
import { escapeForTerminal, quotePath } from './escape.js';
import { goJsonString } from './goJson.js';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Go's %.0f: round half to even on the exact binary value. */
function goRound0(v: number): string {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return String(f + 1);
  if (diff < 0.5) return String(f);
  return String(f % 2 === 0 ? f : f + 1);
}

/** git-lfs's humanize.FormatBytes: decimal units, one decimal below 10 ("1.2 KB", "10 KB", "6 B"). */
export function formatHumanSize(size: number): string {
  const e = size === 0 ? 0 : Math.min(UNITS.length - 1, Math.floor(Math.log(size) / Math.log(1000)));
  const unit = Math.pow(1000, e);
  const rounded = size < 10 ? size : Math.floor((size / unit) * 10 + 0.5) / 10;
  const num = rounded < 10 && unit > 1 ? rounded.toFixed(1) : goRound0(rounded);
  return `${num} ${UNITS[e]}`;
}

/** Control characters (including TAB and LF), C1 and bidi overrides as visible escapes. */
export function escapeRawName(s: string): string {
  return escapeForTerminal(s).replace(/[\t\n]/g, (c) => (c === '\t' ? '\\x09' : '\\x0a'));
}

export interface NameStyle {
  /** core.quotePath (default true). */
  quotePath: boolean;
}

export function displayName(e: Pick<LsFilesEntry, 'name' | 'source'>, style: NameStyle): string {
  if (e.source !== 'index') return escapeRawName(e.name);
  const q = quotePath(e.name, { quoteNonAscii: style.quotePath });
  return style.quotePath ? q : escapeForTerminal(q);
}

export interface LineOptions extends NameStyle {
  long?: boolean;
  nameOnly?: boolean;
  size?: boolean;
}

export function formatLsFilesLine(e: LsFilesEntry, o: LineOptions): string {
  const before = o.nameOnly ? '' : `${e.pointer.oid.slice(0, o.long ? 64 : 10)} ${e.checkout ? '*' : '-'} `;
  const after = o.size ? ` (${formatHumanSize(e.pointer.size)})\n` : '\n';
  return before + displayName(e, o) + after;
}

export function formatLsFilesDebug(e: LsFilesEntry, style: NameStyle): string {
  return (
    `filepath: ${displayName(e, style)}\n` +
    `    size: ${e.pointer.size}\n` +
    `checkout: ${e.checkout}\n` +
    `download: ${e.downloaded}\n` +
    `     oid: sha256 ${e.pointer.oid}\n` +
    ` version: https://git-lfs.github.com/spec/v1\n\n`
  );
}

/**
 * The JSON string of an entry's name, as git-lfs has it: tree and history names raw (bytes that
 * are not UTF-8 as \ufffd), index names as git's diff-index printed them (quoted per
 * core.quotePath, so `é.bin` is `"\"\\303\\251.bin\""`).
 */
function jsonName(e: LsFilesEntry, style: NameStyle): string {
  return goJsonString(e.source === 'index' ? quotePath(e.name, { quoteNonAscii: style.quotePath }) : e.name);
}

/** `{"files":[...]}` indented one space per level as git-lfs's encoder does; `null` when empty. */
export function formatLsFilesJson(entries: LsFilesEntry[], style: NameStyle): string {
  if (entries.length === 0) return '{\n "files": null\n}\n';
  const items = entries.map(
    (e) =>
      '  {\n' +
      `   "name": ${jsonName(e, style)},\n` +
      `   "size": ${e.pointer.size},\n` +
      `   "checkout": ${e.checkout},\n` +
      `   "downloaded": ${e.downloaded},\n` +
      `   "oid_type": "sha256",\n` +
      `   "oid": ${goJsonString(e.pointer.oid)},\n` +
      `   "version": "https://git-lfs.github.com/spec/v1"\n` +
      '  }',
  );
  return '{\n "files": [\n' + items.join(',\n') + '\n ]\n}\n';
}

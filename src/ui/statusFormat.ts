/**
 * Text formats of `status`, byte-compatible with git-lfs: the plain report (sections "Objects
 * to be pushed to <upstream>:", "Objects to be committed:", "Objects not staged for commit:"),
 * `--porcelain` two-column lines and `--json`. Pure.
 *
 * git-lfs prints paths as `git diff-index` printed them (C-quoted per core.quotePath), so we
 * quote the same way; paths from `rev-list` and ref names are printed raw with control
 * characters escaped. JSON keys are quoted the same way (git-lfs's keys are git's quoted names).
 */
import type { SideInfo, StatusEntry, StatusReport } from '../ops/status.js';
import { escapeForTerminal, quotePath } from './escape.js';
import { compareUtf8, goJsonString } from './goJson.js';
import { escapeRawName } from './lsFilesFormat.js';

export interface PathStyle {
  /** core.quotePath (default true). */
  quotePath: boolean;
  /** The current directory relative to the work tree root ("" or "a/b/"), for plain output. */
  prefix: string;
}

/** A path relative to the current directory, as git-lfs's relativize() computes it. */
export function relativize(prefix: string, path: string): string {
  const from = prefix.split('/').filter((s) => s.length > 0);
  const to = path.split('/');
  let d = 0;
  while (d < from.length && d < to.length && from[d] === to[d]) d++;
  return '../'.repeat(from.length - d) + to.slice(d).join('/');
}

function q(p: string, style: Pick<PathStyle, 'quotePath'>): string {
  const s = quotePath(p, { quoteNonAscii: style.quotePath });
  return style.quotePath ? s : escapeForTerminal(s);
}

function side(s: SideInfo | undefined): string {
  if (!s) return '?: <missing>';
  const sha = s.sha === 'deleted' || s.sha === '<missing>' ? s.sha : s.sha.slice(0, 7);
  return `${s.kind}: ${sha}`;
}

export function formatBlobInfo(e: StatusEntry): string {
  const from = side(e.from);
  return e.status === 'A' ? from : `${from} -> ${side(e.to)}`;
}

export function formatStatusPlain(r: StatusReport, style: PathStyle): string {
  let out = '';
  if (r.branch !== null) out += `On branch ${escapeRawName(r.branch)}\n`;
  if (r.upstream !== null) {
    out += `Objects to be pushed to ${escapeRawName(r.upstream)}:\n\n`;
    for (const p of r.toPush) out += `\t${escapeRawName(p.name)} (${p.oid})\n`;
  }
  const rel = (p: string) => q(relativize(style.prefix, p), style);
  out += '\nObjects to be committed:\n\n';
  for (const e of r.staged) {
    if (e.status === 'R' || e.status === 'C') out += `\t${rel(e.srcName)} -> ${rel(e.dstName)} (${formatBlobInfo(e)})\n`;
    else out += `\t${rel(e.srcName)} (${formatBlobInfo(e)})\n`;
  }
  out += '\nObjects not staged for commit:\n\n';
  for (const e of r.unstaged) out += `\t${rel(e.srcName)} (${formatBlobInfo(e)})\n`;
  return out + '\n';
}

export function formatStatusPorcelain(r: StatusReport, style: Pick<PathStyle, 'quotePath'>): string {
  const seen = new Set<string>();
  let out = '';
  for (const e of [...r.unstaged, ...r.staged]) {
    const name = e.dstName || e.srcName;
    if (seen.has(name)) continue;
    seen.add(name);
    if (e.status === 'R' || e.status === 'C') out += `${e.status}  ${q(e.srcName, style)} -> ${q(e.dstName, style)}\n`;
    else if (e.status === 'M') out += ` M ${q(e.srcName, style)}\n`;
    else out += `${e.status}  ${q(e.srcName, style)}\n`;
  }
  return out;
}

/**
 * `{"files":{"<path>":{"status":"M"[,"from":"<old path>"]}}}` for LFS files, keys sorted.
 * Paths are git-quoted per core.quotePath, as git-lfs has them (it reads git's quoted output),
 * so a name with a space stays plain but `é.bin` is `"\"\\303\\251.bin\""`.
 */
export function formatStatusJson(r: StatusReport, style: Pick<PathStyle, 'quotePath'>): string {
  const files = new Map<string, { status: string; from?: string }>();
  const name = (p: string) => quotePath(p, { quoteNonAscii: style.quotePath });
  for (const e of [...r.unstaged, ...r.staged]) {
    if (e.from?.kind !== 'LFS') continue;
    if (e.status === 'R' || e.status === 'C') files.set(name(e.dstName), { status: e.status, from: name(e.srcName) });
    else files.set(name(e.srcName), { status: e.status });
  }
  const keys = [...files.keys()].sort(compareUtf8);
  const body = keys
    .map((k) => {
      const v = files.get(k)!;
      const from = v.from ? `,"from":${goJsonString(v.from)}` : '';
      return `${goJsonString(k)}:{"status":${goJsonString(v.status)}${from}}`;
    })
    .join(',');
  return `{"files":{${body}}}\n`;
}

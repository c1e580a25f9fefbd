/**
 * `git diff-index -M -z [--cached] <tree-ish>`: what differs between a tree and the index
 * (cached) or the work tree. Runs with the repository's own filters enabled, as git-lfs does:
 * for new files git hashes the work tree content through the clean filter, and racily-clean
 * entries are compared through it. Output is buffered (bounded by the number of changed paths).
 */
import { git, splitNulPaths, type Env } from './exec.js';

export interface DiffIndexEntry {
  srcMode: string;
  dstMode: string;
  /** All zeros when the side does not exist or (dst, not cached) the work tree differs. */
  srcSha: string;
  dstSha: string;
  /** One letter: A C D M R T U X. */
  status: string;
  /** Similarity score for R and C, else undefined. */
  score?: number;
  srcName: string;
  /** Only for R and C; otherwise empty. */
  dstName: string;
}

export function isZeroOid(s: string): boolean {
  return /^0+$/.test(s);
}

/** Parse `diff-index -z` raw output. Pure. */
export function parseDiffIndexZ(out: Buffer): DiffIndexEntry[] {
  // Names that are not UTF-8 come back escaped (model/pathBytes.ts), so they still name their files.
  const parts = splitNulPaths(out);
  const res: DiffIndexEntry[] = [];
  let i = 0;
  while (i < parts.length) {
    const head = parts[i++]!;
    if (!head.startsWith(':')) continue;
    const [srcMode, dstMode, srcSha, dstSha, st] = head.slice(1).split(' ') as [string, string, string, string, string];
    const status = st.charAt(0);
    const score = st.length > 1 ? Number(st.slice(1)) : undefined;
    const srcName = parts[i++] ?? '';
    const dstName = status === 'R' || status === 'C' ? parts[i++] ?? '' : '';
    res.push({ srcMode, dstMode, srcSha, dstSha, status, score, srcName, dstName });
  }
  return res;
}

/** Throws GitError when git fails (bad tree-ish, no work tree for the uncached form). */
export async function diffIndex(treeish: string, opts: { cwd: string; env: Env; cached: boolean }): Promise<DiffIndexEntry[]> {
  const args = ['diff-index', '-M', '-z'];
  if (opts.cached) args.push('--cached');
  args.push(treeish, '--');
  const r = await git(args, { cwd: opts.cwd, env: opts.env });
  return parseDiffIndexZ(r.stdout);
}

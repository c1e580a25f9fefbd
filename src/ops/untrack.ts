/**
 * `untrack`: remove the `filter=lfs` lines of the current directory's .gitattributes whose
 * pattern is one of the arguments (compared as git-lfs does: a leading `./` ignored on both
 * sides, the argument escaped like `track` writes it). Other lines are kept as they are; the
 * file's own line ending is kept (git-lfs rewrites everything with LF).
 *
 * A `.gitattributes` that is a symlink is refused before anything is written (HR15); a missing
 * file is not an error and nothing is written. Returns the patterns removed, in file order.
 */
import { join } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import { escapeTrackPattern, linePatternField, splitLines, trimCurrentPrefix, unescapeTrackPattern } from '../model/gitattributes.js';
import type { RepoContext } from './repoContext.js';
import { assertAttributesFile, readNoFollow, writeNoFollow } from './track.js';

export interface UntrackOptions {
  patterns: readonly string[];
  /** Report only; write nothing. */
  dryRun?: boolean;
  onUntrack?: (pattern: string) => void;
}

export interface UntrackResult {
  /** The unescaped patterns removed, in file order. */
  untracked: string[];
  /** The .gitattributes written (absolute), or null. */
  written: string | null;
}

export async function untrackPatterns(ctx: RepoContext, opts: UntrackOptions): Promise<UntrackResult> {
  if (!ctx.repo.workTree) throw new TslfsError('This operation must be run in a work tree.', { exitCode: 128 });
  const attrPath = join(ctx.cwd, '.gitattributes');
  if (!(await assertAttributesFile(attrPath))) return { untracked: [], written: null };
  const text = await readNoFollow(attrPath);
  const { lines, eol } = splitLines(text);
  const wanted = new Set(opts.patterns.map((p) => escapeTrackPattern(trimCurrentPrefix(p))));
  const untracked: string[] = [];
  let body = '';
  const lineEnd = eol || '\n';
  for (const line of lines) {
    if (line.includes('filter=lfs')) {
      const first = linePatternField(line);
      if (wanted.has(trimCurrentPrefix(first))) {
        const shown = unescapeTrackPattern(first);
        untracked.push(shown);
        opts.onUntrack?.(shown);
        continue;
      }
    }
    body += line + lineEnd;
  }
  if (untracked.length === 0 || opts.dryRun) return { untracked, written: null };
  await assertAttributesFile(attrPath);
  await writeNoFollow(attrPath, body);
  return { untracked, written: attrPath };
}

import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { escapeForTerminal } from '../../ui/escape.js';
import type { FsckProblem } from '../../ops/fsck.js';

/** One line per problem, in git-lfs's format. */
export function formatProblem(p: FsckProblem): string {
  const e = escapeForTerminal;
  switch (p.kind) {
    case 'corruptObject':
      return `objects: corruptObject: ${e(p.name)} (${p.oid}) is corrupt`;
    case 'openError':
      return `objects: openError: ${e(p.name)} (${p.oid}) could not be checked: ${e(p.reason)}`;
    case 'nonCanonicalPointer':
      return `pointer: nonCanonicalPointer: Pointer for ${p.oid} (blob ${p.blob}) was not canonical`;
    case 'unexpectedGitObject':
      return `pointer: unexpectedGitObject: "${e(p.name)}" (treeish ${p.treeish}) should have been a pointer but was not`;
  }
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Check Git LFS files for consistency')
    .argument('[refspec]', 'a committish or A..B (default: HEAD and the index)')
    .option('--objects', 'check that each object matches its expected hash and exists on disk')
    .option('--pointers', 'check that each pointer is canonical and each LFS file is a pointer')
    .option('-d, --dry-run', 'perform checks, but do not move corrupt objects to .git/lfs/bad')
    .action(async (refspec: string | undefined, o: { objects?: boolean; pointers?: boolean; dryRun?: boolean }) => {
      const { fsck } = await import('../../api/fsck.js');
      const res = await fsck({ cwd: ctx.cwd, env: ctx.env, ...(refspec ? { refspec } : {}), objects: o.objects, pointers: o.pointers, dryRun: o.dryRun });
      const lines: string[] = [];
      const isObject = (p: FsckProblem) => p.kind === 'corruptObject' || p.kind === 'openError';
      const objectLines = res.problems.filter(isObject);
      for (const p of objectLines) lines.push(formatProblem(p));
      if (res.moved.length > 0) lines.push(`objects: repair: moving corrupt objects to ${escapeForTerminal(res.badDir)}`);
      for (const p of res.problems) if (!isObject(p)) lines.push(formatProblem(p));
      if (res.problems.length === 0) lines.push('Git LFS fsck OK');
      await writeOut(ctx.stdout, lines.join('\n') + '\n');
      if (res.problems.length > 0) ctx.exitCode = 1;
    });
}

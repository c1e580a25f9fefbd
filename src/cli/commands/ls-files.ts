import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

interface Flags {
  long?: boolean;
  size?: boolean;
  nameOnly?: boolean;
  debug?: boolean;
  all?: boolean;
  deleted?: boolean;
  include?: string;
  exclude?: string;
  json?: boolean;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Show information about Git LFS files in the index and working tree')
    .argument('[refs...]', 'a ref to list, or two refs to list the files added between them')
    .option('-l, --long', 'Show the entire 64 character OID, instead of just first 10')
    .option('-s, --size', 'Show the size of the LFS object between parenthesis at the end of a line')
    .option('-n, --name-only', 'Show only the lfs tracked file names')
    .option('-d, --debug', 'Show as much information as possible about a LFS file')
    .option('-a, --all', 'Inspect the full history of the repository')
    .option('--deleted', 'Show the full history of the given reference, including deleted files')
    .option('-I, --include <paths>', 'Include paths matching only these patterns')
    .option('-X, --exclude <paths>', 'Exclude paths matching any of these patterns')
    .option('--json', 'Give the output in a stable JSON format for scripts')
    .action(async (refs: string[], o: Flags) => {
      const { lsFiles } = await import('../../api/lsFiles.js');
      const fmt = await import('../../ui/lsFilesFormat.js');
      const { withRepoErrorsOnStdout } = await import('../repoErrors.js');
      await withRepoErrorsOnStdout(ctx, async () => {
        const r = await lsFiles({ cwd: ctx.cwd, env: ctx.env, refs, all: o.all, deleted: o.deleted, include: o.include, exclude: o.exclude });
        const style = { quotePath: r.quotePath };
        const chunks: string[] = [];
        for (const e of r.files) {
          if (o.debug) chunks.push(fmt.formatLsFilesDebug(e, style));
          else if (!o.json) chunks.push(fmt.formatLsFilesLine(e, { ...style, long: o.long, nameOnly: o.nameOnly, size: o.size }));
        }
        // git-lfs prints the JSON document after any --debug blocks (then with no files).
        if (o.json) chunks.push(fmt.formatLsFilesJson(o.debug ? [] : r.files, style));
        // Names that are not UTF-8 are escaped in these strings; writeOut prints their bytes.
        const out = chunks.join('');
        await writeOut(ctx.stdout, out);
      });
    });
}

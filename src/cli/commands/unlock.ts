/**
 * `tslfs unlock <path>... | --id <id>`: remove locks (git-lfs docs/man/git-lfs-unlock.adoc).
 * Prints `Unlocked <path>` / `Unlocked Lock <id>` (or, with --json, one
 * `{path|id, unlocked, reason?}` per item); failures go to stderr too, and make the exit code 2.
 */
import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

interface Flags {
  remote?: string;
  force?: boolean;
  id?: string;
  json?: boolean;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Remove "locked" setting for a file on the Git LFS server')
    .argument('[paths...]', 'files to unlock (relative to the current directory)')
    .option('-r, --remote <name>', 'specify the Git LFS server to use')
    .option('-f, --force', "remove the lock even if it is someone else's or the file is modified")
    .option('-i, --id <id>', 'the lock to remove, by id instead of path')
    .option('-j, --json', 'write the outcome as JSON to stdout')
    .action(async (paths: string[], o: Flags) => {
      const [{ unlock }, { unlockJson }, { escapeForTerminal }] = await Promise.all([import('../../api/unlock.js'), import('../../ui/locksFormat.js'), import('../../ui/escape.js')]);
      const warn = (m: string): void => void writeOut(ctx.stderr, `${escapeForTerminal(m)}\n`);
      const results = await unlock({
        cwd: ctx.cwd,
        env: ctx.env,
        paths,
        ...(o.id !== undefined ? { id: o.id } : {}),
        force: Boolean(o.force),
        ...(o.remote ? { remote: o.remote } : {}),
        onWarning: warn,
      });
      let failed = false;
      for (const r of results) {
        if (r.unlocked) {
          if (!o.json) await writeOut(ctx.stdout, r.id !== undefined ? `Unlocked Lock ${escapeForTerminal(r.id)}\n` : `Unlocked ${escapeForTerminal(r.path ?? '')}\n`);
        } else {
          failed = true;
          await writeOut(ctx.stderr, `${escapeForTerminal(r.message ?? 'unlock failed')}\n`);
        }
      }
      if (o.json) {
        await writeOut(
          ctx.stdout,
          unlockJson(results.map((r) => ({ ...(r.id !== undefined ? { id: r.id } : { path: r.path ?? '' }), unlocked: r.unlocked, ...(r.unlocked ? {} : { reason: r.message ?? '' }) }))),
        );
      }
      if (failed) ctx.exitCode = 2;
    });
}

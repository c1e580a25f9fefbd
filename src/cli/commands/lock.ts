/**
 * `tslfs lock <path>...`: lock files on the LFS server (git-lfs docs/man/git-lfs-lock.adoc).
 * Prints `Locked <path>` per lock (or, with --json, the locks as a JSON array); failures go to
 * stderr, and any failure makes the exit code 2 after the other paths were tried.
 */
import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';

interface Flags {
  remote?: string;
  json?: boolean;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Set a file as "locked" on the Git LFS server')
    .argument('[paths...]', 'files to lock (relative to the current directory)')
    .option('-r, --remote <name>', 'specify the Git LFS server to use')
    .option('-j, --json', 'write lock info as JSON to stdout')
    .action(async (paths: string[], o: Flags) => {
      const [{ lock }, { locksJson }, { escapeForTerminal }] = await Promise.all([import('../../api/lock.js'), import('../../ui/locksFormat.js'), import('../../ui/escape.js')]);
      const warn = (m: string): void => void writeOut(ctx.stderr, `${escapeForTerminal(m)}\n`);
      const results = await lock({ cwd: ctx.cwd, env: ctx.env, paths, ...(o.remote ? { remote: o.remote } : {}), onWarning: warn });
      let failed = false;
      for (const r of results) {
        if (r.lock) {
          if (!o.json) await writeOut(ctx.stdout, `Locked ${escapeForTerminal(r.path!)}\n`);
        } else {
          failed = true;
          await writeOut(ctx.stderr, `${escapeForTerminal(r.message ?? `Locking ${r.arg} failed`)}\n`);
        }
      }
      if (o.json) await writeOut(ctx.stdout, locksJson(results.flatMap((r) => (r.lock ? [r.lock] : []))));
      if (failed) ctx.exitCode = 2;
    });
}

/**
 * `tslfs locks`: list locks (git-lfs docs/man/git-lfs-locks.adoc): `<path>\t<owner>\tID:<id>`
 * lines (with `O ` marking our own under --verify), or --json.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors/TslfsError.js';
import { writeOut, type CliContext } from '../context.js';

interface Flags {
  remote?: string;
  path?: string;
  id?: string;
  limit?: string;
  local?: boolean;
  cached?: boolean;
  verify?: boolean;
  json?: boolean;
}

function parseLimit(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(s.trim())) throw new UsageError(`invalid argument ${JSON.stringify(s)} for "-l, --limit" flag: not an integer`);
  const n = Number(s.trim());
  if (n < 0) throw new UsageError(`invalid argument ${JSON.stringify(s)} for "-l, --limit" flag: must not be negative`);
  return n;
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Lists currently locked files from the Git LFS server')
    .option('-r, --remote <name>', 'specify the Git LFS server to use')
    .option('-p, --path <path>', 'a lock by its path')
    .option('-i, --id <id>', 'a lock by its id')
    .option('-l, --limit <num>', 'number of results to return')
    .option('--local', 'only our own locks, from the local cache (no server call)')
    .option('--cached', 'the locks of the last server answer (offline)')
    .option('--verify', "ask the server which locks are ours and mark them with 'O'")
    .option('-j, --json', 'write lock info as JSON to stdout')
    .action(async (o: Flags) => {
      const limit = parseLimit(o.limit);
      const [{ locks }, fmt, { escapeForTerminal }] = await Promise.all([import('../../api/locks.js'), import('../../ui/locksFormat.js'), import('../../ui/escape.js')]);
      const warn = (m: string): void => void writeOut(ctx.stderr, `${escapeForTerminal(m)}\n`);
      const r = await locks({
        cwd: ctx.cwd,
        env: ctx.env,
        ...(o.remote ? { remote: o.remote } : {}),
        ...(o.path !== undefined ? { path: o.path } : {}),
        ...(o.id !== undefined ? { id: o.id } : {}),
        ...(limit !== undefined ? { limit } : {}),
        local: Boolean(o.local),
        cached: Boolean(o.cached),
        verify: Boolean(o.verify),
        onWarning: warn,
      });
      if (o.json) {
        const ours = r.ours;
        await writeOut(ctx.stdout, ours ? fmt.verifyJson(r.locks.filter((l) => ours.has(l.id)), r.locks.filter((l) => !ours.has(l.id))) : fmt.locksJson(r.locks));
        return;
      }
      await writeOut(ctx.stdout, fmt.locksTable(r.locks, r.ours));
    });
}

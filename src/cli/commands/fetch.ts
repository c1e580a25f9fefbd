import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { UsageError } from '../../errors/TslfsError.js';
import { goJsonString } from '../../ui/goJson.js';
import { escapeForTerminal } from '../../ui/escape.js';
import { daysText } from '../../ops/recentRefs.js';
import { commandMeter, progressMode } from '../progress.js';

interface FetchFlags {
  include?: string;
  exclude?: string;
  all?: boolean;
  refetch?: boolean;
  dryRun?: boolean;
  json?: boolean;
  recent?: boolean;
  prune?: boolean;
  stdin?: boolean;
}

/** Read whitespace-separated words from a stream (refs or oids for --stdin). */
export async function readWords(stream: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks)
    .toString('utf8')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('Download all Git LFS files for a given ref')
    .argument('[remote]', 'remote name, URL or path (default: the tracked remote, else origin)')
    .argument('[refs...]', 'refs to fetch (default: the current checkout)')
    .option('-I, --include <paths>', 'comma-separated paths to fetch (overrides lfs.fetchinclude)')
    .option('-X, --exclude <paths>', 'comma-separated paths not to fetch (overrides lfs.fetchexclude)')
    .option('-a, --all', 'fetch every object reachable from the refs (default: all refs)')
    .option('--refetch', 'also fetch objects that are already present locally')
    .option('-d, --dry-run', 'print what would be fetched, without fetching')
    .option('-j, --json', 'give the output in a stable JSON format for scripts')
    .option('-r, --recent', 'also fetch recent branches and recent commits (lfs.fetchrecent*)')
    .option('-p, --prune', 'prune old objects after fetching (as `tslfs prune`)')
    .option('--stdin', 'read refs from standard input')
    .action(async (remote: string | undefined, refs: string[], o: FetchFlags) => {
      if (o.all && (o.include !== undefined || o.exclude !== undefined)) {
        throw new UsageError('Cannot combine --all with --include or --exclude');
      }
      if (o.stdin) {
        if (refs.length) throw new UsageError('tslfs fetch: --stdin cannot be combined with refs as arguments');
        refs = await readWords(ctx.stdin);
      }
      const { fetch } = await import('../../api/fetch.js');
      const mode = await progressMode(ctx);
      const meter = commandMeter(ctx, mode, 'Downloading');
      const quiet = Boolean(o.json);
      if (o.all && !refs.length && !quiet) await writeOut(ctx.stdout, 'fetch: Fetching all references...\n');
      const res = await fetch({
        cwd: ctx.cwd,
        env: ctx.env,
        remote: remote ?? null,
        refs,
        all: Boolean(o.all),
        ...(o.include !== undefined ? { include: [o.include] } : {}),
        ...(o.exclude !== undefined ? { exclude: [o.exclude] } : {}),
        refetch: Boolean(o.refetch),
        dryRun: Boolean(o.dryRun),
        onProgress: meter.listener,
        onRef: (ref) => {
          if (!quiet) ctx.stdout.write(`fetch: Fetching reference ${escapeForTerminal(ref)}\n`);
        },
        ...(o.recent ? { recent: true } : {}),
        onRecent: (e) => {
          if (quiet) return;
          if (e.kind === 'branches') ctx.stdout.write(`fetch: Fetching recent branches within ${daysText(e.days)}\n`);
          else ctx.stdout.write(`fetch: Fetching changes within ${daysText(e.days)} of ${escapeForTerminal(e.ref)}\n`);
        },
      });
      if (o.json) {
        const items = res.objects.map((x) => `{"name":${goJsonString(x.name)},"oid":${goJsonString(x.oid)},"size":${x.size}}`);
        await writeOut(ctx.stdout, `{"transfers":[${items.join(',')}]}\n`);
      } else if (o.dryRun) {
        for (const x of res.objects) await writeOut(ctx.stdout, `fetch ${x.oid} => ${escapeForTerminal(x.name)}\n`);
      }
      // git-lfs shows the meter (and its final line) only on a terminal or when forced.
      if (mode.live && !o.dryRun && res.objects.length > 0) meter.finish();
      else meter.clear();
      if (res.failed.length) {
        for (const f of res.failed) await writeOut(ctx.stderr, `error transferring ${JSON.stringify(f.oid)}: ${escapeForTerminal(f.error?.message ?? 'failed')}\n`);
        await writeOut(ctx.stderr, `error: failed to fetch some objects from '${escapeForTerminal(res.endpoint.url)}'\n`);
        ctx.exitCode = 2;
        return;
      }
      if (o.prune && !o.dryRun) {
        const { runPruneCommand } = await import('./prune.js');
        await runPruneCommand(ctx, {}, quiet);
      }
    });
}

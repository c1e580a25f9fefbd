import type { Command } from 'commander';
import { writeOut, type CliContext } from '../context.js';
import { UsageError } from '../../errors/TslfsError.js';

interface TrackFlags {
  lockable?: boolean;
  notLockable?: boolean;
  verbose?: boolean;
  dryRun?: boolean;
  noModifyAttrs?: boolean;
  excluded?: boolean;
  filename?: boolean;
  json?: boolean;
}

/**
 * `tslfs track [pattern...]`: git-lfs's output, line for line. Names are printed with Go's %q
 * quoting (as git-lfs does) where git-lfs quotes them, and with control characters escaped in
 * the listing, so a name cannot forge output lines; --json prints raw strings.
 */
export function define(cmd: Command, ctx: CliContext): void {
  cmd
    .description('View or add Git LFS paths to Git attributes')
    .argument('[pattern...]', 'patterns to track (relative to the current directory)')
    .option('-l, --lockable', "make pattern lockable, i.e. read-only unless locked")
    .option('--not-lockable', 'remove lockable attribute from pattern')
    .option('-v, --verbose', 'log which files are being tracked and modified')
    .option('-d, --dry-run', 'preview results of running `tslfs track`')
    .option('--no-modify-attrs', 'skip modifying .gitattributes file')
    .option('--no-excluded', 'skip listing excluded paths')
    .option('--filename', 'treat this pattern as a literal filename')
    .option('-j, --json', 'print output in JSON')
    .action(async (patterns: string[], o: TrackFlags) => {
      // commander turns --no-modify-attrs into modifyAttrs=false.
      const flags = o as TrackFlags & { modifyAttrs?: boolean };
      const noModifyAttrs = flags.modifyAttrs === false;
      const self = { nodePath: ctx.nodePath, binPath: ctx.binPath };
      const { escapeForTerminal: esc } = await import('../../ui/escape.js');
      // One output line per item: newlines and tabs in names are escaped too.
      const escapeForTerminal = (v: string) => esc(v).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
      if (patterns.length === 0) {
        const { listTrackedPatterns } = await import('../../api/listTrackedPatterns.js');
        const known = await listTrackedPatterns({ cwd: ctx.cwd, env: ctx.env, self });
        if (o.json) {
          const { goJsonString } = await import('../../ui/goJson.js');
          let out = '{\n "patterns": [';
          out += known
            .map(
              (p) =>
                `\n  {\n   "pattern": ${goJsonString(p.pattern)},\n   "source": ${goJsonString(p.source)},\n` +
                `   "lockable": ${p.lockable},\n   "tracked": ${p.tracked}\n  }`,
            )
            .join(',');
          out += known.length ? '\n ]\n}\n' : ']\n}\n';
          await writeOut(ctx.stdout, out);
          return;
        }
        if (known.length === 0) return;
        const e = escapeForTerminal;
        let out = 'Listing tracked patterns\n';
        for (const p of known) {
          if (p.lockable) out += `    ${e(p.pattern)} [lockable] (${e(p.source)})\n`;
          else if (p.tracked) out += `    ${e(p.pattern)} (${e(p.source)})\n`;
        }
        if (o.excluded !== false) {
          out += 'Listing excluded patterns\n';
          for (const p of known) if (!p.tracked && !p.lockable) out += `    ${e(p.pattern)} (${e(p.source)})\n`;
        }
        await writeOut(ctx.stdout, out);
        return;
      }
      if (o.json) throw new UsageError("--json option can't be combined with arguments");
      const { track } = await import('../../api/track.js');
      const { goQuote } = await import('../../model/goQuote.js');
      const lines: Promise<void>[] = [];
      const r = await track({
        cwd: ctx.cwd,
        env: ctx.env,
        patterns,
        lockable: o.lockable,
        notLockable: o.notLockable,
        verbose: o.verbose,
        dryRun: o.dryRun,
        noModifyAttrs,
        filename: o.filename,
        self,
        onMessage: (m) => {
          let text: string;
          let stream = ctx.stdout;
          switch (m.type) {
            case 'tracking':
              text = `Tracking ${goQuote(m.pattern)}`;
              break;
            case 'already-supported':
              text = `${goQuote(m.pattern)} already supported`;
              break;
            case 'searching':
              text = `Searching for files matching pattern: ${escapeForTerminal(m.pattern)}`;
              break;
            case 'found':
              text = `Found ${m.count} files previously added to Git matching pattern: ${escapeForTerminal(m.pattern)}`;
              break;
            case 'forbidden':
              text =
                `Pattern '${escapeForTerminal(m.pattern)}' matches forbidden file '${escapeForTerminal(m.file)}'. ` +
                `If you would like to track ${escapeForTerminal(m.file)}, modify '.gitattributes' manually.`;
              break;
            case 'touching':
              text = `Touching ${goQuote(m.path)}`;
              break;
            case 'error':
              text = escapeForTerminal(m.message);
              stream = ctx.stderr;
              break;
          }
          lines.push(writeOut(stream, text + '\n'));
        },
      });
      await Promise.all(lines);
      ctx.exitCode = r.exitCode;
    });
}

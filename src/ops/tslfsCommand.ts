/**
 * The shell command prefix that git runs for tslfs (`<cmd>` in `<cmd> clean -- %f`, in the hook
 * scripts, ...), and how to recognise one that tslfs wrote earlier.
 *
 * The rule (git runs filter and hook commands through `sh`):
 *  - If `tslfs` found on PATH resolves (symlinks followed) to this same bin/tslfs.js, and a
 *    `node` is on PATH too (the bin's `#!/usr/bin/env node` needs one), write the bare word
 *    `tslfs`. This is the usual global install (`npm i -g tslfs`); the configuration survives
 *    node upgrades and package reinstalls, like git-lfs's bare `git-lfs`.
 *  - Otherwise (a project's devDependency, npx, a PATH without node as in some GUI git clients)
 *    write the absolute node binary and the absolute bin/tslfs.js, each single-quoted for sh:
 *    `'/usr/bin/node' '/p/node_modules/tslfs/bin/tslfs.js'`. That works without any PATH, but
 *    must be rewritten (`tslfs install --force`/`tslfs update`) if node or tslfs move.
 * Reads the filesystem (PATH lookups) only; never throws.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Env } from '../git/exec.js';
import { whichOnPath } from '../git/whichOnPath.js';

/** Which tslfs is running: CliContext has both. */
export interface TslfsSelf {
  nodePath: string;
  binPath: string;
}

/** Single-quote a word for sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function real(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** The `<cmd>` prefix for filter and hook commands (see the rule above). */
export function tslfsCommand(self: TslfsSelf, env: Env): string {
  const onPath = whichOnPath('tslfs', env);
  const me = real(self.binPath) ?? self.binPath;
  if (onPath && real(onPath) === me && whichOnPath('node', env)) return 'tslfs';
  return `${shellQuote(self.nodePath)} ${shellQuote(self.binPath)}`;
}

/**
 * Whether `cmd` is a tslfs command prefix in any form tslfs writes or wrote: the bare word
 * `tslfs`, an absolute path to a `tslfs` executable, or `<node> <.../tslfs.js>` with each word
 * optionally single-quoted. Used to treat our own older configuration and hooks as upgradable.
 */
export function isTslfsCommand(cmd: string): boolean {
  const word = String.raw`(?:'[^']*'|[^\s']+)`;
  const m = new RegExp(`^(${word})(?:\\s+(${word}))?$`).exec(cmd.trim());
  if (!m) return false;
  const unq = (w: string) => (w.startsWith("'") ? w.slice(1, -1) : w);
  const first = unq(m[1]!);
  const second = m[2] === undefined ? undefined : unq(m[2]);
  if (second === undefined) return first === 'tslfs' || (isAbsolute(first) && /\/tslfs$/.test(first));
  return isAbsolute(second) && /\/tslfs(\.js)?$/.test(second) && /(^|\/)node[^/]*$/.test(first);
}

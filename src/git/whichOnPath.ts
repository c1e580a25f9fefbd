/**
 * Finding a program on PATH the safe way: only absolute PATH entries are searched, so empty or
 * relative entries (which mean the current directory, i.e. a possibly hostile work tree) never
 * supply a program (CR12, git-lfs's CVE-2020-27955 class).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Env } from './exec.js';

/** The first executable regular file called `name` on env.PATH (absolute dirs only), or null. */
export function whichOnPath(name: string, env: Env): string | null {
  if (!name || name.includes('/')) return null;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const p = join(dir, name);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

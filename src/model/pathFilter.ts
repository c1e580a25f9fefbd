/**
 * The path filter of -I/--include and -X/--exclude (ls-files, fetch, pull, checkout) and of
 * lfs.fetchinclude/lfs.fetchexclude (smudge, fsck, fetch):
 * comma-separated gitignore-style patterns matched against repo-root-relative paths. A path is
 * allowed when no include pattern is given or one matches, and no exclude pattern matches.
 * Case-insensitive on macOS and Windows, as git-lfs's "system case". Pure.
 */
import ignore, { type Ignore } from 'ignore';
import { platform } from 'node:os';

export type PathFilter = (path: string) => boolean;

/** Split a comma-separated pattern list, dropping empty entries. */
export function splitPatterns(arg: string | undefined): string[] {
  if (!arg) return [];
  return arg
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

function matcher(patterns: string[], ignorecase: boolean): ((p: string) => boolean) | null {
  if (patterns.length === 0) return null;
  const ig: Ignore = ignore({ ignorecase }).add(patterns);
  return (p) => {
    try {
      return ig.ignores(p);
    } catch {
      // `ignore` rejects paths it considers non-relative (never produced by git); no match.
      return false;
    }
  };
}

export function makePathFilter(include?: string | string[], exclude?: string | string[], opts: { ignorecase?: boolean } = {}): PathFilter {
  const ic = opts.ignorecase ?? (platform() === 'darwin' || platform() === 'win32');
  const inc = matcher(Array.isArray(include) ? include : splitPatterns(include), ic);
  const exc = matcher(Array.isArray(exclude) ? exclude : splitPatterns(exclude), ic);
  if (!inc && !exc) return () => true;
  return (path) => {
    const p = path.replace(/^\.\//, '');
    return (!inc || inc(p)) && !(exc && exc(p));
  };
}

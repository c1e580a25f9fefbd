/**
 * lfs.fetchinclude / lfs.fetchexclude: comma-separated gitignore-style patterns over
 * repo-relative paths. A path is selected when it matches some include pattern (or there are
 * none) and no exclude pattern. Pure apart from the `ignore` matcher.
 */
import ignore, { type Ignore } from 'ignore';

export function splitPatterns(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export class PathFilter {
  private readonly inc: Ignore | null;
  private readonly exc: Ignore | null;

  constructor(include: readonly string[], exclude: readonly string[]) {
    this.inc = include.length ? ignore().add([...include]) : null;
    this.exc = exclude.length ? ignore().add([...exclude]) : null;
  }

  get isEmpty(): boolean {
    return !this.inc && !this.exc;
  }

  /** False for paths the patterns exclude. Paths that are not repo-relative never match a pattern. */
  allows(path: string): boolean {
    if (this.isEmpty) return true;
    const p = path.replace(/^\.\//, '');
    const test = (ig: Ignore): boolean => {
      try {
        return ig.ignores(p);
      } catch {
        return false; // absolute, `../`, or empty: the `ignore` package refuses them
      }
    };
    if (this.inc && !test(this.inc)) return false;
    if (this.exc && test(this.exc)) return false;
    return true;
  }
}

/**
 * isLfsTracked: whether a path gets `filter=lfs` from the repository's gitattributes, decided
 * without a git binary (git/iso/AttributeMatcher.ts follows git's attr.c rules: precedence,
 * macros, wildmatch patterns, core.ignorecase). Reads the work tree's .gitattributes files and
 * info/attributes, plus `attributesFiles` (lowest precedence, e.g. a global file) when given.
 * The path is repo-relative with forward slashes; a leading "./" is ignored.
 */
import { attributeMatcherFor } from '../git/iso/AttributeMatcher.js';
import { useIsoContext, type LfsRepoOptions } from '../git/iso/openIsoStore.js';
import { TslfsError } from '../errors/TslfsError.js';

export interface IsLfsTrackedOptions extends LfsRepoOptions {
  filepath: string;
  /** Extra attribute files, lowest precedence first (git's system and global files). */
  attributesFiles?: readonly string[];
}

export async function isLfsTracked(opts: IsLfsTrackedOptions): Promise<boolean> {
  let path = opts.filepath;
  while (path.startsWith('./')) path = path.slice(2);
  if (path === '' || path.startsWith('/') || path.split('/').includes('..')) {
    throw new TslfsError(`not a repo-relative path: ${JSON.stringify(opts.filepath)}`, { code: 'EUSAGE' });
  }
  const ctx = await useIsoContext(opts);
  return attributeMatcherFor(ctx, opts.attributesFiles).isLfsTracked(path);
}

/**
 * resolveLfsStore: find a repository's git dirs and LFS object store without a git binary
 * (isomorphic-git's `{ dir, gitdir? }` convention; see git/iso/resolveIsoRepo.ts for the rules).
 * The result can be passed as `context` to the other library functions so that a loop over many
 * files resolves the repository once. Throws NotARepositoryError, RepoFormatError, or
 * TslfsError for a config file with a syntax error.
 */
import { openIsoStore, type IsoRepoContext, type IsoStoreOptions } from '../git/iso/openIsoStore.js';

export type { IsoRepoContext as LfsRepoContext, IsoStoreOptions as ResolveLfsStoreOptions };

export async function resolveLfsStore(opts: IsoStoreOptions): Promise<IsoRepoContext> {
  return openIsoStore(opts);
}

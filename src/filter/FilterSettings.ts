/**
 * Everything the clean/smudge filters need to know, resolved once per process from the
 * repository context: skip mode, fetch include/exclude, download-error policy, extensions and
 * the (optional) fetcher.
 */
import { envTruthy } from '../config/Config.js';
import type { Env } from '../git/exec.js';
import type { RepoContext } from '../ops/repoContext.js';
import type { LfsStore } from '../store/LfsStore.js';
import { loadExtensions, type Extension } from './extensions.js';
import type { ObjectFetcher } from './ObjectFetcher.js';
import { makePathFilter, type PathFilter } from '../model/pathFilter.js';

export interface FilterSettings {
  store: LfsStore;
  cwd: string;
  env: Env;
  /** Write pointers instead of content (--skip or GIT_LFS_SKIP_SMUDGE). */
  skip: boolean;
  fetchFilter: PathFilter;
  /** Report success (with the pointer as content) when an object cannot be obtained. */
  skipDownloadErrors: boolean;
  extensions: Extension[];
  /** How missing objects are obtained; null: they are errors. */
  fetcher: ObjectFetcher | null;
}

export function filterSettingsFor(ctx: RepoContext, opts: { skip?: boolean; fetcher?: ObjectFetcher | null } = {}): FilterSettings {
  const { config, env } = ctx;
  return {
    store: ctx.store,
    cwd: ctx.repo.workTree ?? ctx.cwd,
    env,
    skip: Boolean(opts.skip) || envTruthy(env['GIT_LFS_SKIP_SMUDGE']),
    fetchFilter: makePathFilter(config.get('lfs.fetchinclude'), config.get('lfs.fetchexclude')),
    skipDownloadErrors: envTruthy(env['GIT_LFS_SKIP_DOWNLOAD_ERRORS']) || config.getBool('lfs.skipdownloaderrors', false),
    extensions: loadExtensions(config),
    fetcher: opts.fetcher ?? null,
  };
}

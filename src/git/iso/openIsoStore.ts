/**
 * Open the LFS object store of a repository without a git binary: the dirs from
 * resolveIsoRepo, `lfs.storage` from readIsoConfig (absolute, or relative to the common dir),
 * reference stores from `objects/info/alternates` (and GIT_ALTERNATE_OBJECT_DIRECTORIES when
 * the caller passes it in `env`). Refuses an unknown local `lfs.repositoryformatversion`
 * (RepoFormatError) but, unlike the CLI, never writes the config.
 */
import { RepoFormatError } from '../../errors/TslfsError.js';
import type { Config } from '../../config/Config.js';
import { LfsStore } from '../../store/LfsStore.js';
import { resolveStoreLayout } from '../../store/layout.js';
import type { Env } from '../exec.js';
import type { RepoInfo } from '../repo.js';
import { readIsoConfig } from './readIsoConfig.js';
import { resolveIsoRepo, type IsoRepoLocation } from './resolveIsoRepo.js';

export interface IsoStoreOptions extends IsoRepoLocation {
  /** Extra git config files read before the repository's own (lowest precedence). */
  configFiles?: readonly string[];
  /** Environment values to honour (only GIT_ALTERNATE_OBJECT_DIRECTORIES is read). Default {}. */
  env?: Env;
}

export interface IsoRepoContext {
  repo: RepoInfo;
  config: Config;
  store: LfsStore;
}

export async function openIsoStore(opts: IsoStoreOptions): Promise<IsoRepoContext> {
  const repo = await resolveIsoRepo(opts);
  const env = opts.env ?? {};
  const config = await readIsoConfig(repo, { extraFiles: opts.configFiles, env });
  const v = config.getInScope('lfs.repositoryformatversion', 'local');
  if (v !== undefined && v.trim() !== '0') throw new RepoFormatError(v);
  const store = new LfsStore(await resolveStoreLayout(repo, config, env));
  return { repo, config, store };
}

/** Options of the library functions that work on one repository without a git binary. */
export interface LfsRepoOptions extends IsoStoreOptions {
  /** A context from resolveLfsStore(), to skip resolving the repository on every call. */
  context?: IsoRepoContext;
}

/** `opts.context`, or a freshly opened one. */
export async function useIsoContext(opts: LfsRepoOptions): Promise<IsoRepoContext> {
  return opts.context ?? (await openIsoStore(opts));
}

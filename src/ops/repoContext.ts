/**
 * Opening a repository for a command: where it is, its configuration and its LFS store.
 * Commands that change config or .gitattributes also check (and first write) the local
 * `lfs.repositoryformatversion`, as git-lfs does.
 */
import { SshPoolRegistry } from '../ssh/SshPoolRegistry.js';
import { CredentialMemory } from '../http/Authenticator.js';
import { Config } from '../config/Config.js';
import { loadConfig } from '../config/load.js';
import { NotARepositoryError, RepoFormatError, TslfsError } from '../errors/TslfsError.js';
import { git, type Env } from '../git/exec.js';
import { discoverRepo, type RepoInfo } from '../git/repo.js';
import { resolveStoreLayout } from '../store/layout.js';
import { LfsStore } from '../store/LfsStore.js';

export interface RepoContext {
  cwd: string;
  env: Env;
  repo: RepoInfo;
  config: Config;
  store: LfsStore;
  /** `.lfsconfig` keys that were ignored as unsafe (for a warning). */
  ignoredLfsconfigKeys: string[];
  /**
   * What this run knows about credentials, shared by every client it builds (lock
   * verification and the transfers of one push ask for a host's credentials once).
   */
  credentials: CredentialMemory;
  /** This run's SSH connection pools, shared by its lock client and transfers. */
  sshPools: SshPoolRegistry;
}

export interface OpenRepoOptions {
  cwd: string;
  env: Env;
  /** Throw unless there is a work tree. */
  requireWorkTree?: boolean;
  /** Check the local lfs.repositoryformatversion and write 0 when unset (default false). */
  writeFormatVersion?: boolean;
}

export async function openRepo(opts: OpenRepoOptions): Promise<RepoContext> {
  const repo = await discoverRepo(opts.cwd, opts.env);
  if (opts.requireWorkTree && !repo.workTree) {
    throw new TslfsError('This operation must be run in a work tree.', { exitCode: 128, code: 'ENOWORKTREE' });
  }
  const { config, ignoredLfsconfigKeys } = await loadConfig(repo, opts.cwd, opts.env);
  if (opts.writeFormatVersion) await ensureRepoFormat(repo, config, opts.cwd, opts.env);
  const store = new LfsStore(await resolveStoreLayout(repo, config, opts.env));
  return { cwd: opts.cwd, env: opts.env, repo, config, store, ignoredLfsconfigKeys, credentials: new CredentialMemory(), sshPools: new SshPoolRegistry() };
}

/** Like openRepo, but returns null outside a repository instead of throwing. */
export async function tryOpenRepo(opts: OpenRepoOptions): Promise<RepoContext | null> {
  try {
    return await openRepo(opts);
  } catch (e) {
    if (e instanceof NotARepositoryError) return null;
    throw e;
  }
}

/** Throws RepoFormatError for an unknown local format version; writes 0 when unset. */
export async function ensureRepoFormat(repo: RepoInfo, config: Config, cwd: string, env: Env): Promise<void> {
  const v = config.getInScope('lfs.repositoryformatversion', 'local');
  if (v === undefined) {
    await git(['config', '--file', `${repo.commonDir}/config`, 'lfs.repositoryformatversion', '0'], { cwd, env });
  } else if (v.trim() !== '0') {
    throw new RepoFormatError(v);
  }
}

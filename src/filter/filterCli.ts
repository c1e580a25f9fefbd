/**
 * Shared setup of the filter commands (clean, smudge, filter-process): argument parsing
 * without commander, and opening the repository with the filter settings. Kept light: only
 * node builtins and our own modules load on these hot paths.
 */
import { SshPoolRegistry } from '../ssh/SshPoolRegistry.js';
import { CredentialMemory } from '../http/Authenticator.js';
import { Config } from '../config/Config.js';
import { readGitConfig, readLfsconfig } from '../config/load.js';
import type { Env } from '../git/exec.js';
import { discoverRepo } from '../git/repo.js';
import type { RepoContext } from '../ops/repoContext.js';
import { resolveStoreLayout } from '../store/layout.js';
import { LfsStore } from '../store/LfsStore.js';
import { DirectoryFetcher } from './DirectoryFetcher.js';
import { LazyQueueFetcher } from './LazyQueueFetcher.js';
import { filterSettingsFor, type FilterSettings } from './FilterSettings.js';

export interface FilterArgs {
  skip: boolean;
  /** The path after `--` (or the first operand), or ''. */
  path: string;
  /** Set when the arguments need commander (help, unknown options). */
  needsCommander: boolean;
}

export function parseFilterArgs(args: readonly string[], allowSkip: boolean): FilterArgs {
  const out: FilterArgs = { skip: false, path: '', needsCommander: false };
  let operands = false;
  for (const a of args) {
    if (!operands && a === '--') operands = true;
    else if (!operands && allowSkip && (a === '--skip' || a === '-s')) out.skip = true;
    else if (!operands && a.startsWith('-') && a !== '-') out.needsCommander = true;
    else if (out.path === '') out.path = a;
  }
  return out;
}

/**
 * openRepo() for filters, with its independent steps in parallel (`git rev-parse`,
 * `git config -l` and the .lfsconfig lookups all only need the cwd): startup is paid on every
 * one-shot filter call.
 */
async function openFilterRepo(cwd: string, env: Env): Promise<RepoContext> {
  // git runs filters at the top of the work tree, so .lfsconfig is read for that guess at the
  // same time (readLfsconfig only looks at workTree) and used only if the guess was right.
  const guess = readLfsconfig({ gitDir: '', commonDir: '', workTree: cwd, bare: false, prefix: '' }, cwd, env);
  guess.catch(() => {});
  const [repo, gitEntries] = await Promise.all([discoverRepo(cwd, env), readGitConfig(cwd, env)]);
  const lfs = repo.workTree === cwd ? await guess : await readLfsconfig(repo, cwd, env);
  const config = new Config(gitEntries, lfs.entries, env);
  const store = new LfsStore(await resolveStoreLayout(repo, config, env));
  return { cwd, env, repo, config, store, ignoredLfsconfigKeys: lfs.ignored, credentials: new CredentialMemory(), sshPools: new SshPoolRegistry() };
}

/** Filter settings plus the repository they were opened for. */
export type OpenedFilter = FilterSettings & { ctx: RepoContext };

export async function openFilter(cwd: string, env: Env, skip: boolean): Promise<OpenedFilter> {
  const ctx = await openFilterRepo(cwd, env);
  // TEST-ONLY hook: lets tests exercise delayed checkout before the transfer layer exists. It
  // only copies hash-verified objects from a local directory into the store.
  const from = env['TSLFS_TEST_FETCH_FROM'];
  const fetcher = from ? new DirectoryFetcher(ctx.store, from, Number(env['TSLFS_TEST_FETCH_DELAY_MS'] ?? 0) || 0) : new LazyQueueFetcher(ctx);
  return { ...filterSettingsFor(ctx, { skip, fetcher }), ctx };
}

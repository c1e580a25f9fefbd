/**
 * The `filter.lfs.*` git configuration that `install` writes and `uninstall` removes, in one
 * scope (global by default, like git-lfs). Values are git-lfs's with the tslfs command prefix in
 * place of `git-lfs`:
 *   clean = <cmd> clean -- %f, smudge = <cmd> smudge [--skip] -- %f,
 *   process = <cmd> filter-process [--skip], required = true.
 * An existing different value is only replaced with `force`, unless it is empty or one of ours
 * (any command form, with or without --skip, older `%f` forms), mirroring git-lfs's upgradable
 * values. Throws FilterConfigConflictError (exit 2) before writing anything when one conflicts.
 */
import { TslfsError, UsageError } from '../errors/TslfsError.js';
import { git, type Env } from '../git/exec.js';
import { isTslfsCommand } from './tslfsCommand.js';

export type ConfigScope = 'global' | 'local' | 'worktree' | 'system' | 'file';

export interface ScopeOptions {
  local?: boolean;
  worktree?: boolean;
  system?: boolean;
  file?: string;
}

/** The one scope the flags select; throws UsageError for a combination (git-lfs's wording). */
export function selectScope(o: ScopeOptions): { scope: ConfigScope; args: string[] } {
  const set = [o.local && '--local', o.worktree && '--worktree', o.system && '--system', o.file !== undefined && '--file'].filter(
    Boolean,
  ) as string[];
  if (set.length > 1) {
    if (set.length === 2 && !set.includes('--file')) {
      throw new UsageError(`Only one of ${set[0]} and ${set[1]} options can be specified.`);
    }
    throw new UsageError('Only one of the --local, --system, --worktree, and --file options can be specified.');
  }
  if (o.local) return { scope: 'local', args: ['--local'] };
  if (o.worktree) return { scope: 'worktree', args: ['--worktree'] };
  if (o.system) return { scope: 'system', args: ['--system'] };
  if (o.file !== undefined) {
    if (o.file === '') throw new UsageError('--file needs a file name.');
    return { scope: 'file', args: ['--file', o.file] };
  }
  return { scope: 'global', args: ['--global'] };
}

/** The four filter values, in the order they are written. */
export function filterValues(cmd: string, skipSmudge: boolean): Array<[key: string, value: string]> {
  const skip = skipSmudge ? ' --skip' : '';
  return [
    ['filter.lfs.clean', `${cmd} clean -- %f`],
    ['filter.lfs.smudge', `${cmd} smudge${skip} -- %f`],
    ['filter.lfs.process', `${cmd} filter-process${skip}`],
    ['filter.lfs.required', 'true'],
  ];
}

/** Whether an existing value may be replaced without --force. */
export function isUpgradableFilterValue(key: string, value: string): boolean {
  if (value === '') return true;
  const forms: Record<string, RegExp> = {
    'filter.lfs.clean': /^(.*?)\s+clean(?:\s+--)?\s+%f$/,
    'filter.lfs.smudge': /^(.*?)\s+smudge(?:\s+--skip)?(?:\s+--)?\s+%f$/,
    'filter.lfs.process': /^(.*?)\s+filter-process(?:\s+--skip)?$/,
  };
  const m = forms[key]?.exec(value.trim());
  return Boolean(m && isTslfsCommand(m[1]!));
}

export class FilterConfigConflictError extends TslfsError {
  constructor(key: string, want: string, have: string) {
    super(`warning: the "${key}" attribute should be "${want}" but is "${have}"`, {
      code: 'EFILTERCONFIG',
      hint: 'Run `tslfs install --force` to reset Git configuration.',
    });
  }
}

export interface InstallFiltersOptions {
  cwd: string;
  env: Env;
  /** From selectScope. */
  scopeArgs: string[];
  /** The tslfs command prefix (tslfsCommand). */
  cmd: string;
  force?: boolean;
  skipSmudge?: boolean;
}

async function getInScope(key: string, scopeArgs: string[], cwd: string, env: Env): Promise<string | undefined> {
  const r = await git(['config', ...scopeArgs, '--get-all', key], { cwd, env, allowFailure: true });
  if (r.status === 1) return undefined;
  if (r.status !== 0) throw new TslfsError(`could not read ${key}: ${r.stderr.trim()}`);
  const values = r.stdout.toString('utf8').replace(/\n$/, '').split('\n');
  return values[values.length - 1];
}

/** Check every key first, then write (`--replace-all`, so duplicates collapse into one). */
export async function installFilters(o: InstallFiltersOptions): Promise<void> {
  const values = filterValues(o.cmd, Boolean(o.skipSmudge));
  if (!o.force) {
    for (const [key, want] of values) {
      const have = await getInScope(key, o.scopeArgs, o.cwd, o.env);
      if (have === undefined || have === want || isUpgradableFilterValue(key, have)) continue;
      throw new FilterConfigConflictError(key, want, have);
    }
  }
  for (const [key, want] of values) {
    await git(['config', ...o.scopeArgs, '--replace-all', key, want], { cwd: o.cwd, env: o.env });
  }
}

/** Remove the whole `filter.lfs` section from the scope (a missing section is fine). */
export async function uninstallFilters(o: { cwd: string; env: Env; scopeArgs: string[] }): Promise<void> {
  const r = await git(['config', ...o.scopeArgs, '--remove-section', 'filter.lfs'], { cwd: o.cwd, env: o.env, allowFailure: true });
  // git says "no such section" (exit 128) when it is absent: that is success for us.
  if (r.status !== 0 && !/no such section/i.test(r.stderr)) {
    throw new TslfsError(`could not remove the filter.lfs configuration: ${r.stderr.trim()}`);
  }
}

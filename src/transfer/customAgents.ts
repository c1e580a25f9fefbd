/**
 * Custom transfer agents configured with `lfs.customtransfer.<name>.{path,args,concurrent,direction}`
 * (reference 4.7). Pure over a Config.
 *
 * Only git config counts: Config never holds these keys from `.lfsconfig` (they are not on the
 * safe list), so a cloned repository cannot make tslfs run a program. The subsection is
 * case-sensitive and every key must use the same spelling. Names of built-in adapters (basic,
 * ssh, tus, lfs-standalone-file) are ignored, and `lfs.basictransfersonly=true` turns every
 * custom agent off.
 */
import type { Config } from '../config/Config.js';
import type { TransferDirection } from '../events/TransferEvents.js';

export interface CustomAgentSpec {
  name: string;
  /** The program (looked up on PATH when it has no slash). */
  path: string;
  /** Extra arguments, a shell string (git-lfs runs `sh -c "'<path>' <args>"`). */
  args: string;
  /** true: one process per transfer worker; false: a single process. */
  concurrent: boolean;
  direction: 'download' | 'upload' | 'both';
}

export const BUILTIN_ADAPTERS: ReadonlySet<string> = new Set(['basic', 'ssh', 'tus', 'lfs-standalone-file']);

const PREFIX = 'lfs.customtransfer.';

/** The agent configured under `name`, or null (not configured, no path, or a built-in name). */
export function customAgentSpec(config: Config, name: string): CustomAgentSpec | null {
  if (!name || BUILTIN_ADAPTERS.has(name)) return null;
  const path = config.get(`${PREFIX}${name}.path`);
  if (!path) return null;
  const dir = (config.get(`${PREFIX}${name}.direction`) ?? 'both').trim().toLowerCase();
  return {
    name,
    path,
    args: config.get(`${PREFIX}${name}.args`) ?? '',
    concurrent: config.getBool(`${PREFIX}${name}.concurrent`, true),
    direction: dir === 'download' || dir === 'upload' ? dir : 'both',
  };
}

/** Every configured agent, in config order. */
export function customAgentSpecs(config: Config): CustomAgentSpec[] {
  const names: string[] = [];
  for (const key of config.keysWithPrefix(PREFIX)) {
    const rest = key.slice(PREFIX.length);
    const dot = rest.lastIndexOf('.');
    if (dot <= 0) continue;
    const name = rest.slice(0, dot);
    if (!names.includes(name)) names.push(name);
  }
  return names.map((n) => customAgentSpec(config, n)).filter((s): s is CustomAgentSpec => s !== null);
}

/** The agents to offer a server for one direction (none with lfs.basictransfersonly). */
export function advertisedAgents(config: Config, direction: TransferDirection): CustomAgentSpec[] {
  if (config.getBool('lfs.basictransfersonly', false)) return [];
  return customAgentSpecs(config).filter((s) => s.direction === 'both' || s.direction === direction);
}

/**
 * Resolving the remote and the LFS endpoint for a transfer command: reads the facts endpoint
 * discovery needs (current branch, FETCH_HEAD) and validates a remote given on the command line
 * as git-lfs does (a configured remote name, a URL, or an existing local path).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import { git } from '../git/exec.js';
import { chooseRemote, findEndpoint, looksLikeUrl, parseFetchHeadUrl, remoteNames, type Endpoint, type Operation } from '../http/endpoint.js';
import type { RepoContext } from './repoContext.js';

/** The current branch's short name, or null when HEAD is detached or unborn-less. */
export async function currentBranch(ctx: RepoContext): Promise<string | null> {
  const r = await git(['symbolic-ref', '-q', '--short', 'HEAD'], { cwd: ctx.cwd, env: ctx.env, allowFailure: true });
  const name = r.stdout.toString('utf8').trim();
  return r.status === 0 && name ? name : null;
}

/** Where relative local-path remotes are resolved from (git runs transports from the top). */
export function remoteBaseDir(ctx: RepoContext): string {
  return ctx.repo.workTree ?? ctx.repo.gitDir;
}

/** Throws a TslfsError unless `remote` is a configured remote, a URL, or an existing path. */
export function validateRemote(ctx: RepoContext, remote: string): void {
  if (remoteNames(ctx.config).includes(remote)) return;
  const base = remoteBaseDir(ctx);
  if (looksLikeUrl(remote, base)) return;
  const shown = isAbsolute(remote) ? remote : resolve(ctx.cwd, remote);
  throw new TslfsError(`Invalid remote name ${JSON.stringify(remote)}: invalid remote name: ${JSON.stringify(shown)}`, { code: 'EBADREMOTE' });
}

export interface ResolvedRemote {
  remote: string;
  endpoint: Endpoint;
}

/** Choose the remote (validating an explicit one) and find its endpoint for `operation`. */
export async function resolveRemoteEndpoint(ctx: RepoContext, explicit: string | null | undefined, operation: Operation): Promise<ResolvedRemote> {
  if (explicit) validateRemote(ctx, explicit);
  const remote = chooseRemote(ctx.config, { explicit: explicit ?? null, currentBranch: explicit ? null : await currentBranch(ctx), operation });
  const fetchHead = await readFile(join(ctx.repo.gitDir, 'FETCH_HEAD'), 'utf8').catch(() => '');
  const endpoint = findEndpoint(ctx.config, { operation, remote, cwd: remoteBaseDir(ctx), fetchHeadUrl: parseFetchHeadUrl(fetchHead) });
  return { remote, endpoint };
}

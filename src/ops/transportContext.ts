/**
 * The TransportContext for a repository: its config and env, where credential helpers run
 * (the work tree, or the git dir of a bare repository), and the current branch for batch
 * requests' `ref` (read from HEAD without a git subprocess; null when detached).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TransferDirection } from '../events/TransferEvents.js';
import type { TransportContext } from '../transfer/createQueue.js';
import type { RepoContext } from './repoContext.js';

export function currentBranchRef(gitDir: string): string | null {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8');
    const m = /^ref: (refs\/\S+)\s*$/.exec(head);
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

export function transportContext(ctx: RepoContext, direction: TransferDirection, onWarning?: (m: string) => void): TransportContext {
  return {
    config: ctx.config,
    env: ctx.env,
    cwd: ctx.repo.workTree ?? ctx.repo.gitDir,
    direction,
    refName: currentBranchRef(ctx.repo.gitDir),
    tmpDir: ctx.store.layout.tmpDir,
    credentials: ctx.credentials,
    sshPools: ctx.sshPools,
    ...(onWarning ? { onWarning } : {}),
  };
}

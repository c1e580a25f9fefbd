/**
 * Every command: its name, a one-line summary for `tslfs help`, and a lazy loader so that only
 * the invoked command's code is loaded. Keep this list the only place commands are registered.
 */
import type { CommandModule } from './context.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
  /** Hidden from the help listing (plumbing). */
  plumbing?: boolean;
}

export const COMMANDS: Record<string, CommandEntry> = {
  checkout: { summary: 'Populate working copy with real content from Git LFS files', load: () => import('./commands/checkout.js') },
  clean: { summary: 'Git clean filter that converts large files to pointers', load: () => import('./commands/clean.js'), plumbing: true },
  dedup: { summary: 'Deduplicate Git LFS files', load: () => import('./commands/dedup.js') },
  env: { summary: 'Display the Git LFS environment', load: () => import('./commands/env.js') },
  ext: { summary: 'View extension details', load: () => import('./commands/ext.js') },
  fetch: { summary: 'Download all Git LFS files for a given ref', load: () => import('./commands/fetch.js') },
  'filter-process': { summary: 'Git filter process that converts between pointer and actual content', load: () => import('./commands/filter-process.js'), plumbing: true },
  fsck: { summary: 'Check Git LFS files for consistency', load: () => import('./commands/fsck.js') },
  install: { summary: 'Install Git LFS configuration', load: () => import('./commands/install.js') },
  lock: { summary: 'Set a file as "locked" on the Git LFS server', load: () => import('./commands/lock.js') },
  locks: { summary: 'Lists currently locked files from the Git LFS server', load: () => import('./commands/locks.js') },
  logs: { summary: 'Show errors from the Git LFS command', load: () => import('./commands/logs.js') },
  'ls-files': { summary: 'Show information about Git LFS files in the index and working tree', load: () => import('./commands/ls-files.js') },
  pointer: { summary: 'Build, compare, and check pointers', load: () => import('./commands/pointer.js') },
  prune: { summary: 'Delete old Git LFS files from local storage', load: () => import('./commands/prune.js') },
  pull: { summary: 'Download all Git LFS files for current ref and checkout', load: () => import('./commands/pull.js') },
  push: { summary: 'Push local Git LFS files to a remote', load: () => import('./commands/push.js') },
  'post-checkout': { summary: 'Git post-checkout hook implementation', load: () => import('./commands/post-checkout.js'), plumbing: true },
  'post-commit': { summary: 'Git post-commit hook implementation', load: () => import('./commands/post-commit.js'), plumbing: true },
  'post-merge': { summary: 'Git post-merge hook implementation', load: () => import('./commands/post-merge.js'), plumbing: true },
  'pre-push': { summary: 'Git pre-push hook implementation', load: () => import('./commands/pre-push.js'), plumbing: true },
  smudge: { summary: 'Git smudge filter that converts pointer in blobs to the actual content', load: () => import('./commands/smudge.js'), plumbing: true },
  status: { summary: 'Show the status of Git LFS files in the working tree', load: () => import('./commands/status.js') },
  track: { summary: 'View or add Git LFS paths to Git attributes', load: () => import('./commands/track.js') },
  uninstall: { summary: 'Remove Git LFS configuration', load: () => import('./commands/uninstall.js') },
  untrack: { summary: 'Remove Git LFS paths from Git Attributes', load: () => import('./commands/untrack.js') },
  unlock: { summary: 'Remove "locked" setting for a file on the Git LFS server', load: () => import('./commands/unlock.js') },
  update: { summary: 'Update Git hooks', load: () => import('./commands/update.js') },
  version: { summary: 'Show the version number', load: () => import('./commands/version.js') },
};

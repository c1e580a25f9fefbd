/**
 * The tslfs library: everything the CLI does, callable from code. Command functions take one
 * options object ({ cwd, env, ... }) and drive the git binary like git-lfs; the functions in the
 * last group need no git binary ({ dir, gitdir? }) and suit isomorphic-git users. Importing this
 * module is cheap: heavy dependencies load only inside the functions that need them.
 */

// Errors, pointers, version (as today).
export * from './errors/index.js';
export { encodePointer, decodePointer, tryDecodePointer, type Pointer, type DecodedPointer } from './model/pointer.js';
export { VERSION } from './version.js';

// Commands (options objects with cwd/env; they drive the git binary, like git-lfs).
export { checkout, type CheckoutOptions, type CheckoutEvent, type CheckoutResult, type ConflictStage } from './api/checkout.js';
export { dedup, type DedupEvent, type DedupResult } from './api/dedup.js';
export { lfsEnv, type EnvOptions } from './api/env.js';
export { ext, type ExtensionInfo, type ExtResult } from './api/ext.js';
export { fetch, type FetchOptions, type FetchResult } from './api/fetch.js';
export { fsck, type FsckOptions, type FsckProblem, type FsckResult } from './api/fsck.js';
export { install, type InstallOptions, type InstallResult } from './api/install.js';
export { listTrackedPatterns, type ListTrackedPatternsOptions, type KnownPattern } from './api/listTrackedPatterns.js';
export { lock, type LockOptions, type LockFileResult } from './api/lock.js';
export { locks, type LocksOptions, type ListLocksResult } from './api/locks.js';
export { runLockableHook, type LockableHook, type LockableHookOptions } from './api/lockableHook.js';
export { logs, type LogsAction, type LogsResult } from './api/logs.js';
export { lsFiles, type LsFilesOptions, type LsFilesResult, type LsFilesEntry } from './api/lsFiles.js';
export { pointer, type PointerOptions, type PointerResult, type BuiltPointer, type OtherPointer } from './api/pointer.js';
export { prePush, type PrePushOptions, type PushRefLine } from './api/prePush.js';
export { prune, PruneUnverifiedError, type PruneOptions, type PruneResult } from './api/prune.js';
export { pull, type PullOptions, type PullResult } from './api/pull.js';
export { push, PushMissingObjectsError, type PushOptions, type PushResult } from './api/push.js';
export { status, type StatusOptions, type StatusResult, type StatusReport, type StatusEntry, type SideInfo, type PushEntry } from './api/status.js';
export { track, type TrackOptions, type TrackMessage, type TrackResult } from './api/track.js';
export { uninstall, type UninstallOptions, type UninstallResult } from './api/uninstall.js';
export { unlock, type UnlockOptions, type UnlockResult } from './api/unlock.js';
export { untrack, type UntrackOptions, type UntrackResult } from './api/untrack.js';
export { updateHooks, type UpdateHooksOptions, type UpdateHooksResult } from './api/updateHooks.js';

// Without a git binary ({ dir, gitdir? }; for isomorphic-git users and other embedders).
export { resolveLfsStore, type LfsRepoContext, type ResolveLfsStoreOptions } from './api/lfsResolveStore.js';
export { smudgeBlob, type SmudgeBlobOptions, type SmudgeBlobResult, type FetchMissing, type MissingObject } from './api/lfsSmudgeBlob.js';
export { readLfsBlob, type ReadLfsBlobOptions, type ReadLfsBlobResult } from './api/lfsReadBlob.js';
export { cleanToPointer, type CleanToPointerOptions, type CleanToPointerResult } from './api/lfsCleanToPointer.js';
export { isLfsTracked, type IsLfsTrackedOptions } from './api/lfsIsTracked.js';
export { materializeLfsFiles, type MaterializeLfsFilesOptions, type MaterializeLfsFilesResult } from './api/lfsMaterialize.js';

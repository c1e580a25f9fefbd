/**
 * Directory handles for work tree writes that no path swap can redirect (reliability HR10,
 * CVE-2025-26625): each directory below the work tree root is opened from its parent's handle
 * with O_DIRECTORY|O_NOFOLLOW, never by a path, and files are then named through the handle as
 * `/proc/self/fd/<fd>/<name>` (Linux resolves that magic link to the directory the descriptor
 * holds, like openat(2)). A directory replaced by a symlink after it was opened cannot receive
 * our writes: they go to the directory we opened, wherever it has been moved to.
 *
 * Where /proc/self/fd is not available (not Linux), `available` is false and callers use their
 * path-based checks instead.
 *
 * dir() is safe to call concurrently (one open per directory, shared). Handles are cached up to
 * MAX_CACHED; close() releases them all and must be called when the writes are done.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, type FileHandle } from 'node:fs/promises';
import { UnsafePathError } from '../errors/TslfsError.js';
import { fsPath } from '../model/pathBytes.js';

const MAX_CACHED = 256;
const PROC_FD = '/proc/self/fd';

export interface DirHandle {
  /** A path naming the directory through its descriptor: `${path}/${name}` is a file in it. */
  path: string;
  /** Release the handle if it is not cached (a no-op for cached ones). */
  release(): Promise<void>;
}

let procUsable: Promise<boolean> | null = null;

/** True when /proc/self/fd paths work here (Linux with procfs). Checked once per process. */
export function procFdUsable(): Promise<boolean> {
  procUsable ??= access(PROC_FD).then(
    () => true,
    () => false,
  );
  return procUsable;
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

export class DirHandles {
  private readonly cache = new Map<string, Promise<FileHandle>>();
  private closed = false;

  /** `root`: the work tree root (trusted, as git trusts it; opened by path once). */
  constructor(private readonly root: string) {}

  /**
   * The directory `relDir` (repo-relative, forward slashes, '' for the root; validated by the
   * caller; names that are not UTF-8 escaped as model/pathBytes.ts does), creating missing
   * components. Throws UnsafePathError "not a directory" when a
   * component is a symlink or not a directory.
   */
  async dir(relDir: string): Promise<DirHandle> {
    if (this.closed) throw new Error('DirHandles used after close()');
    const fh = await this.handle(relDir);
    const cached = this.cache.get(relDir) !== undefined;
    return {
      path: `${PROC_FD}/${fh.fd}`,
      release: async () => {
        if (!cached) await fh.close().catch(() => {});
      },
    };
  }

  private handle(relDir: string): Promise<FileHandle> {
    const hit = this.cache.get(relDir);
    if (hit) return hit;
    const p = this.openDir(relDir);
    if (this.cache.size < MAX_CACHED) {
      this.cache.set(relDir, p);
      // A failed open is not cached: the next caller tries again (and gets its own error).
      p.catch(() => this.cache.delete(relDir));
    }
    return p;
  }

  private async openDir(relDir: string): Promise<FileHandle> {
    if (relDir === '') return open(this.root, constants.O_RDONLY | constants.O_DIRECTORY);
    const cut = relDir.lastIndexOf('/');
    const parentRel = cut < 0 ? '' : relDir.slice(0, cut);
    const name = relDir.slice(cut + 1);
    const parent = await this.handle(parentRel);
    const uncachedParent = this.cache.get(parentRel) === undefined;
    try {
      const at = fsPath(`${PROC_FD}/${parent.fd}/${name}`);
      const flags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
      try {
        return await open(at, flags);
      } catch (e) {
        if (code(e) === 'ENOENT') {
          await mkdir(at).catch((e2) => {
            if (code(e2) !== 'EEXIST') throw e2;
          });
          return await open(at, flags).catch((e3) => {
            throw code(e3) === 'ELOOP' || code(e3) === 'ENOTDIR' ? new UnsafePathError(relDir, 'not a directory') : e3;
          });
        }
        if (code(e) === 'ELOOP' || code(e) === 'ENOTDIR') throw new UnsafePathError(relDir, 'not a directory');
        throw e;
      }
    } finally {
      if (uncachedParent) await parent.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(all.map((p) => p.then((fh) => fh.close(), () => {}).catch(() => {})));
  }
}

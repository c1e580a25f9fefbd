/**
 * `dedup`: replace work tree copies of LFS files with copy-on-write clones (reflinks) of the
 * store objects, so each object's blocks are stored once. Refused when the filesystem cannot
 * clone, when LFS extensions are configured (the stored bytes are then not the file's bytes),
 * and when the work tree is dirty. Each file goes through worktreeWriter (temp clone in the same
 * directory, renamed over the file: no symlink or hard-link following; the file's permission
 * bits are kept). Index entries of replaced files are refreshed afterwards.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TslfsError } from '../errors/TslfsError.js';
import { git } from '../git/exec.js';
import { EMPTY_OID } from '../model/oid.js';
import type { RepoContext } from './repoContext.js';
import { scanTree } from './scanPointers.js';
import { refreshIndexEntries, writeWorktreeFile, type IndexedFile } from './worktreeWriter.js';

/** Creates `to` (which must not exist) as a copy-on-write clone of `from`; throws when unsupported. */
export type CloneFn = (from: string, to: string | Buffer) => Promise<void>;

export const reflinkClone: CloneFn = (from, to) => copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);

export const NO_COW_MESSAGE = 'This system does not support de-duplication.';
export const EXTENSIONS_MESSAGE =
  'This platform supports file de-duplication, however, Git LFS extensions are configured and therefore de-duplication can not be used.';
export const DIRTY_MESSAGE = 'Working tree is dirty. Please commit or reset your change.';

/** Whether `clone` works from `srcDir` to `dstDir`; reason is the OS error when not. */
export async function cloneSupported(srcDir: string, dstDir: string, clone: CloneFn = reflinkClone): Promise<{ ok: boolean; reason?: string }> {
  await mkdir(srcDir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const src = join(srcDir, `dedup-probe-${tag}`);
  const dst = join(dstDir, `.tslfs-dedup-probe-${tag}`);
  try {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(src, 'tslfs dedup probe\n', { flag: 'wx' });
    await clone(src, dst);
    return { ok: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'ENOSYS' ? 'operation not supported' : (e as Error).message;
    return { ok: false, reason };
  } finally {
    await rm(src, { force: true }).catch(() => {});
    await rm(dst, { force: true }).catch(() => {});
  }
}

export function extensionsConfigured(ctx: RepoContext): boolean {
  return ctx.config.entries().some(([k]) => k.startsWith('lfs.extension.'));
}

export type DedupEvent =
  | { type: 'success'; path: string; size: number }
  | { type: 'skipped'; path: string; size: number; reason?: string };

export interface DedupResult {
  count: number;
  bytes: number;
  skipped: number;
}

function requireWorkTree(ctx: RepoContext): string {
  if (!ctx.repo.workTree) throw new TslfsError('This operation must be run in a work tree.', { code: 'ENOWORKTREE' });
  return ctx.repo.workTree;
}

/** `dedup --test`: throws TslfsError with git-lfs's messages when dedup cannot be used. */
export async function testDedup(ctx: RepoContext, clone: CloneFn = reflinkClone): Promise<void> {
  const workTree = requireWorkTree(ctx);
  const s = await cloneSupported(ctx.store.layout.tmpDir, workTree, clone);
  if (!s.ok) throw new TslfsError(`${NO_COW_MESSAGE.slice(0, -1)}: ${s.reason}`, { code: 'ENOCOW' });
  if (extensionsConfigured(ctx)) throw new TslfsError(EXTENSIONS_MESSAGE, { code: 'EEXTENSIONS' });
}

export async function runDedup(ctx: RepoContext, opts: { clone?: CloneFn; onEvent?: (e: DedupEvent) => void } = {}): Promise<DedupResult> {
  const clone = opts.clone ?? reflinkClone;
  const emit = opts.onEvent ?? (() => {});
  const workTree = requireWorkTree(ctx);
  if (!(await cloneSupported(ctx.store.layout.tmpDir, workTree, clone)).ok) throw new TslfsError(NO_COW_MESSAGE, { code: 'ENOCOW' });
  if (extensionsConfigured(ctx)) throw new TslfsError(EXTENSIONS_MESSAGE, { code: 'EEXTENSIONS' });
  const st = await git(['status', '--porcelain', '--untracked-files=no'], { cwd: workTree, env: ctx.env });
  if (st.stdout.length > 0) throw new TslfsError(DIRTY_MESSAGE, { code: 'EDIRTY' });
  const res: DedupResult = { count: 0, bytes: 0, skipped: 0 };
  const refresh: IndexedFile[] = [];
  for (const e of await scanTree('HEAD', { cwd: workTree, env: ctx.env })) {
    const { oid, size } = e.pointer;
    const skip = (reason?: string) => {
      res.skipped++;
      emit({ type: 'skipped', path: e.path, size, ...(reason ? { reason } : {}) });
    };
    if (oid === EMPTY_OID || e.pointer.extensions.length > 0) continue;
    if (!(await ctx.store.hasLocal(oid, size))) {
      skip('mediafile is not exist');
      continue;
    }
    const name = e.path;
    try {
      const out = await writeWorktreeFile({
        workTree,
        path: name,
        source: { size, copy: (to) => clone(ctx.store.objectPath(oid), to) },
        // The tree is clean, so a regular file of the object's size holds the object's content.
        canReplace: (_abs, s) => s.size === size,
      });
      if (!out.written) {
        skip();
        continue;
      }
      res.count++;
      res.bytes += size;
      refresh.push({ path: name, mode: e.mode, blobOid: e.blobOid });
      emit({ type: 'success', path: e.path, size });
    } catch (err) {
      skip(err instanceof Error ? err.message : String(err));
    }
  }
  if (refresh.length > 0) await refreshIndexEntries(workTree, ctx.env, refresh).catch(() => []);
  return res;
}

/**
 * Safe writes into the work tree (checkout, pull, dedup, `checkout --to`): the CVE-2025-26625
 * hardening plus crash safety.
 *
 * Contract of writeWorktreeFile():
 *  - The path is repo-relative and validated first (validateRepoPath: no absolute, drive or UNC
 *    names, no `.`/`..`/empty components, no `.git` look-alikes, no Windows device names or
 *    trailing dots/spaces; POSIX and Windows rules on every OS).
 *  - Every parent directory is checked from the work tree root with lstat: a missing one is
 *    created, a symlink or any other non-directory is refused with UnsafePathError
 *    "not a directory". The target is lstat'ed: a symlink or other non-regular file is refused
 *    with "not a regular file"; a regular file keeps its permission bits.
 *  - Content is streamed into a temp file created with O_EXCL|O_NOFOLLOW in the same directory,
 *    then renamed over the target. The rename breaks hard links (the old inode, and so every
 *    other name of it, keeps its bytes) and a failure at any point (source error, disk full,
 *    size/hash mismatch) leaves the target as it was and removes the temp file (F8).
 *  - On Linux every parent directory is opened from its parent's descriptor with O_NOFOLLOW
 *    and the temp file and rename are named through the descriptor (DirHandles), so a
 *    directory swapped for a symlink during the write cannot redirect it (HR10). Elsewhere the
 *    parent chain is checked again right before the rename (identity by dev/inode), which
 *    narrows, but like git and git-lfs does not eliminate, that race.
 *  - Nothing is written when there is no work tree.
 * Object data is streamed, never buffered whole. Safe to call concurrently for different paths.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, createWriteStream, fchmodSync, fstatSync, lstatSync, openSync, readSync, renameSync, rmSync, writeSync, type BigIntStats, type Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GitError, IntegrityError, TslfsError, UnsafePathError } from '../errors/TslfsError.js';
import { git, gitText, spawnGit, splitNulPaths, type Env } from '../git/exec.js';
import { patchIndexStats } from '../git/indexStatPatch.js';
import { encodePathBytes, fsPath } from '../model/pathBytes.js';
import { DirHandles, procFdUsable } from './DirHandles.js';

export interface PathRules {
  /** Also refuse characters Windows cannot store (<>:"|?* and control characters). Default: on win32. */
  windowsChars?: boolean;
}

const DEVICE_RE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/i;
// Code points HFS+ ignores when comparing names (git's is_hfs_dotgit list) and zero-width ones.
// eslint-disable-next-line no-misleading-character-class
const IGNORABLE_RE = /[\u200b-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** True when `comp` would be taken as `.git` by some filesystem (case, HFS+, NTFS rules). */
export function isDotGitLookalike(comp: string): boolean {
  let c = comp.replace(IGNORABLE_RE, '');
  const colon = c.indexOf(':'); // NTFS alternate data streams: `.git::$INDEX_ALLOCATION`
  if (colon >= 0) c = c.slice(0, colon);
  c = c.replace(/[. ]+$/, '').toLowerCase();
  return c === '.git' || c === 'git~1';
}

/**
 * Validate a repo-relative path (forward slashes, as git lists them) and return it unchanged.
 * Throws UnsafePathError with the reason. Pure.
 */
export function validateRepoPath(path: string, rules: PathRules = {}): string {
  const windowsChars = rules.windowsChars ?? process.platform === 'win32';
  const bad = (why: string): never => {
    throw new UnsafePathError(path, `unsafe path (${why})`);
  };
  if (path.length === 0) bad('empty');
  if (path.includes('\0')) bad('NUL byte');
  if (path.startsWith('/') || path.startsWith('\\')) bad('absolute');
  if (/^[A-Za-z]:/.test(path)) bad('drive letter');
  // Backslash is a separator on Windows: check components split on both.
  for (const comp of path.split(/[/\\]/)) {
    if (comp === '' || comp === '.' || comp === '..') bad(`"${comp}" component`);
    if (isDotGitLookalike(comp)) bad('.git component');
    if (/[. ]$/.test(comp)) bad('trailing dot or space');
    const stem = comp.split('.')[0]!.replace(/ +$/, '');
    if (DEVICE_RE.test(stem)) bad('Windows device name');
    // eslint-disable-next-line no-control-regex
    if (windowsChars && /[<>:"|?*\x01-\x1f]/.test(comp)) bad('character not allowed on Windows');
  }
  return path;
}

export interface WriteSource {
  /**
   * A local file holding the content (an object in the store): read with O_NOFOLLOW in chunks,
   * hashed as it is copied, without stream machinery (the checkout hot path). Takes precedence
   * over `open`.
   */
  file?: string;
  /** A fresh stream of the content. Called once (unless `copy` or `file` is set). */
  open?(): Promise<Readable | AsyncIterable<Buffer>> | Readable | AsyncIterable<Buffer>;
  /** When set, the bytes must have this size and (with oid) this SHA-256, or nothing is written. */
  size?: number;
  oid?: string;
  /**
   * Instead of streaming, create the temp file with this function (dedup: a copy-on-write
   * clone of `from`); it must create `to` exclusively. `open` is not called then.
   */
  copy?: (to: string | Buffer) => Promise<void>;
}

export interface WorktreeWriteOptions {
  /** Absolute work tree root; null (bare repository) refuses every write. */
  workTree: string | null;
  /**
   * Repo-relative path with forward slashes; a name that is not UTF-8 as decodePathBytes gives
   * it (model/pathBytes.ts), which is written under its exact bytes.
   */
  path: string;
  source: WriteSource;
  /** Permission bits for a new file (before umask): 0o666 by default, 0o777 for executables. */
  executable?: boolean;
  /**
   * Called with a path naming the existing regular file at the target (possibly through
   * /proc/self/fd, see DirHandles) and its lstat; return false to leave it alone (the write is
   * skipped and `skipped` is returned).
   */
  canReplace?: (absPath: string | Buffer, st: Stats) => Promise<boolean> | boolean;
  rules?: PathRules;
  /**
   * Directory handles shared by a run of writes (checkout): each directory is opened once.
   * The caller closes it. Without it, one is made and closed per call.
   */
  dirs?: DirHandles;
}

/**
 * `stat` is the lstat of the target right after the rename, when it is still the file we wrote
 * (same inode): what an index entry for it should record.
 */
export type WriteOutcome = { written: true; bytes: number; created: boolean; stat?: BigIntStats } | { written: false; skipped: true };

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/**
 * Check (and create) every parent directory of `rel` under `root`. Returns the identity of the
 * innermost directory. Throws UnsafePathError "not a directory".
 */
async function ensureParents(root: string, rel: string): Promise<Stats> {
  const comps = rel.split('/').slice(0, -1);
  let cur = root;
  let st = await lstat(root);
  let done = '';
  for (const c of comps) {
    cur = join(cur, c);
    done = done ? `${done}/${c}` : c;
    let s = await lstat(fsPath(cur)).catch((e) => {
      if (code(e) === 'ENOENT') return null;
      if (code(e) === 'ENOTDIR') throw new UnsafePathError(done, 'not a directory');
      throw e;
    });
    if (!s) {
      await mkdir(fsPath(cur)).catch((e) => {
        if (code(e) !== 'EEXIST') throw e;
      });
      s = await lstat(fsPath(cur));
    }
    if (!s.isDirectory()) throw new UnsafePathError(done, 'not a directory');
    st = s;
  }
  return st;
}

/** Re-walk the parents without creating anything and confirm the innermost is still `expect`. */
async function recheckParents(root: string, rel: string, expect: Stats): Promise<void> {
  const comps = rel.split('/').slice(0, -1);
  let cur = root;
  let st = await lstat(root);
  for (const c of comps) {
    cur = join(cur, c);
    st = await lstat(fsPath(cur));
    if (!st.isDirectory()) throw new UnsafePathError(rel, 'not a directory');
  }
  if (st.dev !== expect.dev || st.ino !== expect.ino) throw new UnsafePathError(rel, 'not a directory (changed during checkout)');
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `max` bytes (whole characters only). */
function utf8Prefix(s: string, max: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * A fresh temp name next to `target`, of the same kind (a string, or bytes for a name that is
 * not UTF-8). It carries at most 100 bytes of the target's name, so that it stays within the
 * 255-byte limit of a name whatever the target's length.
 */
function tempNameFor(target: string | Buffer): string | Buffer {
  const suffix = `.tslfs-${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  if (typeof target === 'string') return join(dirname(target), `.${utf8Prefix(basename(target), 100)}${suffix}`);
  return Buffer.concat([target.subarray(0, target.lastIndexOf(0x2f) + 1), Buffer.from(suffix)]);
}

const CHUNK = 1 << 20;

/** Objects this big are copied by the kernel (fs.copyFile) while a second read hashes them. */
const KERNEL_COPY_MIN = 8 << 20;

/**
 * Hash a file (opened with O_NOFOLLOW) into `hash`, in CHUNK reads; stops with IntegrityError
 * past `limit` bytes. Returns the byte count.
 */
async function hashFileInto(path: string | Buffer, hash: ReturnType<typeof createHash> | null, limit: number): Promise<number> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return bytes;
      bytes += bytesRead;
      if (bytes > limit) throw new IntegrityError(`content is larger than ${limit} bytes`);
      hash?.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/**
 * Copy `src` to `dst` in CHUNK pieces, reading the next piece while the current one is hashed
 * and written (two buffers: memory is 2 MiB whatever the size). Stops with IntegrityError as
 * soon as more than `limit` bytes arrive. Returns the byte count.
 */
async function copyHashed(src: FileHandle, dst: FileHandle, hash: ReturnType<typeof createHash> | null, limit: number | undefined): Promise<number> {
  const first = limit !== undefined ? Math.min(CHUNK, limit + 1) : CHUNK;
  const bufs = [Buffer.allocUnsafe(first), Buffer.allocUnsafe(first)];
  let i = 0;
  let bytes = 0;
  let pending = src.read(bufs[0]!, 0, first, null);
  for (;;) {
    const { bytesRead } = await pending;
    if (bytesRead === 0) return bytes;
    const cur = bufs[i]!;
    bytes += bytesRead;
    if (limit !== undefined && bytes > limit) throw new IntegrityError(`content is larger than ${limit} bytes`);
    i ^= 1;
    pending = src.read(bufs[i]!, 0, bufs[i]!.length, null);
    hash?.update(cur.subarray(0, bytesRead));
    let off = 0;
    while (off < bytesRead) off += (await dst.write(cur, off, bytesRead - off)).bytesWritten;
  }
}

/**
 * Stream `source` into a new temp file next to `target` and rename it over `target`.
 * `mode` is applied exactly (chmod) when `keepMode`, else passed to open (umask applies).
 * Throws on any failure after removing the temp file; `target` is then untouched.
 * Returns the byte count and the temp file's inode (the identity of what was renamed in).
 */
async function writeViaTemp(target: string | Buffer, source: WriteSource, mode: number, keepMode: boolean, beforeRename?: () => Promise<void>): Promise<{ bytes: number; ino: bigint }> {
  const tmp = tempNameFor(target);
  if (source.copy) {
    try {
      await source.copy(tmp);
      await chmod(tmp, mode);
      const ino = (await lstat(tmp, { bigint: true })).ino;
      if (beforeRename) await beforeRename();
      await rename(tmp, target);
      return { bytes: Number((await lstat(target)).size), ino };
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      throw e;
    }
  }
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  let bytes = 0;
  const hash = source.oid ? createHash('sha256') : null;
  let modeSet = false;
  try {
    const created = await fh.stat({ bigint: true });
    let ino = created.ino;
    if (source.file && source.size !== undefined && source.size >= KERNEL_COPY_MIN) {
      // Big object: the kernel copies (copy_file_range, or a reflink) while we hash the source;
      // the copy lands in a fresh O_EXCL file, so a symlink planted at the temp name is refused.
      const finalMode = keepMode ? mode : Number(created.mode) & 0o7777; // `mode` after the umask
      await fh.close();
      await rm(tmp, { force: true });
      const [, hashed] = await Promise.all([copyFile(source.file, tmp, constants.COPYFILE_EXCL), hashFileInto(source.file, hash, source.size)]);
      const out = await open(tmp, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        await out.chmod(finalMode);
        const st = await out.stat({ bigint: true });
        ino = st.ino;
        bytes = Number(st.size);
      } finally {
        await out.close();
      }
      if (hashed !== bytes) throw new IntegrityError(`expected ${bytes} bytes while hashing, got ${hashed} (the stored object changed while being read)`);
      modeSet = true;
    } else if (source.file) {
      const src = await open(source.file, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        bytes = await copyHashed(src, fh, hash, source.size);
      } finally {
        await src.close();
      }
      if (keepMode) await fh.chmod(mode);
      modeSet = true;
      await fh.close();
    } else {
      const out = createWriteStream('', { fd: fh, autoClose: true, highWaterMark: 1 << 20 });
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          if (source.size !== undefined && bytes > source.size) return cb(new IntegrityError(`content is larger than ${source.size} bytes`));
          hash?.update(chunk);
          cb(null, chunk);
        },
      });
      if (!source.open) throw new TypeError('WriteSource needs file, open() or copy()');
      const src = await source.open();
      await pipeline(src as Readable, tap, out);
    }
    if (source.size !== undefined && bytes !== source.size) {
      throw new IntegrityError(`expected ${source.size} bytes, got ${bytes} (the stored object may be corrupt; run \`tslfs fsck\`)`);
    }
    if (hash && source.oid) {
      const got = hash.digest('hex');
      if (got !== source.oid) throw new IntegrityError(`expected OID ${source.oid}, got ${got} (the stored object is corrupt; run \`tslfs fsck\`)`);
    }
    if (keepMode && !modeSet) await chmod(tmp, mode);
    if (beforeRename) await beforeRename();
    await rename(tmp, target);
    return { bytes, ino };
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
}

/**
 * Write one file into the work tree (see the module contract). With `dirs` (or, when none is
 * given, a DirHandles made for this call), parent directories are opened and named through
 * descriptors, so a directory swapped for a symlink during the write cannot redirect it (HR10);
 * where /proc/self/fd is not available the path-based checks are used.
 */
export async function writeWorktreeFile(opts: WorktreeWriteOptions): Promise<WriteOutcome> {
  if (!opts.workTree) throw new TslfsError('This operation must be run in a work tree.', { code: 'ENOWORKTREE' });
  const rel = validateRepoPath(opts.path, opts.rules);
  const root = opts.workTree;
  if (!(await procFdUsable())) {
    const parent = await ensureParents(root, rel);
    return writeAt(fsPath(join(root, ...rel.split('/'))), rel, opts, () => recheckParents(root, rel, parent));
  }
  const own = opts.dirs ? null : new DirHandles(root);
  const dirs = opts.dirs ?? own!;
  try {
    const cut = rel.lastIndexOf('/');
    const dir = await dirs.dir(cut < 0 ? '' : rel.slice(0, cut));
    try {
      return await writeAt(fsPath(`${dir.path}/${rel.slice(cut + 1)}`), rel, opts, async () => {});
    } finally {
      await dir.release();
    }
  } finally {
    await own?.close();
  }
}

/** The write itself, at `target` (a path whose directory part has been checked; bytes for a name that is not UTF-8). */
async function writeAt(target: string | Buffer, rel: string, opts: WorktreeWriteOptions, recheck: () => Promise<void>): Promise<WriteOutcome> {
  let st: Stats | null;
  try {
    st = lstatSync(target, { throwIfNoEntry: false }) ?? null;
  } catch (e) {
    if (code(e) === 'ENOTDIR') throw new UnsafePathError(rel, 'not a directory');
    throw e;
  }
  if (st && !st.isFile()) throw new UnsafePathError(rel, 'not a regular file');
  if (st && opts.canReplace && !(await opts.canReplace(target, st))) return { written: false, skipped: true };
  const mode = st ? st.mode & 0o7777 : opts.executable ? 0o777 : 0o666;
  const write = isSmallFileSource(opts.source) ? writeSmallViaTemp : writeViaTemp;
  const { bytes, ino } = await write(target, opts.source, mode, Boolean(st), async () => {
    await recheck();
    const now = lstatSync(target, { throwIfNoEntry: false }) ?? null;
    if (now && !now.isFile()) throw new UnsafePathError(rel, 'not a regular file');
    // The file that canReplace approved must still be the one we replace (a user edit, or a
    // file appearing, while we wrote is left alone).
    if (st ? !now || now.ino !== st.ino || now.size !== st.size || now.mtimeMs !== st.mtimeMs : now) {
      throw new TslfsError(`${rel} changed while it was being checked out; left as it is`, { code: 'ECHANGED' });
    }
  });
  let after: BigIntStats | null = null;
  try {
    after = lstatSync(target, { bigint: true, throwIfNoEntry: false }) ?? null;
  } catch {
    after = null;
  }
  return after && after.ino === ino ? { written: true, bytes, created: !st, stat: after } : { written: true, bytes, created: !st };
}

/** Objects up to this size are written with synchronous calls (writeSmallViaTemp). */
const SMALL_FILE = 256 * 1024;

function isSmallFileSource(source: WriteSource): boolean {
  return Boolean(source.file) && !source.copy && source.size !== undefined && source.size <= SMALL_FILE;
}

/**
 * writeViaTemp for a small local file, with synchronous calls. Why: each asynchronous file
 * operation is a round trip through libuv's thread pool (a lock, a wake-up, an event-loop turn),
 * and a small file needs a dozen of them; with thousands of small files (a clone's pull) that
 * overhead, not the I/O, was most of the time. Same guarantees: O_EXCL|O_NOFOLLOW temp file,
 * hash and size checked before the rename, temp removed on any failure. Reads at most
 * SMALL_FILE + 1 bytes.
 */
async function writeSmallViaTemp(target: string | Buffer, source: WriteSource, mode: number, keepMode: boolean, beforeRename?: () => Promise<void>): Promise<{ bytes: number; ino: bigint }> {
  const tmp = tempNameFor(target);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  let open = true;
  try {
    const ino = fstatSync(fd, { bigint: true }).ino;
    const limit = source.size!;
    const data = Buffer.allocUnsafe(limit + 1);
    let bytes = 0;
    const src = openSync(source.file!, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      for (;;) {
        const n = readSync(src, data, bytes, data.length - bytes, null);
        if (n === 0) break;
        bytes += n;
        if (bytes > limit) throw new IntegrityError(`content is larger than ${limit} bytes`);
      }
    } finally {
      closeSync(src);
    }
    if (bytes !== limit) throw new IntegrityError(`expected ${limit} bytes, got ${bytes} (the stored object may be corrupt; run \`tslfs fsck\`)`);
    const content = data.subarray(0, bytes);
    if (source.oid) {
      const got = createHash('sha256').update(content).digest('hex');
      if (got !== source.oid) throw new IntegrityError(`expected OID ${source.oid}, got ${got} (the stored object is corrupt; run \`tslfs fsck\`)`);
    }
    let off = 0;
    while (off < bytes) off += writeSync(fd, content, off, bytes - off);
    if (keepMode) fchmodSync(fd, mode);
    closeSync(fd);
    open = false;
    if (beforeRename) await beforeRename();
    renameSync(tmp, target);
    return { bytes, ino };
  } catch (e) {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Write to a path given by the user (`checkout --to <path>`), which may be outside the work
 * tree: relative paths are resolved against `cwd`, missing parent directories are created
 * (the user chose the location, so existing parents are used as they are), and an existing
 * symlink or file at the final path is replaced, never written through. A directory there is
 * refused ("not a regular file"). Same temp-and-rename guarantees as writeWorktreeFile.
 */
export async function writeUserFile(cwd: string, path: string, source: WriteSource): Promise<{ path: string; bytes: number }> {
  if (path.length === 0 || path.includes('\0')) throw new UnsafePathError(path, 'invalid path');
  const target = resolve(cwd, path);
  await mkdir(dirname(target), { recursive: true });
  const st = await lstat(target).catch((e) => {
    if (code(e) === 'ENOENT') return null;
    throw e;
  });
  if (st && !st.isFile() && !st.isSymbolicLink()) throw new UnsafePathError(target, 'not a regular file');
  const keep = st?.isFile() ?? false;
  const { bytes } = await writeViaTemp(target, source, keep ? st!.mode & 0o7777 : 0o666, keep);
  return { path: target, bytes };
}

const NUL = Buffer.from([0]);

export interface IndexedFile {
  /** Repo-relative path (a name that is not UTF-8 escaped as decodePathBytes does). */
  path: string;
  /** The index entry's mode (e.g. 100644) and blob (the pointer) before the write. */
  mode: string;
  blobOid: string;
}

/**
 * After content was written for index entries that hold pointers, record the new stat data so
 * that `git status` is clean. The index entry may have been made when the file was a pointer
 * (so git recorded the pointer's size and would call the file modified without looking at its
 * content), so a plain `update-index --refresh` cannot fix it: the paths are fed to one
 * `git update-index -q -z --stdin`, which re-indexes each stat-dirty path through the configured
 * LFS filter (one filter-process for all of them) and leaves the rest alone. The process is
 * started on the first add() and fed while later files are still being written, so git's
 * re-cleaning overlaps the writing (as git-lfs does).
 *
 * Safety net (finish()): afterwards the staged blob of every path is compared with the pointer
 * blob it had; any entry that changed (no LFS filter configured, or a filter producing
 * something else) is put back with `update-index --index-info`, so this never stages anything.
 * Not safe for concurrent add() calls from several writers without awaiting each.
 */
export class IndexRefresher {
  private child: ReturnType<typeof spawnGit> | null = null;
  private exited: Promise<{ code: number; stderr: string }> | null = null;
  private readonly files: IndexedFile[] = [];

  constructor(
    private readonly workTree: string,
    private readonly env: Env,
  ) {}

  async add(f: IndexedFile): Promise<void> {
    this.files.push(f);
    if (!this.child) {
      const child = spawnGit(['update-index', '-q', '-z', '--stdin'], { cwd: this.workTree, env: this.env });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.stdout!.resume();
      child.stdin!.on('error', () => {});
      this.exited = new Promise((resolve) => {
        child.on('error', (e) => resolve({ code: 127, stderr: e.message }));
        child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
      });
      this.child = child;
    }
    const stdin = this.child.stdin!;
    // If git died (index.lock held, ...) 'drain' never comes: finish() reports the failure.
    if (!stdin.destroyed && !stdin.write(Buffer.concat([encodePathBytes(f.path), NUL]))) await Promise.race([new Promise<void>((r) => stdin.once('drain', r)), this.exited]);
  }

  /** Returns the paths whose entries could not be refreshed. Throws GitError when git failed. */
  async finish(): Promise<string[]> {
    if (!this.child) return [];
    this.child.stdin!.end();
    const { code, stderr } = await this.exited!;
    if (code !== 0) throw new GitError(['update-index', '--stdin'], code, stderr);
    const r = await git(['ls-files', '-s', '-z', '--full-name'], { cwd: this.workTree, env: this.env });
    const now = new Map<string, string>();
    for (const rec of splitNulPaths(r.stdout)) {
      const tab = rec.indexOf('\t');
      const [mode, oid, stage] = rec.slice(0, tab).split(' ');
      if (stage === '0') now.set(rec.slice(tab + 1), `${mode} ${oid}`);
    }
    const restore = this.files.filter((f) => now.get(f.path) !== `${f.mode} ${f.blobOid}`);
    if (restore.length > 0) {
      const info = Buffer.concat(restore.map((f) => Buffer.concat([Buffer.from(`${f.mode} ${f.blobOid}\t`), encodePathBytes(f.path), NUL])));
      await git(['update-index', '-z', '--index-info'], { cwd: this.workTree, env: this.env, input: info });
    }
    return restore.map((f) => f.path);
  }
}

/**
 * Make the index entries of files we just wrote clean without re-reading them: their stat data
 * is patched into the index (patchIndexStats); entries that could not be patched that way (no
 * stat, an index format it does not handle, an entry that changed meanwhile) go through
 * IndexRefresher. Returns the paths left for git to re-check. Throws IndexLockedError or
 * GitError when the index cannot be updated at all.
 */
export async function recordWrittenEntries(workTree: string, env: Env, files: ReadonlyArray<IndexedFile & { stat?: BigIntStats }>): Promise<string[]> {
  if (files.length === 0) return [];
  const withStat = files.filter((f): f is IndexedFile & { stat: BigIntStats } => f.stat !== undefined);
  let patched = new Set<string>();
  if (withStat.length > 0) {
    const [indexPath, algo] = (await gitText(['rev-parse', '--path-format=absolute', '--git-path', 'index', '--show-object-format'], { cwd: workTree, env })).split('\n');
    if (indexPath && (algo === 'sha1' || algo === 'sha256')) patched = (await patchIndexStats(indexPath, algo, withStat)).patched;
  }
  const rest = files.filter((f) => !patched.has(f.path));
  return rest.length > 0 ? refreshIndexEntries(workTree, env, rest) : [];
}

/** One-shot form of IndexRefresher for callers that have the whole list. */
export async function refreshIndexEntries(workTree: string, env: Env, files: readonly IndexedFile[]): Promise<string[]> {
  const r = new IndexRefresher(workTree, env);
  for (const f of files) await r.add(f);
  return r.finish();
}

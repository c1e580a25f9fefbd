/**
 * The local LFS object store: `objects/OID[0:2]/OID[2:4]/OID`.
 *
 * Contract: a file appears at an object path only by rename, after the bytes written to a temp
 * file in `tmp/` hashed to the oid and had the expected size. Readers therefore never see a
 * partial object; a killed writer leaves at most a temp file. All methods are safe to call
 * concurrently (from one or several processes): two writers of one oid both rename identical,
 * verified bytes.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, constants, createReadStream, createWriteStream, lstatSync, mkdirSync, openSync, renameSync, writevSync, type ReadStream, type WriteStream } from 'node:fs';
import { copyFile, link, lstat, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { IntegrityError, TslfsError } from '../errors/TslfsError.js';
import { EMPTY_OID, isOid } from '../model/oid.js';
import type { StoreLayout } from './layout.js';
import { registerTempFile, unregisterTempFile } from './liveTempFiles.js';

export interface StoredObject {
  oid: string;
  size: number;
}

/** `aa/bb/<oid>`; throws on a non-oid (paths are only ever built from validated oids). */
export function objectRelPath(oid: string): string {
  if (!isOid(oid)) throw new TslfsError(`invalid object id: ${JSON.stringify(oid.slice(0, 80))}`, { code: 'EBADOID' });
  return `${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
}

/**
 * A unique part for temp names: 4 random bytes drawn once per process, then a counter. A fetch
 * names thousands of temp files, and drawing random bytes for each cost more than writing some
 * of them. Still 16 hex digits after the pid, the shape resumableTempName's readers expect.
 */
const TEMP_PREFIX = randomBytes(4).toString('hex');
let tempSeq = 0;
function uniquePart(): string {
  tempSeq = (tempSeq + 1) >>> 0;
  return TEMP_PREFIX + tempSeq.toString(16).padStart(8, '0');
}

function tempName(): string {
  return `${process.pid}-${uniquePart()}.tmp`;
}

/**
 * The temp name of a resumable download: `<oid>.<pid>-<random>.part`, so that when the process
 * is killed (no abort() to keep the bytes in incomplete/) a later run can still find the bytes.
 */
function resumableTempName(oid: string): string {
  return `${oid}.${process.pid}-${uniquePart()}.part`;
}

/**
 * Whether process `pid` has ended. A zombie counts as ended: a killed process whose parent died
 * too stays a zombie under a PID 1 that never reaps (containers without an init), yet writes
 * nothing any more (Linux: state Z in /proc/<pid>/stat).
 */
async function processGone(pid: number): Promise<boolean> {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return /^\d+ \(.*\) Z/s.test(stat);
}

/**
 * Streams bytes into a temp file while hashing them. Call write() for each chunk (await it for
 * backpressure), then commit() to verify and rename into the store, or abort() to discard.
 * Not safe for concurrent write() calls.
 */
/**
 * Objects up to this size are written to disk at commit() (see ObjectWriter.held). Small on
 * purpose: bigger downloads stream to disk early, so a killed download leaves a part file
 * worth resuming with a Range request.
 */
const SMALL_OBJECT = 64 * 1024;

export class ObjectWriter {
  private readonly hash: Hash = createHash('sha256');
  private out: WriteStream | null = null;
  private failed: Error | null = null;
  private done = false;
  size = 0;
  /**
   * Bytes already present when the writer was created (a resumed download's part file, see
   * LfsStore.newWriter's `resume`); 0 otherwise. The next write appends after them.
   */
  offset = 0;

  constructor(
    private readonly store: LfsStore,
    private readonly tmpPath: string,
    /** Where abort() keeps the bytes for a later resume (null: abort discards them). */
    private readonly partPath: string | null = null,
  ) {
    registerTempFile(tmpPath, partPath);
  }

  /** Take over an existing temp file's bytes (hashing them) before any write. */
  async adoptExisting(): Promise<void> {
    const fh = await open(this.tmpPath, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        this.hash.update(buf.subarray(0, bytesRead));
        this.size += bytesRead;
      }
    } finally {
      await fh.close();
    }
    this.offset = this.size;
  }

  private ensureOpen(): WriteStream {
    if (!this.out) {
      this.out = createWriteStream(this.tmpPath, { flags: this.offset > 0 ? 'a' : 'wx', highWaterMark: 1 << 20 });
      this.out.on('error', (e) => {
        this.failed ??= e;
      });
    }
    return this.out;
  }

  /**
   * Bytes held in memory before the temp file is opened: an object that fits in SMALL_OBJECT is
   * written with one open/write/close at commit() instead of a stream's (the cost of many small
   * downloads is their file operations, not their bytes). Bounded: past SMALL_OBJECT they are
   * flushed into the stream and everything after streams.
   */
  private held: Buffer[] = [];
  private heldBytes = 0;

  async write(chunk: Buffer): Promise<void> {
    if (this.failed) throw this.wrap(this.failed);
    if (chunk.length === 0) return;
    this.hash.update(chunk);
    this.size += chunk.length;
    if (!this.out && this.offset === 0 && this.heldBytes + chunk.length <= SMALL_OBJECT) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      return;
    }
    const out = this.ensureOpen();
    let ok = true;
    if (this.held.length > 0) {
      for (const c of this.held) ok = out.write(c);
      this.held = [];
      this.heldBytes = 0;
    }
    ok = out.write(chunk) && ok;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('error', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('error', done);
        out.on('close', done);
      });
      if (this.failed) throw this.wrap(this.failed);
    }
  }

  /** Write held bytes (an object that never needed a stream) to the temp file in one go. */
  private writeHeldSync(): void {
    if (this.out || this.held.length === 0) return;
    const fd = openSync(this.tmpPath, 'wx');
    try {
      writevSync(fd, this.held);
    } finally {
      closeSync(fd);
    }
    this.held = [];
    this.heldBytes = 0;
  }

  private wrap(e: Error): Error {
    if (e instanceof TslfsError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOSPC' ? 'no space left on device' : code === 'EFBIG' ? 'file too large' : e.message;
    return new TslfsError(`error writing LFS object to ${this.tmpPath}: ${what}`, { code: code ?? 'EIO', cause: e });
  }

  private async closeOut(): Promise<void> {
    const out = this.out;
    if (!out) return;
    if (!out.closed) {
      await new Promise<void>((resolve) => {
        out.end(() => resolve());
        out.once('error', () => resolve());
      });
    }
  }

  /**
   * Verify and move into the store. With `expect`, the oid and size must match or an
   * IntegrityError is thrown and nothing is stored. Empty content is never stored.
   */
  async commit(expect?: StoredObject): Promise<StoredObject> {
    if (this.done) throw new Error('ObjectWriter already finished');
    this.done = true;
    let moved = false;
    try {
      await this.closeOut();
      if (this.failed) throw this.wrap(this.failed);
      const oid = this.hash.digest('hex');
      if (expect && (expect.oid !== oid || expect.size !== this.size)) {
        throw new IntegrityError(`expected OID ${expect.oid}, got ${oid} after ${this.size} bytes written`);
      }
      if (oid !== EMPTY_OID && !this.out && this.offset === 0 && this.held.length > 0) {
        // A small object that never needed a stream: write, then rename into place, with
        // synchronous calls. Each async file operation is a thread-pool round trip that costs
        // more than the few syscalls of a <= SMALL_OBJECT file, and a fetch does thousands.
        try {
          this.writeHeldSync();
        } catch (e) {
          throw this.wrap(e as Error);
        }
        this.store.adoptTemp(this.tmpPath, oid);
        moved = true;
        return { oid, size: this.size };
      }
      // A resumed file was also on disk before this writer: hash what is there now, so that
      // bytes anyone else appended to an adopted file can never reach objects/ (P1).
      if (this.offset > 0) {
        const st = await lstat(this.tmpPath);
        const onDisk = st.size === this.size ? await hashFile(this.tmpPath) : null;
        if (onDisk !== oid) throw new IntegrityError(`expected OID ${oid}, got ${onDisk ?? 'another size'} on disk after resuming at ${this.offset} bytes`);
      }
      if (oid !== EMPTY_OID) {
        this.store.adoptTemp(this.tmpPath, oid);
        moved = true;
      }
      return { oid, size: this.size };
    } finally {
      if (!moved) await rm(this.tmpPath, { force: true }).catch(() => {});
      unregisterTempFile(this.tmpPath);
    }
  }

  /**
   * Discard the bytes; a resumable writer (newWriter's `resume`) instead keeps what it has as
   * `incomplete/<oid>.part` when nothing failed locally, for a later Range request.
   */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      if (this.partPath && this.size > 0 && !this.failed) {
        try {
          this.writeHeldSync();
          await this.closeOut();
          if (!this.failed) {
            await rename(this.tmpPath, this.partPath);
            this.store.notePartKept(this.partPath);
            return;
          }
        } catch {
          /* fall through: discard */
        }
      }
      // Wait for the stream to close: destroy() during a pending open would otherwise let the
      // open create the file after the rm below.
      const out = this.out;
      if (out && !out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()).destroy());
      await rm(this.tmpPath, { force: true }).catch(() => {});
    } finally {
      unregisterTempFile(this.tmpPath);
    }
  }
}

export class LfsStore {
  constructor(readonly layout: StoreLayout) {}

  /**
   * objects/aa/bb/<oid>; throws on a non-oid. Concatenated, not joined (objectsDir is already a
   * normalized path): a checkout asks for thousands of these.
   */
  objectPath(oid: string): string {
    return `${this.layout.objectsDir}/${objectRelPath(oid)}`;
  }

  /**
   * Size of the local object file, or null when absent or not a regular file. One synchronous
   * lstat: cheaper than a thread-pool round trip, and callers ask for thousands of objects.
   */
  async localSize(oid: string): Promise<number | null> {
    return this.localSizeSync(oid);
  }

  private localSizeSync(oid: string): number | null {
    let st;
    try {
      st = lstatSync(this.objectPath(oid), { throwIfNoEntry: false });
    } catch {
      return null;
    }
    return st && st.isFile() ? st.size : null;
  }

  /** True when the object is present locally with the expected size (empty content always is). */
  async hasLocal(oid: string, size: number): Promise<boolean> {
    if (oid === EMPTY_OID && size === 0) return true;
    return this.localSizeSync(oid) === size;
  }

  /**
   * A writer into a new temp file. With `resume` (a download of that object), the writer first
   * claims `incomplete/<oid>.part` left by an earlier attempt or process (an atomic rename, so
   * two processes never share one) or, failing that, the temp file of a killed process that was
   * downloading the same oid (claimOrphan), hashes it and appends after it (`offset`); abort()
   * keeps the bytes in incomplete/ again. A part at least as big as the object is discarded.
   */
  async newWriter(opts: { resume?: StoredObject } = {}): Promise<ObjectWriter> {
    this.ensureDir(this.layout.tmpDir);
    const r = opts.resume;
    if (!r) return new ObjectWriter(this, join(this.layout.tmpDir, tempName()));
    objectRelPath(r.oid); // validates the oid before it names a file
    this.ensureDir(this.layout.incompleteDir);
    const part = join(this.layout.incompleteDir, `${r.oid}.part`);
    const rtmp = join(this.layout.tmpDir, resumableTempName(r.oid));
    const w = new ObjectWriter(this, rtmp, part);
    const seen = await this.resumables();
    const claimed =
      ((seen.parts.has(r.oid) || this.partsWritten.has(part)) && (await rename(part, rtmp).then(() => true, () => false))) ||
      (await this.claimOrphan(seen.orphans.get(r.oid), rtmp));
    if (!claimed) return w;
    const tmp = rtmp;
    const st = await lstat(tmp).catch(() => null);
    if (!st || !st.isFile() || st.size >= r.size) {
      await rm(tmp, { force: true }).catch(() => {});
      return w;
    }
    await w.adoptExisting();
    return w;
  }

  /** Directories this store instance has made sure exist (each mkdir is done once per run). */
  private readonly madeDirs = new Set<string>();

  /** mkdir -p once per directory and run; synchronous, a metadata operation (see adoptTemp). */
  private ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /** Part files that writers of this instance left in incomplete/ (abort()). */
  private readonly partsWritten = new Set<string>();

  /** @internal ObjectWriter.abort() reports a part it kept. */
  notePartKept(partPath: string): void {
    this.partsWritten.add(partPath);
  }

  private resumablesP: Promise<{ parts: Set<string>; orphans: Map<string, string[]> }> | null = null;

  /**
   * What earlier runs left to resume from, listed once per store instance (one readdir of
   * incomplete/ and of tmp/, not one per download): part files by oid, and resumable temp files
   * by oid. Parts kept by this instance's own writers are tracked in partsWritten.
   */
  private resumables(): Promise<{ parts: Set<string>; orphans: Map<string, string[]> }> {
    this.resumablesP ??= (async () => {
      const parts = new Set<string>();
      for (const name of await readdir(this.layout.incompleteDir).catch(() => [] as string[])) {
        const m = /^([0-9a-f]{64})\.part$/.exec(name);
        if (m) parts.add(m[1]!);
      }
      const orphans = new Map<string, string[]>();
      for (const name of await readdir(this.layout.tmpDir).catch(() => [] as string[])) {
        const m = /^([0-9a-f]{64})\.(\d+)-[0-9a-f]{16}\.part$/.exec(name);
        if (!m) continue;
        const list = orphans.get(m[1]!) ?? [];
        list.push(name);
        orphans.set(m[1]!, list);
      }
      return { parts, orphans };
    })();
    return this.resumablesP;
  }

  /**
   * Claim (rename to `dest`) the biggest of `names` (resumable temp files of one oid in tmp/)
   * that a process which no longer runs left behind (killed mid-download, F1). Files of live
   * processes are never touched; the rename is atomic, so two claimants never share one file.
   */
  private async claimOrphan(names: readonly string[] | undefined, dest: string): Promise<boolean> {
    if (!names) return false;
    const cands: Array<{ path: string; size: number }> = [];
    for (const name of names) {
      const pid = Number(/\.(\d+)-[0-9a-f]{16}\.part$/.exec(name)![1]);
      if (!(await processGone(pid))) continue;
      const path = join(this.layout.tmpDir, name);
      const st = await lstat(path).catch(() => null);
      if (st?.isFile()) cands.push({ path, size: st.size });
    }
    cands.sort((a, b) => b.size - a.size);
    for (const c of cands) {
      if (await rename(c.path, dest).then(() => true, () => false)) return true;
    }
    return false;
  }

  /** Stream a Readable into the store (see ObjectWriter.commit for `expect`). */
  async insert(src: Readable | AsyncIterable<Buffer>, expect?: StoredObject): Promise<StoredObject> {
    const w = await this.newWriter();
    try {
      for await (const chunk of src) await w.write(chunk as Buffer);
      return await w.commit(expect);
    } catch (e) {
      await w.abort();
      throw e;
    }
  }

  /**
   * Move a verified temp file to its object path. Internal to the store: callers must have
   * hashed the bytes themselves. The rename replaces whatever is there: an existing object has
   * the same verified bytes, and a corrupt one is repaired. Throws (leaving `tmpPath` for the
   * caller to remove) when the move fails.
   *
   * Synchronous on purpose: at most one mkdir per directory and run, and a rename, metadata
   * operations that each cost less than a thread-pool round trip. No lstat of the destination
   * first: a fetch of thousands of new objects would pay it for nothing.
   */
  adoptTemp(tmpPath: string, oid: string): void {
    const dest = this.objectPath(oid);
    const dir = join(this.layout.objectsDir, oid.slice(0, 2), oid.slice(2, 4));
    this.ensureDir(dir);
    try {
      renameSync(tmpPath, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // The directory went away since this run made it (a concurrent prune): make it again.
      mkdirSync(dir, { recursive: true });
      renameSync(tmpPath, dest);
    }
  }

  /**
   * Make the object local if a reference store (git alternates) has it: the candidate is
   * hashed first (symlinks refused), then hard-linked or copied in. Returns true when the object
   * is local afterwards. An object already in the store (or, without alternates, a missing one)
   * costs one synchronous lstat: filter-process and checkout call this for every file.
   */
  async ensureLocal(oid: string, size: number): Promise<boolean> {
    if (await this.hasLocal(oid, size)) return true;
    for (const dir of this.layout.referenceObjectDirs) {
      const cand = join(dir, objectRelPath(oid));
      const st = await lstat(cand).catch(() => null);
      if (!st || !st.isFile() || st.size !== size) continue;
      if ((await hashFile(cand)) !== oid) continue;
      this.ensureDir(this.layout.tmpDir);
      const tmp = join(this.layout.tmpDir, tempName());
      try {
        await link(cand, tmp).catch(() => copyFile(cand, tmp));
        if ((await hashFile(tmp)) !== oid) continue; // changed under us
        this.adoptTemp(tmp, oid);
        return true;
      } finally {
        await rm(tmp, { force: true }).catch(() => {});
      }
    }
    return false;
  }

  /**
   * A local object's bytes in chunks of at most 1 MiB (one read for a smaller object), opened
   * with O_NOFOLLOW on first read and closed when the reader stops, so a consumer that fails
   * before reading holds no descriptor. With `limit`, more bytes than that throw IntegrityError.
   * Throws ENOENT-style errors if absent.
   */
  async *readChunks(oid: string, limit?: number): AsyncGenerator<Buffer> {
    const fh = await open(this.objectPath(oid), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const st = await fh.stat();
      const bufSize = Math.max(1, Math.min(st.size + 1, 1 << 20));
      let total = 0;
      for (;;) {
        const buf = Buffer.allocUnsafe(bufSize);
        const { bytesRead } = await fh.read(buf, 0, bufSize, null);
        if (bytesRead === 0) return;
        total += bytesRead;
        if (limit !== undefined && total > limit) throw new IntegrityError(`LFS object ${oid} is larger than its pointer's ${limit} bytes; run \`tslfs fsck\``);
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }

  /** A stream of a local object's bytes. Throws ENOENT-style errors if absent. */
  openRead(oid: string, opts: { highWaterMark?: number } = {}): ReadStream {
    return createReadStream(this.objectPath(oid), { highWaterMark: opts.highWaterMark ?? 1 << 20 });
  }

  /** Remove one object (used by fsck to move and by prune). */
  async remove(oid: string): Promise<void> {
    await unlink(this.objectPath(oid)).catch(() => {});
  }

  async exists(path: string): Promise<boolean> {
    return (await stat(path).catch(() => null)) !== null;
  }

  /**
   * Remove leftovers in tmp/: files older than `maxAgeMs` (default 1 hour, as git-lfs), which
   * killed processes left behind. Newer files may belong to a running process and are kept.
   * Never throws; returns how many files were removed.
   */
  async cleanupTmp(now = Date.now(), maxAgeMs = 3600_000): Promise<number> {
    let removed = 0;
    const names = await readdir(this.layout.tmpDir).catch(() => [] as string[]);
    for (const name of names) {
      const p = join(this.layout.tmpDir, name);
      const st = await lstat(p).catch(() => null);
      if (!st || !st.isFile() || now - st.mtimeMs < maxAgeMs) continue;
      await unlink(p).then(() => removed++, () => {});
    }
    return removed;
  }
}

/** SHA-256 of a file, streamed. */
export async function hashFile(path: string | Buffer): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/**
 * Record fresh stat data for index entries whose work tree files we have just written, by
 * patching the index file in place under git's lock (`index.lock`, O_EXCL, then rename) instead
 * of asking git to re-check the files.
 *
 * Why: after LFS content replaces a pointer in the work tree, the index still holds the stat data
 * of the pointer file (or none), so git would call the file modified and, to find out, run it
 * back through the clean filter (git-lfs's `update-index --refresh` does exactly that: a second
 * full read and hash of every file checked out). We wrote the files ourselves from content whose
 * clean result is the staged pointer blob, so we can state the entry is clean, as git's own
 * checkout does when it writes a file: the stat recorded is the lstat of the file right after it
 * was renamed into place.
 *
 * Only stat fields change (fixed-size fields at the start of each entry), so entry lengths,
 * extensions (cache tree, untracked cache, offsets tables, sparse directories, fsmonitor) stay
 * valid; the trailing checksum is recomputed (or left zero with index.skipHash).
 *
 * Racy-git: entries we do not touch whose mtime is not older than the index we read could hide
 * a same-second modification once the index gets a newer mtime; as git does when it writes the
 * index, their size is set to 0 ("smudged") so that git re-checks their content.
 *
 * Refuses (returns `unsupported`, index untouched) a split index (`link` extension), unknown
 * versions, or a checksum that does not match. Throws IndexLockedError when index.lock exists;
 * other I/O errors propagate after the lock file is removed. Not safe to call concurrently for
 * one index (the lock makes the second caller fail, as with git).
 */
import { createHash } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { TslfsError } from '../errors/TslfsError.js';
import { decodePathBytes, encodePathBytes } from '../model/pathBytes.js';

export interface StatPatch {
  /** Repo-relative path as git stores it (a name that is not UTF-8 escaped as model/pathBytes.ts does). */
  path: string;
  /** The entry must still be stage 0 with this mode (e.g. 100644) and blob, or it is left alone. */
  mode: string;
  blobOid: string;
  /** lstat (bigint) of the file as written. */
  stat: BigIntStats;
}

export interface PatchResult {
  /** Paths whose entries now carry the new stat data. */
  patched: Set<string>;
  /** Why nothing was patched (index format not handled); the index is untouched then. */
  unsupported?: string;
}

export class IndexLockedError extends TslfsError {
  constructor(lockPath: string) {
    super(`Unable to create '${lockPath}': File exists. (is another git process running?)`, { code: 'EINDEXLOCK' });
  }
}

const U32 = 0x1_0000_0000n;
const u32 = (v: bigint): number => Number(((v % U32) + U32) % U32);

/** Decode git's offset varint used by index v4 (returns value and new offset). */
function readVarint(buf: Buffer, off: number): [number, number] {
  let c = buf[off++]!;
  let val = c & 0x7f;
  while (c & 0x80) {
    c = buf[off++]!;
    val = ((val + 1) * 128) | (c & 0x7f);
  }
  return [val, off];
}

interface EntryRef {
  start: number;
  name: Buffer;
  stage: number;
  mode: number;
  skipWorktree: boolean;
}

/** Parse the entries' positions and names. Throws Error on a malformed index. Pure. */
function parseEntries(buf: Buffer, hashLen: number): { version: number; entries: EntryRef[]; end: number } {
  if (buf.length < 12 + hashLen || buf.toString('latin1', 0, 4) !== 'DIRC') throw new Error('not a git index');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new Error(`index version ${version} not supported`);
  const count = buf.readUInt32BE(8);
  const entries: EntryRef[] = [];
  let off = 12;
  let prev: Buffer = Buffer.alloc(0);
  const fixed = 40 + hashLen + 2;
  for (let i = 0; i < count; i++) {
    const start = off;
    if (start + fixed > buf.length - hashLen) throw new Error('index truncated');
    const mode = buf.readUInt32BE(start + 24);
    const flags = buf.readUInt16BE(start + 40 + hashLen);
    let p = start + fixed;
    let skipWorktree = false;
    if (flags & 0x4000) {
      if (version < 3) throw new Error('extended flag in a version 2 index');
      skipWorktree = (buf.readUInt16BE(p) & 0x4000) !== 0;
      p += 2;
    }
    let name: Buffer;
    if (version === 4) {
      const [strip, q] = readVarint(buf, p);
      const nul = buf.indexOf(0, q);
      if (nul < 0 || strip > prev.length) throw new Error('index entry name malformed');
      name = Buffer.concat([prev.subarray(0, prev.length - strip), buf.subarray(q, nul)]);
      off = nul + 1;
    } else {
      const nul = buf.indexOf(0, p);
      if (nul < 0) throw new Error('index entry name malformed');
      name = buf.subarray(p, nul);
      // Entries are NUL-padded to a multiple of 8 bytes (at least one NUL).
      off = start + ((p - start + name.length + 8) & ~7);
    }
    if (off > buf.length - hashLen) throw new Error('index truncated');
    entries.push({ start, name, stage: (flags >> 12) & 3, mode, skipWorktree });
    prev = name;
  }
  return { version, entries, end: off };
}

/** Returns the extension signatures; throws Error when they do not tile the rest of the file. */
function extensionNames(buf: Buffer, off: number, hashLen: number): string[] {
  const names: string[] = [];
  const stop = buf.length - hashLen;
  while (off < stop) {
    if (off + 8 > stop) throw new Error('index extension truncated');
    names.push(buf.toString('latin1', off, off + 4));
    off += 8 + buf.readUInt32BE(off + 4);
  }
  if (off !== stop) throw new Error('index extension truncated');
  return names;
}

/** True when `sd_mtime` is not older than the index file's mtime (git's is_racy_timestamp, by seconds). */
function isRacy(buf: Buffer, start: number, indexMtimeSec: bigint): boolean {
  const sec = BigInt(buf.readUInt32BE(start + 8));
  return indexMtimeSec !== 0n && sec >= indexMtimeSec;
}

function writeStat(buf: Buffer, start: number, st: BigIntStats): void {
  const ns = (t: bigint) => u32(t % 1_000_000_000n);
  const s = (t: bigint) => u32(t / 1_000_000_000n);
  buf.writeUInt32BE(s(st.ctimeNs), start);
  buf.writeUInt32BE(ns(st.ctimeNs), start + 4);
  buf.writeUInt32BE(s(st.mtimeNs), start + 8);
  buf.writeUInt32BE(ns(st.mtimeNs), start + 12);
  buf.writeUInt32BE(u32(st.dev), start + 16);
  buf.writeUInt32BE(u32(st.ino), start + 20);
  buf.writeUInt32BE(u32(st.uid), start + 28);
  buf.writeUInt32BE(u32(st.gid), start + 32);
  buf.writeUInt32BE(u32(st.size), start + 36);
}

/**
 * Patch `indexPath` (absolute) for `patches`. `hashAlgo` is the repository's object format
 * (`sha1` or `sha256`).
 */
export async function patchIndexStats(indexPath: string, hashAlgo: 'sha1' | 'sha256', patches: readonly StatPatch[]): Promise<PatchResult> {
  const result: PatchResult = { patched: new Set() };
  if (patches.length === 0) return result;
  const hashLen = hashAlgo === 'sha256' ? 32 : 20;
  const lockPath = `${indexPath}.lock`;
  const lock = await open(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') throw new IndexLockedError(lockPath);
    throw e;
  });
  let renamed = false;
  try {
    const fh = await open(indexPath, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (!fh) return { ...result, unsupported: 'no index file' };
    let buf: Buffer;
    let indexMtimeSec: bigint;
    try {
      indexMtimeSec = (await fh.stat({ bigint: true })).mtimeNs / 1_000_000_000n;
      buf = await fh.readFile();
    } finally {
      await fh.close();
    }
    let parsed: ReturnType<typeof parseEntries>;
    try {
      parsed = parseEntries(buf, hashLen);
      if (extensionNames(buf, parsed.end, hashLen).includes('link')) return { ...result, unsupported: 'split index' };
    } catch (e) {
      return { ...result, unsupported: (e as Error).message };
    }
    const trailer = buf.subarray(buf.length - hashLen);
    const skipHash = trailer.every((b) => b === 0);
    if (!skipHash) {
      const sum = createHash(hashAlgo).update(buf.subarray(0, buf.length - hashLen)).digest();
      if (!sum.equals(trailer)) return { ...result, unsupported: 'index checksum mismatch' };
    }
    const want = new Map<string, StatPatch>();
    for (const p of patches) want.set(p.path, p);
    const oidAt = (start: number) => buf.toString('hex', start + 40, start + 40 + hashLen);
    for (const e of parsed.entries) {
      const p = e.stage === 0 && !e.skipWorktree ? want.get(decodePathBytes(e.name)) : undefined;
      if (p && encodePathBytes(p.path).equals(e.name) && e.mode === parseInt(p.mode, 8) && oidAt(e.start) === p.blobOid) {
        writeStat(buf, e.start, p.stat);
        result.patched.add(p.path);
        continue;
      }
      // Not ours: keep git's racy-git guarantee (gitlinks are never racy).
      if ((e.mode & 0o170000) !== 0o160000 && isRacy(buf, e.start, indexMtimeSec)) buf.writeUInt32BE(0, e.start + 36);
    }
    if (result.patched.size === 0) return result;
    if (!skipHash) createHash(hashAlgo).update(buf.subarray(0, buf.length - hashLen)).digest().copy(buf, buf.length - hashLen);
    await lock.writeFile(buf);
    await lock.close();
    await rename(lockPath, indexPath);
    renamed = true;
    return result;
  } finally {
    if (!renamed) {
      await lock.close().catch(() => {});
      await rm(lockPath, { force: true }).catch(() => {});
    }
  }
}

/**
 * The smudge filter's core, split in steps so that filter-process can answer git's status
 * before it streams content:
 *   readSmudgeInput  -> pointer, or passthrough (not a pointer / bad fields / >= 1024 bytes)
 *   planSmudge       -> empty | pointer (skip, excluded) | local | missing
 *   writeObject      -> stream the local object (through extensions) to a sink
 * Object bytes are streamed in chunks of at most 1 MiB; only the pointer-sized head of the
 * input is buffered.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { TslfsError } from '../errors/TslfsError.js';
import { decodePointer, POINTER_MAX_SIZE, type DecodedPointer, type Pointer } from '../model/pointer.js';
import { readHead, type ByteSource } from './byteSource.js';
import { smudgeThroughExtensions } from './extensions.js';
import type { FilterSettings } from './FilterSettings.js';

export type SmudgeInput =
  | { kind: 'pointer'; pointer: DecodedPointer }
  /** `rest` is null when head is the whole content. */
  | { kind: 'passthrough'; head: Buffer; rest: ByteSource | null; reason: string };

export async function readSmudgeInput(src: ByteSource): Promise<SmudgeInput> {
  const { head, ended } = await readHead(src, POINTER_MAX_SIZE);
  if (!ended || head.length >= POINTER_MAX_SIZE) return { kind: 'passthrough', head, rest: ended ? null : src, reason: 'too large to be a pointer' };
  try {
    return { kind: 'pointer', pointer: decodePointer(head) };
  } catch (e) {
    if (e instanceof TslfsError) return { kind: 'passthrough', head, rest: null, reason: e.message };
    throw e;
  }
}

export type SmudgePlan = 'empty' | 'skip' | 'excluded' | 'local' | 'missing';

export async function planSmudge(p: Pointer, path: string, s: FilterSettings): Promise<SmudgePlan> {
  if (p.size === 0) return 'empty';
  if (s.skip) return 'skip';
  if (!s.fetchFilter(path)) return 'excluded';
  // One synchronous lstat of the store (then the alternates, if any): filter-process serves one
  // request at a time, and a thread-pool round trip per file would be most of a checkout's cost.
  // A local object of the wrong size does not count.
  return (await s.store.ensureLocal(p.oid, p.size)) ? 'local' : 'missing';
}

/** Objects up to this size are read with one synchronous read (see readSmallObject). */
export const SMALL_OBJECT = 256 * 1024;

/**
 * A small local object's bytes (expectedSize <= SMALL_OBJECT), read synchronously in one go:
 * filter-process serves one request at a time, so a thread-pool round trip per small file would
 * be most of a checkout's cost (see planSmudge). Returns what is there, up to expectedSize + 1
 * bytes (a grown file shows up as a size mismatch for the caller). Throws the fs error.
 */
export function readSmallObject(s: FilterSettings, oid: string, expectedSize: number): Buffer {
  const fd = openSync(s.store.objectPath(oid), 'r');
  try {
    const buf = Buffer.allocUnsafe(expectedSize + 1);
    let n = 0;
    for (;;) {
      const k = readSync(fd, buf, n, buf.length - n, null);
      if (k === 0) break;
      n += k;
      if (n === buf.length) break;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The local object's bytes, in chunks of at most 1 MiB (one read for small objects). */
export async function* readObject(s: FilterSettings, oid: string, expectedSize = -1): AsyncGenerator<Buffer> {
  if (expectedSize >= 0 && expectedSize <= SMALL_OBJECT) {
    yield readSmallObject(s, oid, expectedSize);
    return;
  }
  yield* s.store.readChunks(oid, expectedSize >= 0 ? expectedSize : undefined);
}

/** Stream a local object's content (after extensions) to sink. Throws on read/extension errors. */
export async function writeObject(p: Pointer, path: string, s: FilterSettings, sink: (c: Buffer) => Promise<void>): Promise<void> {
  if (p.extensions.length > 0) {
    await smudgeThroughExtensions({ source: readObject(s, p.oid), pointer: p, path, extensions: s.extensions, sink, cwd: s.cwd, env: s.env });
    return;
  }
  let n = 0;
  for await (const c of readObject(s, p.oid, p.size)) {
    n += c.length;
    await sink(c);
  }
  if (n !== p.size) throw new TslfsError(`LFS object ${p.oid} changed size while being read (${n} != ${p.size} bytes)`);
}

/** The message for an object that could not be obtained (git-lfs wording plus our hint). */
export function missingMessage(path: string, oid: string, cause?: unknown): string {
  const why = cause instanceof Error ? cause.message : 'object not found locally; run `tslfs fetch` to download it';
  return `Error downloading object: ${path} (${oid.slice(0, 7)}): Smudge error: ${why}`;
}

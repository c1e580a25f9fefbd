/**
 * The pieces of `pointer`: build the pointer of a file (streamed: the file is hashed in chunks,
 * never held in memory), read a pointer candidate (at most POINTER_MAX_SIZE bytes are kept:
 * anything longer is not a pointer), its git blob id, and the --check verdict.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { git, type Env } from '../git/exec.js';
import { PointerInputError } from '../errors/TslfsError.js';
import { POINTER_MAX_SIZE, decodePointer, encodePointer, type DecodedPointer, type Pointer } from '../model/pointer.js';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
};

function fileError(path: string, e: unknown, exitCode: number): PointerInputError {
  const err = e as NodeJS.ErrnoException;
  const op = err.code === 'EISDIR' ? 'read' : 'open';
  const text = (err.code && ERRNO_TEXT[err.code]) || err.message;
  return new PointerInputError(`${op} ${path}: ${text}`, exitCode);
}

/** The canonical pointer for a file's content (no extensions), hashing it as a stream. */
export async function pointerForFile(path: string, errorExitCode = 1, display = path): Promise<{ pointer: Pointer; text: string }> {
  const h = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      h.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (e) {
    throw fileError(display, e, errorExitCode);
  }
  const pointer: Pointer = { oid: h.digest('hex'), size, extensions: [] };
  return { pointer, text: encodePointer(pointer) };
}

export interface BoundedBytes {
  /** At most `limit` bytes. */
  data: Buffer;
  /** True when the input had more than `limit` bytes (the rest was not read). */
  more: boolean;
}

/** Read at most `limit` bytes of a stream; stops reading (without draining) past the limit. */
export async function readBoundedStream(src: Readable, limit = POINTER_MAX_SIZE): Promise<BoundedBytes> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of src) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    parts.push(b);
    n += b.length;
    if (n > limit) break;
  }
  const all = Buffer.concat(parts);
  return { data: all.subarray(0, Math.min(limit, all.length)), more: all.length > limit };
}

/** `display` is the name used in error messages (what the user typed). */
export async function readBoundedFile(path: string, limit = POINTER_MAX_SIZE, errorExitCode = 1, display = path): Promise<BoundedBytes> {
  try {
    return await readBoundedStream(createReadStream(path, { highWaterMark: limit + 1 }), limit);
  } catch (e) {
    throw fileError(display, e, errorExitCode);
  }
}

/** Decode a candidate read by readBounded*; throws NotAPointerError/BadPointerError. */
export function decodeCandidate(b: BoundedBytes): DecodedPointer {
  // Longer input is never a pointer; decodePointer says why from the length.
  return decodePointer(b.more ? Buffer.concat([b.data, Buffer.alloc(1)]) : b.data);
}

/** The --check verdict: 0 a pointer, 1 not a pointer, 2 (strict only) a non-canonical pointer. */
export function checkVerdict(b: BoundedBytes, strict: boolean): 0 | 1 | 2 {
  let p: DecodedPointer;
  try {
    p = decodeCandidate(b);
  } catch {
    return 1;
  }
  return strict && !p.canonical ? 2 : 0;
}

/** The git blob id of some bytes (`git hash-object --stdin`, so the repo's hash algorithm). */
export async function gitBlobOid(data: Uint8Array, cwd: string, env: Env): Promise<string> {
  const r = await git(['hash-object', '--stdin'], { cwd, env, input: data });
  return r.stdout.toString('utf8').trim();
}

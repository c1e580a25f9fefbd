/**
 * smudgeBlob: what git's smudge filter would write for a blob, for callers that read blobs
 * themselves (isomorphic-git's readBlob) and have no filters.
 *
 * - Not a pointer (1024 bytes or more, or not parseable): `stream` yields the blob unchanged and
 *   `pointer` is null. The repository is not even opened.
 * - A pointer: `stream` yields the object's content from the local store, hash-verified while it
 *   flows (the stream fails with IntegrityError on corrupt or truncated store files). An object
 *   found only in a reference store (alternates) is copied in first; one found nowhere is asked
 *   from `fetchMissing`, else ObjectMissingError is thrown (before any stream is returned).
 * - A pointer with extensions throws TslfsError EEXTENSION (extensions run programs; the
 *   library does not).
 * Content is streamed, never buffered whole.
 */
import { Readable } from 'node:stream';
import { TslfsError } from '../errors/TslfsError.js';
import { ensureObjectLocal, type FetchMissing } from '../git/iso/ensureObjectLocal.js';
import { useIsoContext, type LfsRepoOptions } from '../git/iso/openIsoStore.js';
import { readVerifiedObject } from '../git/iso/readVerifiedObject.js';
import { POINTER_MAX_SIZE, tryDecodePointer, type DecodedPointer } from '../model/pointer.js';

export type { FetchMissing, MissingObject } from '../git/iso/ensureObjectLocal.js';

export interface SmudgeBlobOptions extends LfsRepoOptions {
  /** The blob's bytes as git stores them. */
  blob: Uint8Array;
  /** Repo-relative path, for messages and fetchMissing. */
  filepath?: string;
  fetchMissing?: FetchMissing;
}

export interface SmudgeBlobResult {
  /** The decoded pointer, or null when the blob is not a pointer (passed through). */
  pointer: DecodedPointer | null;
  /** Number of bytes `stream` yields. */
  size: number;
  stream: Readable;
}

export async function smudgeBlob(opts: SmudgeBlobOptions): Promise<SmudgeBlobResult> {
  const blob = opts.blob;
  const p = blob.length < POINTER_MAX_SIZE ? tryDecodePointer(blob) : null;
  if (!p) {
    const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    return { pointer: null, size: bytes.length, stream: Readable.from(bytes.length ? [bytes] : []) };
  }
  if (p.extensions.length > 0) {
    throw new TslfsError(`${opts.filepath ?? p.oid}: pointer uses extensions (${p.extensions.map((e) => e.name).join(', ')}), which the library does not run`, { code: 'EEXTENSION' });
  }
  if (p.size === 0) return { pointer: p, size: 0, stream: Readable.from([]) };
  const ctx = await useIsoContext(opts);
  await ensureObjectLocal(ctx.store, p, opts.filepath, opts.fetchMissing);
  return { pointer: p, size: p.size, stream: readVerifiedObject(ctx.store, p.oid, p.size) };
}

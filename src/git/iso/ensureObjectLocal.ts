/**
 * Make one pointer's object local for the library functions: already in the store, or in a
 * reference store (alternates, hash-verified by LfsStore.ensureLocal), or supplied by the
 * caller's `fetchMissing` hook, whose bytes are streamed into the store and verified against the
 * pointer (IntegrityError and nothing stored on a mismatch). Throws ObjectMissingError when none
 * of these has it. Network transfers are the caller's business (the hook); this never downloads.
 */
import { ObjectMissingError } from '../../errors/TslfsError.js';
import type { Pointer } from '../../model/pointer.js';
import type { LfsStore } from '../../store/LfsStore.js';

export interface MissingObject {
  oid: string;
  size: number;
  /** The repo-relative path the pointer came from, when known. */
  filepath?: string;
}

/**
 * Called for an object that is not local. Return its content as a stream (it is verified and
 * stored), or null to report it missing (ObjectMissingError).
 */
export type FetchMissing = (obj: MissingObject) => Promise<AsyncIterable<Uint8Array> | null>;

async function* asBuffers(src: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const c of src) yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

export async function ensureObjectLocal(store: LfsStore, p: Pointer, filepath?: string, fetchMissing?: FetchMissing): Promise<void> {
  if (await store.ensureLocal(p.oid, p.size)) return;
  const src = fetchMissing ? await fetchMissing({ oid: p.oid, size: p.size, filepath }) : null;
  if (!src) throw new ObjectMissingError(p.oid, filepath);
  await store.insert(asBuffers(src), { oid: p.oid, size: p.size });
}

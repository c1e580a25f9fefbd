/**
 * The clean filter's core: content in, pointer out.
 *
 * Contract: the returned pointer names an object that is in the store (verified and renamed
 * into place by ObjectWriter) or is the empty/verbatim pointer. If anything fails (read error,
 * disk full, extension failure) this throws and nothing but a removed temp file is left, so a
 * caller that only emits the pointer on success can never make git record a pointer without
 * its object. Input that already is a pointer (shorter than POINTER_MAX_SIZE) is returned
 * verbatim and nothing is stored, which keeps `git add` of a pointer file idempotent.
 */
import { encodePointerBuffer, POINTER_MAX_SIZE, tryDecodePointer, type Pointer } from '../model/pointer.js';
import type { LfsStore } from '../store/LfsStore.js';
import { readHead, withHead, type ByteSource } from './byteSource.js';
import { cleanThroughExtensions, type Extension } from './extensions.js';

export interface CleanOptions {
  store: LfsStore;
  /** The file content; consumed up to its end on success (not necessarily on error). */
  input: ByteSource;
  /** Repo-relative path, for extensions' %f and messages; may be empty. */
  path: string;
  /** Configured extensions, sorted by priority (empty for none). */
  extensions?: readonly Extension[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CleanResult {
  /** The bytes to hand to git. */
  pointer: Buffer;
  /** The pointer fields, or null when the input was echoed verbatim. */
  stored: Pointer | null;
}

export async function cleanContent(opts: CleanOptions): Promise<CleanResult> {
  const { head, ended } = await readHead(opts.input, POINTER_MAX_SIZE);
  if (ended && head.length < POINTER_MAX_SIZE && tryDecodePointer(head)) {
    return { pointer: head, stored: null };
  }
  const exts = opts.extensions ?? [];
  const content = withHead(head, ended ? null : opts.input);
  let pointer: Pointer;
  if (exts.length > 0) {
    pointer = await cleanThroughExtensions({ store: opts.store, input: content, path: opts.path, extensions: exts, cwd: opts.cwd, env: opts.env });
  } else {
    const w = await opts.store.newWriter();
    try {
      for await (const c of content) await w.write(c);
      const obj = await w.commit();
      pointer = { oid: obj.oid, size: obj.size, extensions: [] };
    } catch (e) {
      await w.abort();
      throw e;
    }
  }
  return { pointer: encodePointerBuffer(pointer), stored: pointer };
}

/**
 * cleanToPointer: what git's clean filter (git-lfs clean) would store for some content: the
 * content is streamed into the local LFS store (hashed, verified, renamed into place) and the
 * canonical pointer bytes are returned, byte-identical to git-lfs's, for the caller to write as
 * the blob (isomorphic-git writeBlob, then updateIndex/commit).
 *
 * Content comes from `content` (a stream, an async iterable or bytes) or from `path` (a regular
 * file; absolute or relative to `dir`; symlinks are refused because git stores those as links).
 * Input that already is a pointer is returned verbatim with `stored: null`, as git-lfs does.
 * Empty content gives the empty pointer (nothing stored). A repository that configures
 * lfs.extension.* is refused (EEXTENSION): the library does not run extension programs, and a
 * pointer without them would differ from git-lfs's. On any failure nothing is stored but a
 * removed temp file, and no pointer is returned.
 */
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { TslfsError, UnsafePathError } from '../errors/TslfsError.js';
import { cleanContent } from '../filter/cleanContent.js';
import { sourceOf } from '../filter/byteSource.js';
import { useIsoContext, type LfsRepoOptions } from '../git/iso/openIsoStore.js';
import type { Pointer } from '../model/pointer.js';

export interface CleanToPointerOptions extends LfsRepoOptions {
  content?: Readable | AsyncIterable<Uint8Array> | Uint8Array;
  /** A file to read instead of `content`. */
  path?: string;
  /** Repo-relative path, for messages. */
  filepath?: string;
}

export interface CleanToPointerResult {
  /** The blob to store in git. */
  pointer: Buffer;
  /** The object now in the store, or null when the input was already a pointer (echoed). */
  stored: Pointer | null;
}

async function* asBuffers(src: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
  if (src instanceof Uint8Array) {
    if (src.length > 0) yield Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    return;
  }
  for await (const c of src) yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

export async function cleanToPointer(opts: CleanToPointerOptions): Promise<CleanToPointerResult> {
  if ((opts.content === undefined) === (opts.path === undefined)) {
    throw new TslfsError('cleanToPointer needs exactly one of `content` or `path`', { code: 'EUSAGE' });
  }
  const ctx = await useIsoContext(opts);
  if (ctx.config.keysWithPrefix('lfs.extension.').length > 0) {
    throw new TslfsError('this repository configures lfs.extension.*, which the library does not run', { code: 'EEXTENSION' });
  }
  let input: AsyncIterable<Buffer>;
  if (opts.path !== undefined) {
    if (!isAbsolute(opts.path) && ctx.repo.workTree === null) {
      throw new TslfsError(`a relative path needs \`dir\`: ${opts.path}`, { code: 'EUSAGE' });
    }
    const abs = isAbsolute(opts.path) ? opts.path : resolve(ctx.repo.workTree!, opts.path);
    const st = await lstat(abs);
    if (!st.isFile()) throw new UnsafePathError(abs, 'not a regular file');
    input = createReadStream(abs, { highWaterMark: 1 << 20 });
  } else {
    input = asBuffers(opts.content!);
  }
  const r = await cleanContent({ store: ctx.store, input: sourceOf(input), path: opts.filepath ?? opts.path ?? '', cwd: ctx.repo.workTree ?? ctx.repo.gitDir, env: {} });
  return { pointer: r.pointer, stored: r.stored };
}

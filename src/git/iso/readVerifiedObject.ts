/**
 * A local LFS object as a stream that checks what it delivers: the bytes are hashed while they
 * flow, and the stream fails with IntegrityError (instead of ending) when the size or SHA-256
 * differ from the pointer, so a consumer using `pipeline()` never mistakes a corrupt or
 * truncated store file for content. Chunks are at most 1 MiB; nothing is buffered whole.
 * Destroying the returned stream closes the file.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { IntegrityError } from '../../errors/TslfsError.js';
import type { LfsStore } from '../../store/LfsStore.js';

export function readVerifiedObject(store: LfsStore, oid: string, size: number): Readable {
  const src = store.openRead(oid);
  const hash = createHash('sha256');
  let n = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > size) return cb(new IntegrityError(`object ${oid} in ${store.layout.objectsDir} is larger than ${size} bytes (run \`tslfs fsck\`)`));
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      if (n !== size) return cb(new IntegrityError(`object ${oid}: expected ${size} bytes, read ${n} (run \`tslfs fsck\`)`));
      const got = hash.digest('hex');
      if (got !== oid) return cb(new IntegrityError(`object ${oid} is corrupt: its content hashes to ${got} (run \`tslfs fsck\`)`));
      cb();
    },
  });
  src.on('error', (e) => check.destroy(e));
  check.on('close', () => src.destroy());
  return src.pipe(check);
}

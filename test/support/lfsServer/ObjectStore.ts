/**
 * The server's object storage on disk: root/.lfs/<encoded repo>/<oid[0:2]>/<oid[2:4]>/<oid>.
 * Uploads stream into root/.lfs/tmp while sha256 and the byte count are computed, and are renamed
 * into place only when both match (verify-then-rename), so a partial or wrong upload is never
 * visible. Objects are never buffered whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const OID_RE = /^[0-9a-f]{64}$/;

/**
 * Object files are read in 1 MiB chunks: with the 64 KiB default a large GET costs the server
 * sixteen times the reads and writes, and the server, not the client, set the pace of the bench.
 */
const READ_CHUNK = 1 << 20;

export type PutResult =
  | { ok: true; size: number }
  | { ok: false; status: number; message: string; received: number };

export class ObjectStore {
  private readonly base: string;
  private readonly tmp: string;

  constructor(root: string) {
    this.base = join(root, '.lfs');
    this.tmp = join(root, '.lfs', 'tmp');
  }

  /** Disk path of an object; throws on a non-oid (paths are only built from validated oids). */
  path(repo: string, oid: string): string {
    if (!OID_RE.test(oid)) throw new Error(`not an oid: ${JSON.stringify(oid)}`);
    return join(this.base, 'repos', encodeURIComponent(repo), oid.slice(0, 2), oid.slice(2, 4), oid);
  }

  /** Size of a stored object, or undefined. */
  async size(repo: string, oid: string): Promise<number | undefined> {
    try {
      const st = await stat(this.path(repo, oid));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  openRead(repo: string, oid: string, start = 0, end?: number): ReadStream {
    return createReadStream(this.path(repo, oid), { start, highWaterMark: READ_CHUNK, ...(end !== undefined ? { end } : {}) });
  }

  /** Store bytes directly (test seeding); returns nothing, the caller knows the oid. */
  async putBuffer(repo: string, oid: string, data: Buffer): Promise<void> {
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== oid) throw new Error(`content does not hash to ${oid}`);
    const dest = this.path(repo, oid);
    await mkdir(join(dest, '..'), { recursive: true });
    await writeFile(dest, data);
  }

  async delete(repo: string, oid: string): Promise<void> {
    await rm(this.path(repo, oid), { force: true });
  }

  /**
   * Stream `body` into the store as `oid`. Accepts at most `maxSize` bytes (aborts reading past
   * it); `expectedSize`, when known, must match exactly. 403 when the content's sha256 is not the
   * oid, 400 for a size mismatch. `onBytes` counts bytes as they arrive (for the request log).
   */
  async put(repo: string, oid: string, body: Readable, opts: { maxSize: number; expectedSize?: number; discard?: boolean; onBytes?: (n: number) => void }): Promise<PutResult> {
    const dest = this.path(repo, oid);
    await mkdir(this.tmp, { recursive: true });
    const tmp = join(this.tmp, `${oid}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let received = 0;
    const limit = opts.expectedSize ?? opts.maxSize;
    let tooBig = false;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        opts.onBytes?.(chunk.length);
        if (received > limit) {
          tooBig = true;
          cb(new Error('body too large'));
          return;
        }
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx' }));
    } catch (e) {
      await rm(tmp, { force: true });
      if (tooBig) return { ok: false, status: 400, message: `body larger than ${limit} bytes`, received };
      throw e;
    }
    const actual = hash.digest('hex');
    if (opts.expectedSize !== undefined && received !== opts.expectedSize) {
      await rm(tmp, { force: true });
      return { ok: false, status: 400, message: `expected ${opts.expectedSize} bytes, got ${received}`, received };
    }
    if (actual !== oid) {
      await rm(tmp, { force: true });
      return { ok: false, status: 403, message: `content hashes to ${actual}, not ${oid}`, received };
    }
    if (opts.discard) {
      await rm(tmp, { force: true });
      return { ok: true, size: received };
    }
    await mkdir(join(dest, '..'), { recursive: true });
    // Content-addressed: if another upload won the race, the bytes are identical.
    await rename(tmp, dest);
    return { ok: true, size: received };
  }
}

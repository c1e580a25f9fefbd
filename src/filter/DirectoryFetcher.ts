/**
 * TEST-ONLY ObjectFetcher: copies objects from another LFS objects directory
 * (`<dir>/aa/bb/<oid>`) into the store, hash-verified by the store, so it can never add bad
 * bytes. The CLI enables it only when TSLFS_TEST_FETCH_FROM is set, so that tests can drive
 * git's delayed checkout before the real transfer layer exists.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ObjectMissingError } from '../errors/TslfsError.js';
import { objectRelPath, type LfsStore } from '../store/LfsStore.js';
import type { FetchRequest, ObjectFetcher } from './ObjectFetcher.js';

export class DirectoryFetcher implements ObjectFetcher {
  constructor(
    private readonly store: LfsStore,
    private readonly dir: string,
    /** Artificial latency per object, so tests see objects arrive after being delayed. */
    private readonly delayMs = 0,
  ) {}

  async fetch(req: FetchRequest): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (await this.store.hasLocal(req.oid, req.size)) return;
    const src = join(this.dir, objectRelPath(req.oid));
    // Open first: a stream that fails to open before it is consumed would emit an unhandled error.
    const fh = await open(src, 'r').catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? new ObjectMissingError(req.oid, req.path) : e;
    });
    try {
      await this.store.insert(fh.createReadStream({ autoClose: false }), { oid: req.oid, size: req.size });
    } finally {
      await fh.close();
    }
  }
}

/**
 * A bounded spool for content that must be fully read before it can be written back (a
 * filter-process response may only start after git sent the whole request, and git does not
 * read our stdout while it is still writing). Up to `memoryLimit` bytes stay in memory; beyond
 * that everything goes to a private temp file in the LFS tmp dir, removed by dispose().
 * Not safe for concurrent use.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export class Spool {
  private mem: Buffer[] = [];
  private memBytes = 0;
  private file: FileHandle | null = null;
  private filePath: string | null = null;
  size = 0;

  constructor(
    private readonly tmpDir: string,
    private readonly memoryLimit = 1 << 20,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.size += chunk.length;
    if (!this.file && this.memBytes + chunk.length <= this.memoryLimit) {
      this.mem.push(chunk);
      this.memBytes += chunk.length;
      return;
    }
    if (!this.file) {
      await mkdir(this.tmpDir, { recursive: true });
      this.filePath = join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}.spool`);
      this.file = await open(this.filePath, 'wx+', 0o600);
      for (const m of this.mem) await this.file.write(m);
      this.mem = [];
      this.memBytes = 0;
    }
    await this.file.write(chunk);
  }

  /** The spooled bytes, in order. Call after the last write(). */
  async *read(chunkSize = 1 << 20): AsyncGenerator<Buffer> {
    if (!this.filePath) {
      yield* this.mem;
      return;
    }
    await this.file?.close();
    this.file = null;
    for await (const c of createReadStream(this.filePath, { highWaterMark: chunkSize })) yield c as Buffer;
  }

  async dispose(): Promise<void> {
    this.mem = [];
    if (this.file) await this.file.close().catch(() => {});
    this.file = null;
    if (this.filePath) await rm(this.filePath, { force: true }).catch(() => {});
    this.filePath = null;
  }
}

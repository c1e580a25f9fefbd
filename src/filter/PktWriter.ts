/**
 * Buffered pkt-line output for filter-process. Packets are collected in memory and handed to
 * the stream in one write per response (or per ~1 MiB of content), because git waits for each
 * response before sending the next request: one write per small file is what keeps a checkout
 * of thousands of small files cheap. Not safe for concurrent use.
 */
import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { encodePkt, encodeTextPkt, FLUSH_PKT, PKT_MAX_PAYLOAD } from '../model/pktline.js';

const SEND_AT = 1 << 20;

export class PktWriter {
  private parts: Buffer[] = [];
  private bytes = 0;
  private error: Error | null = null;

  /**
   * `fd`, when given, is the descriptor behind `out` (git's pipe): responses are written to it
   * with writeSync while the stream has nothing queued, which skips the stream machinery and
   * a callback per response (git reads every response before it sends the next request, so
   * the write does not block for long). EAGAIN falls back to the stream for the rest.
   */
  constructor(
    private readonly out: Writable,
    private readonly fd?: number,
  ) {
    out.on('error', (e) => {
      this.error ??= e;
    });
  }

  get failed(): Error | null {
    return this.error;
  }

  private push(b: Buffer): void {
    this.parts.push(b);
    this.bytes += b.length;
  }

  text(line: string): void {
    this.push(encodeTextPkt(line));
  }

  /** A text line given as a latin1 string, one char per byte (see pktText's `latin1`). */
  textBytes(line: string): void {
    this.push(encodePkt(Buffer.from(`${line}\n`, 'latin1')));
  }

  flush(): void {
    this.push(FLUSH_PKT);
  }

  /** A text list followed by a flush. */
  list(lines: readonly string[]): void {
    for (const l of lines) this.text(l);
    this.flush();
  }

  /** Content as data packets, buffered without sending (for content known to be small). */
  dataNow(chunk: Buffer): void {
    for (let off = 0; off < chunk.length; off += PKT_MAX_PAYLOAD) {
      this.push(encodePkt(chunk.subarray(off, Math.min(chunk.length, off + PKT_MAX_PAYLOAD))));
    }
  }

  /** Content as data packets of at most PKT_MAX_PAYLOAD bytes; sends when enough is buffered. */
  async data(chunk: Buffer): Promise<void> {
    this.dataNow(chunk);
    if (this.bytes >= SEND_AT) await this.send();
  }

  /** Hand everything buffered to the stream; resolves when written (throws if the peer is gone). */
  async send(): Promise<void> {
    if (this.error) throw this.error;
    if (this.bytes === 0) return;
    let buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    if (this.fd !== undefined && this.out.writableLength === 0) {
      let off = 0;
      try {
        while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.error ??= e as Error;
          throw e;
        }
        buf = buf.subarray(off); // the pipe is full: the stream sends the rest when it drains
      }
    }
    await new Promise<void>((resolve, reject) => {
      this.out.write(buf, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** Drop anything not yet sent (used before answering an error). */
  discard(): void {
    this.parts = [];
    this.bytes = 0;
  }
}

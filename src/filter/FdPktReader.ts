/**
 * pkt-lines read straight from a file descriptor (git's pipe on fd 0), for filter-process.
 *
 * Why not a stream: git writes each request as several small pkt-line writes, and on the
 * event-loop path every write costs a wake-up of Node's loop; in a checkout of thousands of
 * small files that latency, not CPU, is most of the cost. While no download is in flight the
 * reader blocks in readSync (one syscall per read, like a native filter); while downloads run
 * (`preferAsync()` is true) it reads through the thread pool so the event loop keeps serving
 * them. One read at a time; not safe for concurrent read() calls. Same contract as PktReader:
 * null at a clean EOF, ProtocolError on a malformed or truncated packet.
 */
import { read as readCb, readSync } from 'node:fs';
import { ProtocolError } from '../errors/TslfsError.js';
import { controlPacket, parseHeader, PKT_MAX, readTextList, type Packet, type PktTextEncoding } from '../model/pktline.js';

const CHUNK = 256 * 1024;

function readAsync(fd: number, buf: Buffer, off: number, len: number): Promise<number> {
  return new Promise((resolve, reject) => readCb(fd, buf, off, len, null, (e, n) => (e ? reject(e) : resolve(n))));
}

export class FdPktReader {
  private buf = Buffer.allocUnsafe(CHUNK + PKT_MAX);
  private start = 0;
  private end = 0;
  private ended = false;

  constructor(
    private readonly fd: number,
    private readonly preferAsync: () => boolean = () => false,
  ) {}

  private async more(): Promise<void> {
    if (this.start > 0 && this.buf.length - this.end < CHUNK) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    const room = this.buf.length - this.end;
    let n: number;
    if (this.preferAsync()) {
      n = await readAsync(this.fd, this.buf, this.end, room);
    } else {
      try {
        n = readSync(this.fd, this.buf, this.end, room, null);
      } catch (e) {
        // A non-blocking descriptor with nothing to read: wait a little off the main thread.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await new Promise((r) => setTimeout(r, 1));
        return;
      }
    }
    if (n === 0) this.ended = true;
    this.end += n;
  }

  private async fill(n: number): Promise<boolean> {
    while (this.end - this.start < n) {
      if (this.ended) return false;
      await this.more();
    }
    return true;
  }

  async read(): Promise<Packet | null> {
    if (!(await this.fill(4))) {
      if (this.end === this.start) return null;
      throw new ProtocolError('truncated pkt-line header');
    }
    const len = parseHeader(this.buf, this.start);
    this.start += 4;
    const control = controlPacket(len);
    if (control) return control;
    if (!(await this.fill(len - 4))) throw new ProtocolError('truncated pkt-line payload');
    // A copy: the buffer is reused by later reads.
    const data = Buffer.from(this.buf.subarray(this.start, this.start + len - 4));
    this.start += len - 4;
    return { kind: 'data', data };
  }

  readTextList(maxLines = 10_000, encoding: PktTextEncoding = 'utf8'): Promise<string[] | null> {
    return readTextList(this, maxLines, encoding);
  }
}

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
 *
 * Spinning (`spinMicros` > 0, git's pipe being a FIFO on Linux): before blocking, the reader
 * polls a second, non-blocking open of the same pipe (/proc/self/fd/N) for up to that long.
 * Why: in a checkout git answers each response with the next request within about 100 µs, and
 * a process that blocked instead has to be woken by the kernel (on a VM, an interrupt to an
 * idle virtual CPU), which cost more per file than all of our own work: a 12,000-file checkout
 * took 2.6 s blocking and 2.0 s spinning, for the same total CPU time. The spin adapts: after a
 * wait longer than the budget (git busy on something big) the next wait blocks at once, and a
 * short blocking wait turns spinning back on. Only worth it with a second CPU for git to run on.
 */
import { closeSync, constants, fstatSync, openSync, read as readCb, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
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
  /** The non-blocking open of the pipe to poll; -1 when spinning is off or impossible. */
  private pollFd = -1;
  private spinning: boolean;
  /** Reads that polling served (without blocking): for tests and tuning. */
  polled = 0;

  /** `spinMicros`: how long to poll before blocking (0: never; see the module comment). */
  constructor(
    private readonly fd: number,
    private readonly preferAsync: () => boolean = () => false,
    private readonly spinMicros = 0,
  ) {
    this.spinning = spinMicros > 0 && this.openPollFd();
  }

  private openPollFd(): boolean {
    try {
      // Only a pipe: reopening a regular file through /proc would start reading it from byte 0.
      if (!fstatSync(this.fd).isFIFO()) return false;
      this.pollFd = openSync(`/proc/self/fd/${this.fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
      return true;
    } catch {
      return false;
    }
  }

  /** Poll for up to spinMicros; the byte count read, or -1 when nothing came in time. */
  private spin(room: number, since: number): number {
    const until = since + this.spinMicros / 1000;
    for (;;) {
      try {
        return readSync(this.pollFd, this.buf, this.end, room, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return -1;
      }
      if (performance.now() >= until) return -1;
    }
  }

  /** A blocking read, spinning first when that has been paying off. */
  private readBlocking(room: number): number {
    const since = this.pollFd >= 0 ? performance.now() : 0;
    let n = -1;
    if (this.spinning) {
      n = this.spin(room, since);
      if (n >= 0) this.polled++;
    }
    if (n < 0) {
      n = readSync(this.fd, this.buf, this.end, room, null);
      if (this.pollFd >= 0) this.spinning = (performance.now() - since) * 1000 < this.spinMicros;
    }
    if (n === 0) this.closePollFd(); // EOF: git is done with us
    return n;
  }

  private closePollFd(): void {
    if (this.pollFd < 0) return;
    closeSync(this.pollFd);
    this.pollFd = -1;
    this.spinning = false;
  }

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
        n = this.readBlocking(room);
      } catch (e) {
        // A non-blocking descriptor with nothing to read: wait a little off the main thread.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await new Promise((r) => setTimeout(r, 1));
        return;
      }
    }
    if (n === 0) {
      this.ended = true;
      this.closePollFd();
    }
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

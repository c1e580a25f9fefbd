/**
 * git's pkt-line framing (gitprotocol-common): 4 lowercase hex digits giving the total length
 * including themselves, then the payload. "0000" is flush, "0001" delim, "0002" response-end.
 * Pure encoding helpers plus a pull-based reader over a byte stream.
 */
import type { Readable } from 'node:stream';
import { ProtocolError } from '../errors/TslfsError.js';

/** Largest packet git accepts, header included. */
export const PKT_MAX = 65520;
/** Largest payload per data packet. */
export const PKT_MAX_PAYLOAD = PKT_MAX - 4;

export const FLUSH_PKT = Buffer.from('0000', 'latin1');
export const DELIM_PKT = Buffer.from('0001', 'latin1');

const HEX = '0123456789abcdef';

function header(len: number): string {
  return HEX[(len >> 12) & 15]! + HEX[(len >> 8) & 15]! + HEX[(len >> 4) & 15]! + HEX[len & 15]!;
}

/** One data packet. Throws if the payload is too large for a single packet. */
export function encodePkt(payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.length > PKT_MAX_PAYLOAD) throw new RangeError(`pkt-line payload too large: ${body.length}`);
  const out = Buffer.allocUnsafe(body.length + 4);
  out.write(header(body.length + 4), 0, 'latin1');
  out.set(body, 4);
  return out;
}

/** A text packet: the line plus LF. */
export function encodeTextPkt(line: string): Buffer {
  return encodePkt(line + '\n');
}

/** Text packets for each line followed by a flush, as one buffer. */
export function encodeTextList(lines: readonly string[]): Buffer {
  return Buffer.concat([...lines.map(encodeTextPkt), FLUSH_PKT]);
}

export type Packet = { kind: 'data'; data: Buffer } | { kind: 'flush' } | { kind: 'delim' } | { kind: 'end' };

/**
 * The text of a data packet without its trailing LF. `latin1` keeps every byte as one char, so
 * a value that is not UTF-8 (a file name git sends as raw bytes) survives a round trip.
 */
export function pktText(p: Packet, encoding: PktTextEncoding = 'utf8'): string | null {
  if (p.kind !== 'data') return null;
  const d = p.data;
  const end = d.length > 0 && d[d.length - 1] === 10 ? d.length - 1 : d.length;
  return d.toString(encoding, 0, end);
}

export type PktTextEncoding = 'utf8' | 'latin1';

/**
 * What a parsed length says before any payload is read: a control packet (flush, delim, end),
 * null for a data packet of `len - 4` bytes, or ProtocolError for 3 or more than PKT_MAX.
 * Shared by both packet readers.
 */
export function controlPacket(len: number): Packet | null {
  if (len === 0) return { kind: 'flush' };
  if (len === 1) return { kind: 'delim' };
  if (len === 2) return { kind: 'end' };
  if (len < 4) throw new ProtocolError(`invalid pkt-line length ${len}`);
  if (len > PKT_MAX) throw new ProtocolError(`pkt-line too long (${len} > ${PKT_MAX})`);
  return null;
}

/** The length in a 4-hex-digit pkt-line header at buf[off]; ProtocolError when it is not hex. */
export function parseHeader(buf: Buffer, off: number): number {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const c = buf[off + i]!;
    let v: number;
    if (c >= 48 && c <= 57) v = c - 48;
    else if (c >= 97 && c <= 102) v = c - 87;
    else if (c >= 65 && c <= 70) v = c - 55;
    else throw new ProtocolError(`bad pkt-line length ${JSON.stringify(buf.toString('latin1', off, off + 4))}`);
    n = n * 16 + v;
  }
  return n;
}

/**
 * Reads packets from a byte stream. Not safe for concurrent read() calls: one reader, one
 * consumer. read() resolves null at a clean EOF (between packets) and throws ProtocolError on a
 * malformed or truncated packet, so a broken peer never makes the caller hang.
 */
export class PktReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private error: Error | null = null;
  private waiter: (() => void) | null = null;

  constructor(private readonly stream: Readable) {
    stream.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.buffered += c.length;
      if (this.buffered > PKT_MAX * 4) stream.pause();
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', (e) => {
      this.error = e;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      if (this.error) throw this.error;
      if (this.ended) return false;
      if (this.stream.isPaused()) this.stream.resume();
      await new Promise<void>((r) => (this.waiter = r));
    }
    return true;
  }

  /** Remove and return exactly n buffered bytes. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - off);
        c.copy(out, off, 0, k);
        off += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    if (this.buffered <= PKT_MAX && this.stream.isPaused() && !this.ended) this.stream.resume();
    return out;
  }

  async read(): Promise<Packet | null> {
    if (!(await this.fill(4))) {
      if (this.buffered === 0) return null;
      throw new ProtocolError('truncated pkt-line header');
    }
    const len = parseHeader(this.take(4), 0);
    const control = controlPacket(len);
    if (control) return control;
    if (!(await this.fill(len - 4))) throw new ProtocolError('truncated pkt-line payload');
    return { kind: 'data', data: len === 4 ? Buffer.alloc(0) : this.take(len - 4) };
  }

  /** Read text packets up to the next flush. Throws on a non-text packet or EOF. */
  readTextList(maxLines = 10_000, encoding: PktTextEncoding = 'utf8'): Promise<string[] | null> {
    return readTextList(this, maxLines, encoding);
  }
}

/**
 * Text packets up to the next flush, from any packet reader; null at EOF before the first
 * packet. Throws ProtocolError on a non-text packet, EOF inside the list, or too many lines.
 */
export async function readTextList(reader: { read(): Promise<Packet | null> }, maxLines = 10_000, encoding: PktTextEncoding = 'utf8'): Promise<string[] | null> {
  const out: string[] = [];
  for (;;) {
    const p = await reader.read();
    if (p === null) {
      if (out.length === 0) return null;
      throw new ProtocolError('unexpected end of input in a list');
    }
    if (p.kind === 'flush') return out;
    if (p.kind !== 'data') throw new ProtocolError(`unexpected ${p.kind} packet in a list`);
    if (out.length >= maxLines) throw new ProtocolError('too many lines in a list');
    out.push(pktText(p, encoding)!);
  }
}

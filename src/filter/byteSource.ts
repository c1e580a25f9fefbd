/**
 * Helpers for content that arrives as a stream of chunks (stdin, or pkt-line data packets):
 * reading a pointer-sized head without consuming more than needed, and draining the rest.
 * Only the head (about POINTER_MAX_SIZE bytes, at most one extra chunk) is ever buffered.
 */
import type { Readable } from 'node:stream';

/** A pull-based source of chunks. Chunks may have any size, including 0. */
export type ByteSource = AsyncIterator<Buffer>;

export function sourceOf(src: Readable | AsyncIterable<Buffer>): ByteSource {
  return (src as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
}

export interface Head {
  /** At least `n` bytes unless the source ended first; may be longer (whole chunks). */
  head: Buffer;
  /** True when the source is exhausted (head is the whole content). */
  ended: boolean;
}

/** Pull chunks until at least n bytes are buffered or the source ends. */
export async function readHead(src: ByteSource, n: number): Promise<Head> {
  const parts: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = await src.next();
    if (r.done) return { head: Buffer.concat(parts, len), ended: true };
    const c = r.value;
    if (c.length === 0) continue;
    parts.push(c);
    len += c.length;
  }
  return { head: parts.length === 1 ? parts[0]! : Buffer.concat(parts, len), ended: false };
}

/** The head followed by the rest of the source, as one async iterable. */
export async function* withHead(head: Buffer, rest: ByteSource | null): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  if (!rest) return;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    if (r.value.length > 0) yield r.value;
  }
}

/** Consume and discard whatever is left. */
export async function drain(src: ByteSource): Promise<void> {
  for (;;) {
    const r = await src.next();
    if (r.done) return;
  }
}

/**
 * Reading small response bodies (JSON) with a hard size cap (HS14). Streams only.
 */
import type { Readable } from 'node:stream';
import { TransferError } from '../errors/TslfsError.js';

/** Default cap for JSON API replies. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Read the whole body as UTF-8 text, failing (and destroying the stream) above `max` bytes. */
export async function readTextCapped(body: Readable, max: number = MAX_JSON_BYTES, what = 'response'): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of body) {
      const b = c as Buffer;
      n += b.length;
      if (n > max) throw new TransferError(`${what} too large (over ${max} bytes)`, { code: 'ETOOLARGE' });
      chunks.push(b);
    }
  } catch (e) {
    body.destroy();
    throw e;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parse a JSON error body if it is small and JSON; undefined otherwise. Never throws. */
export async function readErrorBody(body: Readable): Promise<unknown> {
  try {
    const text = await readTextCapped(body, 64 * 1024, 'error body');
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    body.destroy();
    return undefined;
  }
}

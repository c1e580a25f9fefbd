/**
 * Small HTTP helpers for the test server: bounded JSON bodies, LFS JSON replies, media-type
 * checks and Range parsing. Request bodies read here are small API bodies (capped); object data
 * never goes through these helpers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json';
export const MAX_JSON_BODY = 10 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Accept must name the LFS media type (git-lfs's test server answers 406 otherwise). */
export function acceptsLfs(req: IncomingMessage): boolean {
  const accept = req.headers['accept'] ?? '';
  return accept.split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === LFS_MEDIA_TYPE);
}

/** Content-Type must be the LFS media type, parameters (charset) allowed. */
export function isLfsContentType(req: IncomingMessage): boolean {
  const ct = req.headers['content-type'] ?? '';
  return ct.split(';')[0]!.trim().toLowerCase() === LFS_MEDIA_TYPE;
}

/** Read a JSON body of at most MAX_JSON_BODY bytes. Throws HttpError 413/400. */
export async function readJson(req: IncomingMessage, onBytes: (n: number) => void): Promise<unknown> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    onBytes(chunk.length);
    if (total > MAX_JSON_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': `${LFS_MEDIA_TYPE}; charset=utf-8`,
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** An LFS error reply: {"message","documentation_url","request_id"}. */
export function sendLfsError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { message, documentation_url: 'https://tslfs.invalid/test-server', request_id: `req-${Date.now().toString(36)}` }, headers);
}

export type RangeResult = { kind: 'none' } | { kind: 'ok'; start: number; end: number } | { kind: 'bad' };

/**
 * Parse a single `bytes=N-M`, `bytes=N-` or `bytes=-K` range against `size`. Multiple ranges,
 * bad syntax and unsatisfiable ranges are all 'bad' (this strict server answers 416 to them).
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'none' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'bad' };
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'bad' };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return { kind: 'bad' };
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return { kind: 'bad' };
  return { kind: 'ok', start, end };
}

/** Apply a rule's generic reply (status, Retry-After, message/body, headers). */
export function sendRuleReply(
  res: ServerResponse,
  rule: { status?: number; retryAfter?: number | string; message?: string; body?: string; contentType?: string; headers?: Record<string, string> },
  fallbackMessage: string,
): void {
  const status = rule.status ?? 500;
  const headers: Record<string, string> = { ...rule.headers };
  if (rule.retryAfter !== undefined) headers['Retry-After'] = String(rule.retryAfter);
  if (rule.body !== undefined) {
    res.writeHead(status, { 'Content-Type': rule.contentType ?? 'text/plain', 'Content-Length': String(Buffer.byteLength(rule.body)), ...headers });
    res.end(rule.body);
    return;
  }
  if (rule.contentType) headers['Content-Type'] = rule.contentType;
  sendLfsError(res, status, rule.message ?? fallbackMessage, headers);
}

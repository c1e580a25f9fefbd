/**
 * Basic-transfer storage: GET and PUT /storage/<encoded repo>/<oid> (docs/api/basic-transfers.md).
 * GET streams the object from disk (Range → 206, bad Range → 416) through the body faults of
 * the matching rule (truncate, corrupt, slow, endless, oversize). PUT streams the body into the
 * store, hashing it on the way (403 on a hash mismatch, 400 on a size mismatch).
 */
import type { ServerResponse } from 'node:http';
import { applyGenericFault, describeRule } from './applyGenericFault.js';
import { challengeHeaders, checkAuth, credsFor } from './auth.js';
import { parseRange, sendLfsError } from './httpUtil.js';
import { sleep, type RequestView, type ServerContext } from './ServerContext.js';
import type { FaultRule } from './types.js';

const DEFAULT_MAX_OBJECT = 1024 * 1024 * 1024;
const MAX_SLOW_MS = 60_000;
const MAX_ENDLESS_MS = 60_000;

/** Resolve when the response can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Write a chunk respecting backpressure; false once the response is gone. */
async function put(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(chunk)) await drained(res);
  return !res.destroyed;
}

/** Write and wait until the chunk is handed to the socket (before a deliberate cut). */
function flush(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || chunk.length === 0) return resolve();
    res.write(chunk, () => resolve());
  });
}

function garbage(n: number): Buffer {
  return Buffer.alloc(n, 0x47); // 'G'
}

function authFailure(ctx: ServerContext, view: RequestView, repo: string, oid: string): boolean {
  const { req, res } = view;
  if (ctx.authenticatedOids.has(`${repo}\0${oid}`) && req.headers['authorization'] !== undefined) {
    sendLfsError(res, 403, 'credentials sent for an authenticated object');
    return true;
  }
  if (!ctx.opts.auth?.storage) return false; // storage is open unless asked otherwise
  const r = checkAuth(req, credsFor(repo, ctx.opts.auth), false);
  if (r.ok) return false;
  sendLfsError(res, r.status, r.message, r.status === 401 ? challengeHeaders(false, r.challenge) : {});
  return true;
}

export async function handleStorageGet(ctx: ServerContext, view: RequestView, repo: string, oid: string): Promise<void> {
  const { req, res, entry } = view;
  if (authFailure(ctx, view, repo, oid)) return;
  const hasRange = req.headers['range'] !== undefined;
  const rule = ctx.rules.take({ kind: 'storage-get', repo, oid, hasRange });
  if (await applyGenericFault(ctx, view, rule, 'storage download failed')) return;
  const size = await ctx.store.size(repo, oid);
  if (size === undefined) return sendLfsError(res, 404, 'Object does not exist');
  if (rule) entry.fault = describeRule(rule);

  let start = 0;
  let end = size - 1;
  let status = 200;
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' };
  if (hasRange && rule?.rejectRange) {
    res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
    res.end();
    return;
  }
  if (hasRange && !rule?.ignoreRange) {
    const r = parseRange(req.headers['range'], size);
    if (r.kind === 'bad') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
      res.end();
      return;
    }
    if (r.kind === 'ok') {
      start = r.start;
      end = r.end;
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
  }
  const length = size === 0 ? 0 : end - start + 1;
  const extra = rule?.oversize ?? 0;
  if (!rule?.endless) headers['Content-Length'] = String(length + extra);
  res.writeHead(status, headers);

  const cutAt = rule?.truncate === true ? Math.floor(length / 2) : typeof rule?.truncate === 'number' ? Math.min(rule.truncate, length) : undefined;
  const slow = rule?.slow;
  const slowStep = Math.max(1, slow?.bytes ?? 1);
  const slowInterval = Math.max(1, slow?.intervalMs ?? 50);
  const slowUntil = Date.now() + Math.min(slow?.maxMs ?? 10_000, MAX_SLOW_MS);
  let sent = 0;

  const emit = async (chunk: Buffer): Promise<boolean> => {
    if (rule?.corrupt) {
      chunk = Buffer.from(chunk);
      for (let i = 0; i < chunk.length; i++) chunk[i] = chunk[i]! ^ 0x5a;
    }
    if (cutAt !== undefined && sent + chunk.length >= cutAt) {
      await flush(res, chunk.subarray(0, cutAt - sent));
      sent = cutAt;
      req.socket.destroy();
      return false;
    }
    if (slow) {
      for (let i = 0; i < chunk.length; i += slowStep) {
        const piece = chunk.subarray(i, i + slowStep);
        if (Date.now() >= slowUntil) {
          if (!(await put(res, chunk.subarray(i)))) return false;
          sent += chunk.length - i;
          return true;
        }
        if (!(await put(res, piece))) return false;
        sent += piece.length;
        await sleep(slowInterval, ctx.signal);
        if (ctx.signal.aborted) return false;
      }
      return true;
    }
    sent += chunk.length;
    return put(res, chunk);
  };

  if (cutAt === 0) {
    req.socket.destroy();
    return;
  }
  if (length > 0) {
    const stream = ctx.store.openRead(repo, oid, start, end);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (!(await emit(chunk))) {
          stream.destroy();
          return;
        }
      }
    } finally {
      stream.destroy();
    }
  }
  if (extra > 0 && !(await put(res, garbage(extra)))) return;
  if (rule?.endless) {
    const cap = ctx.opts.maxEndlessBytes ?? 64 * 1024 * 1024;
    const until = Date.now() + MAX_ENDLESS_MS;
    const block = garbage(64 * 1024);
    let more = 0;
    while (more < cap && Date.now() < until && !ctx.signal.aborted) {
      if (!(await put(res, block))) return;
      more += block.length;
    }
    // Never a proper end: the body is cut, as an endless body would be.
    req.socket.destroy();
    return;
  }
  res.end();
}

export async function handleStoragePut(ctx: ServerContext, view: RequestView, repo: string, oid: string): Promise<void> {
  const { req, res, entry } = view;
  if (authFailure(ctx, view, repo, oid)) return;
  const rule: FaultRule | undefined = ctx.rules.take({ kind: 'storage-put', repo, oid });
  if (await applyGenericFault(ctx, view, rule, 'storage upload failed')) return;
  if (rule) entry.fault = describeRule(rule);
  const expected = ctx.expectedSizes.get(`${repo}\0${oid}`);
  const declared = req.headers['content-length'];
  if (expected !== undefined && declared !== undefined && Number(declared) !== expected) {
    return sendLfsError(res, 400, `Content-Length ${declared} does not match the object size ${expected}`);
  }
  let result;
  try {
    result = await ctx.store.put(repo, oid, req, {
      maxSize: ctx.opts.maxObjectSize ?? DEFAULT_MAX_OBJECT,
      ...(expected !== undefined ? { expectedSize: expected } : {}),
      discard: rule?.discard === true,
      onBytes: (n) => (entry.bytesIn += n),
    });
  } catch {
    // The client went away mid-body: nothing was stored.
    if (!res.headersSent && !res.destroyed) sendLfsError(res, 400, 'upload interrupted');
    return;
  }
  if (!result.ok) return sendLfsError(res, result.status, result.message, { Connection: 'close' });
  res.writeHead(200, { 'Content-Length': '0' });
  res.end();
}

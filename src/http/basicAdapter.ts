/**
 * The "basic" transfer adapter (reference 4.4): moves one object's bytes over HTTP. It never
 * batches and leaves retries to the transfer queue, except for two bounded, local ones:
 *
 * - Download resume: when the sink already holds a prefix (`offset`, from incomplete/<oid>.part),
 *   or when a body breaks off after some bytes arrived, the rest is asked for with
 *   `Range: bytes=N-(size-1)` (at most MAX_RESUMES times per call, each needing progress). A 206
 *   whose Content-Range matches continues; a 200 (Range ignored) is read from the start, its
 *   first N bytes skipped; a 416 is followed by a plain GET, likewise skipped. The bytes go into
 *   the queue's sink (the store's ObjectWriter), which hashes them: the queue commits only when
 *   oid and size match (HS1). At most `size` bytes are ever written: byte size+1 aborts (HS2).
 * - Verify: after an upload, `POST verify.href` up to lfs.transfer.maxverifies times (default 3).
 *
 * Uploads: `PUT href` with the action headers, `Content-Length: size` and the store file
 * streamed; the bytes are hashed while read and the last chunk is held back until the hash
 * matches, so a file changed under us is never fully sent (HS20).
 *
 * Errors (TransferError, for the queue): an expired action is retriable at once (a new batch
 * gets fresh actions); HTTP error replies and network errors are retriable (429 at Retry-After,
 * bounded by lfs.transfer.maxretrytime); a refused redirect, a bad local file, or a failed
 * verify are not.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import type { Config } from '../config/Config.js';
import { IntegrityError, TransferError, TslfsError } from '../errors/TslfsError.js';
import type { Authenticator } from './Authenticator.js';
import { LFS_MEDIA_TYPE, maxRetryTimeMs, rateLimitError } from './batchClient.js';
import { isExpired } from './batchReply.js';
import { discardBody, type BodySource, type HttpRequest, type HttpResponse } from './HttpClient.js';
import { HttpNetworkError, isTlsFailure, statusMessage } from './httpErrors.js';
import { readErrorBody } from './readBody.js';
import { redactUrl } from './redact.js';
import type { HttpAction, HttpAdapterRequest, HttpByteSink } from './types.js';

export const MAX_RESUMES = 3;

export interface BasicAdapterOptions {
  auth: Authenticator;
  config: Config;
  /** Test hook for the delay between verify attempts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `bytes START-END/TOTAL` (TOTAL may be `*`) -> numbers, or null. */
export function parseContentRange(v: string | undefined): { start: number; end: number; total: number | null } | null {
  const m = v ? /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(v) : null;
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

function expiredError(req: HttpAdapterRequest, what: string): TransferError {
  return new TransferError(`[${req.oid}] action "${what}" expired`, { retriable: true, retryAfterMs: 0, code: 'EEXPIRED' });
}

function requireAction(req: HttpAdapterRequest, what: string): HttpAction {
  if (!req.action) throw new TransferError(`[${req.oid}] no ${what} action`, { code: 'ENOACTION' });
  if (isExpired(req.action)) throw expiredError(req, what);
  return req.action;
}

export class BasicAdapter {
  readonly name = 'basic';
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: BasicAdapterOptions) {
    this.sleep = opts.sleep ?? sleepMs;
  }

  /**
   * A storage request. Unlike the batch call, any network error is worth retrying here
   * (git-lfs parity; a restarting server refuses connections for a moment, F10).
   */
  private async send(req: HttpRequest, action: HttpAction): Promise<HttpResponse> {
    try {
      return await this.opts.auth.send(req, 'storage', action.authenticated === true);
    } catch (e) {
      // Certificate and handshake failures will fail the same way again: not worth retrying.
      if (e instanceof HttpNetworkError && !e.retriable && !isTlsFailure(e)) throw new HttpNetworkError(e.message.replace(/:[^:]*$/, ''), e.cause, true);
      throw e;
    }
  }

  private async statusError(res: HttpResponse, what: string): Promise<TransferError> {
    const shown = redactUrl(res.url);
    const body = await readErrorBody(res.body);
    const msg = `${what}: ${statusMessage(res.status, shown, body)}`;
    // 429, and a 503 that says when to come back: wait as asked (bounded by maxretrytime).
    if (res.status === 429 || (res.status === 503 && res.headers['retry-after'] !== undefined)) {
      return rateLimitError(msg, res.headers['retry-after'], maxRetryTimeMs(this.opts.config), res.status);
    }
    // git-lfs retries any storage reply error (a 403 may be an expired token).
    return new TransferError(msg, { status: res.status, retriable: true, code: 'EHTTP' });
  }

  async download(req: HttpAdapterRequest, out: HttpByteSink, onProgress: (bytesSoFar: number) => void, signal?: AbortSignal): Promise<void> {
    const action = requireAction(req, 'download');
    const size = req.size;
    const shown = redactUrl(action.href);
    // A resumable sink (LfsStore.newWriter's `resume`) may already hold a prefix of the object.
    let written = out.offset !== undefined && out.offset > 0 && out.offset < size ? out.offset : 0;
    if (written > 0) onProgress(written);
    let useRange = true;
    let resumes = 0;
    for (;;) {
      const ranged = written > 0 && useRange;
      const safeHeaders: Record<string, string> = {};
      if (ranged) safeHeaders['range'] = `bytes=${written}-${size - 1}`;
      const res = await this.send({ method: 'GET', url: action.href, headers: { ...(action.header ?? {}) }, safeHeaders, ...(signal ? { signal } : {}) }, action);
      let skip = 0;
      if (ranged && res.status === 416) {
        await discardBody(res);
        useRange = false;
        if (++resumes > MAX_RESUMES) throw new TransferError(`GET ${shown}: range not satisfiable`, { retriable: true, status: 416, code: 'EHTTP' });
        continue;
      }
      if (res.status === 206 && ranged) {
        const cr = parseContentRange(header(res, 'content-range'));
        if (!cr || cr.start !== written || cr.end !== size - 1 || (cr.total !== null && cr.total !== size)) {
          await discardBody(res);
          throw new TransferError(`GET ${shown}: unexpected Content-Range ${JSON.stringify(header(res, 'content-range') ?? '')}`, { retriable: true, code: 'ERANGE' });
        }
      } else if (res.status >= 200 && res.status < 300) {
        skip = written; // a whole body (the Range was ignored, or none was sent)
        const cl = Number(header(res, 'content-length'));
        if (header(res, 'content-length') !== undefined && Number.isSafeInteger(cl) && cl > size) {
          await discardBody(res);
          throw new IntegrityError(`GET ${shown}: server announced ${cl} bytes for an object of ${size} bytes`);
        }
      } else {
        throw await this.statusError(res, `GET ${shown}`);
      }
      const before = written;
      try {
        for await (const c of res.body) {
          let chunk = c as Buffer;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          if (written + chunk.length > size) {
            res.body.destroy();
            throw new IntegrityError(`GET ${shown}: server sent more than the object's ${size} bytes`);
          }
          await out.write(chunk);
          written += chunk.length;
          onProgress(written);
        }
      } catch (e) {
        if (e instanceof TslfsError || signal?.aborted) throw e;
        res.body.destroy();
        if (written > before && written < size && resumes < MAX_RESUMES) {
          resumes++;
          continue;
        }
        throw new HttpNetworkError(`GET ${shown}`, e, true);
      }
      if (written === size) return;
      // The body ended early without an error (a short Content-Length): resume if it moved.
      if (written > before && resumes < MAX_RESUMES) {
        resumes++;
        continue;
      }
      throw new TransferError(`GET ${shown}: body ended after ${written} of ${size} bytes`, { retriable: true, code: 'ESHORT' });
    }
  }

  async upload(req: HttpAdapterRequest, localPath: string, onProgress: (bytesSoFar: number) => void, signal?: AbortSignal): Promise<void> {
    const action = requireAction(req, 'upload');
    const shown = redactUrl(action.href);
    const st = await stat(localPath).catch(() => null);
    if (!st || !st.isFile()) throw new TslfsError(`[${req.oid}] local object missing: ${localPath}`, { code: 'EOBJMISSING' });
    if (st.size !== req.size) throw new IntegrityError(`[${req.oid}] local object has ${st.size} bytes, expected ${req.size}`);
    const headers = { ...(action.header ?? {}) };
    const chunked = Object.entries(headers).some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
    const safeHeaders: Record<string, string> = {};
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) safeHeaders['content-type'] = 'application/octet-stream';
    if (!chunked) safeHeaders['content-length'] = String(req.size);
    else for (const k of Object.keys(headers)) if (k.toLowerCase() === 'transfer-encoding') delete headers[k];
    let reader: VerifyingReader | null = null;
    let body: () => BodySource;
    if (req.size <= SMALL_UPLOAD) {
      // Small objects: one read, verified before anything is sent, and the same bytes for a
      // retry (a stream per object costs more than the object).
      const data = await readFile(localPath);
      if (data.length !== req.size) throw new IntegrityError(`[${req.oid}] local object changed during upload (${data.length} of ${req.size} bytes)`);
      const got = createHash('sha256').update(data).digest('hex');
      if (got !== req.oid) throw new IntegrityError(`[${req.oid}] local object is corrupt: it hashes to ${got}`);
      body = () => data;
    } else {
      body = () => {
        reader?.destroy();
        reader = new VerifyingReader(req.oid, req.size, onProgress);
        const rs = createReadStream(localPath, { highWaterMark: 1 << 20 });
        rs.on('error', (e) => reader!.destroy(e));
        return rs.pipe(reader);
      };
    }
    let res: HttpResponse;
    try {
      res = await this.send({ method: 'PUT', url: action.href, headers, safeHeaders, body, ...(signal ? { signal } : {}) }, action);
    } catch (e) {
      const failure = (reader as VerifyingReader | null)?.failure;
      if (failure) throw failure;
      throw e;
    }
    if (res.status < 200 || res.status >= 300) throw await this.statusError(res, `PUT ${shown}`);
    await discardBody(res);
    if (req.size <= SMALL_UPLOAD) onProgress(req.size);
    if (req.verify) await this.verify(req, req.verify, signal);
  }

  /** POST the verify action (up to lfs.transfer.maxverifies times); custom agents' uploads use it too. */
  async verify(req: HttpAdapterRequest, action: HttpAction, signal?: AbortSignal): Promise<void> {
    const shown = redactUrl(action.href);
    const max = Math.max(1, this.opts.config.getInt('lfs.transfer.maxverifies', 3));
    const body = Buffer.from(JSON.stringify({ oid: req.oid, size: req.size }), 'utf8');
    let last: Error | null = null;
    for (let attempt = 1; attempt <= max; attempt++) {
      if (isExpired(action)) throw new TransferError(`[${req.oid}] action "verify" expired`, { code: 'EEXPIRED' });
      try {
        const res = await this.opts.auth.send(
          {
            method: 'POST',
            url: action.href,
            headers: { ...(action.header ?? {}) },
            safeHeaders: { accept: LFS_MEDIA_TYPE, 'content-type': LFS_MEDIA_TYPE, 'content-length': String(body.length) },
            body: () => body,
            ...(signal ? { signal } : {}),
          },
          'api',
        );
        if (res.status >= 200 && res.status < 300) {
          await discardBody(res);
          return;
        }
        last = await this.statusError(res, `verify ${shown}`);
      } catch (e) {
        if (signal?.aborted || (e instanceof TransferError && !e.retriable)) throw e;
        last = e as Error;
      }
      if (attempt < max) await this.sleep(250 * 2 ** (attempt - 1), signal);
    }
    throw new TransferError(`[${req.oid}] verify failed after ${max} attempts: ${last?.message ?? 'unknown error'}`, { code: 'EVERIFY' });
  }
}

/**
 * Passes the file's bytes through, hashing them; holds the last chunk back until the byte
 * count and sha256 match the object, so a changed file never reaches the server whole.
 */
/** Uploads up to this size are read whole and verified before the request (see upload()). */
const SMALL_UPLOAD = 1 << 20;

class VerifyingReader extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | null = null;
  private n = 0;
  failure: Error | null = null;

  constructor(
    private readonly oid: string,
    private readonly size: number,
    private readonly onProgress: (n: number) => void,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  private fail(msg: string, cb: TransformCallback): void {
    this.failure = new IntegrityError(`[${this.oid}] ${msg}`);
    cb(this.failure);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.n += chunk.length;
    if (this.n > this.size) return this.fail(`local object changed during upload (more than ${this.size} bytes)`, cb);
    this.hash.update(chunk);
    const prev = this.held;
    this.held = chunk;
    if (prev) {
      this.push(prev);
      this.onProgress(this.n - chunk.length);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.n !== this.size) return this.fail(`local object changed during upload (${this.n} of ${this.size} bytes)`, cb);
    const got = this.hash.digest('hex');
    if (got !== this.oid) return this.fail(`local object is corrupt: it hashes to ${got}`, cb);
    if (this.held) this.push(this.held);
    this.onProgress(this.n);
    cb();
  }
}

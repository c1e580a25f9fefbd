/**
 * The request log: one entry per request, appended when the request arrives and completed when
 * the response closes (status, bytes out, aborted). Tests read `entries` directly; with a log
 * file, each completed entry is also appended as one JSON line.
 */
import { appendFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggedHeaders, RequestLogEntry } from './types.js';

function pickHeaders(req: IncomingMessage): LoggedHeaders {
  const h = req.headers;
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('x-') && v !== undefined) extra[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  const auth = h['authorization'];
  let authUser: string | undefined;
  if (auth && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    authUser = decoded.split(':')[0];
  }
  const out: LoggedHeaders = { authorization: auth !== undefined, cookie: h['cookie'] !== undefined, proxyAuthorization: h['proxy-authorization'] !== undefined, extra };
  if (authUser !== undefined) out.authUser = authUser;
  if (h['range'] !== undefined) out.range = h['range'];
  if (h['content-length'] !== undefined) out.contentLength = h['content-length'];
  if (h['content-type'] !== undefined) out.contentType = h['content-type'];
  if (h['accept'] !== undefined) out.accept = h['accept'];
  if (h['user-agent'] !== undefined) out.userAgent = h['user-agent'];
  if (h['transfer-encoding'] !== undefined) out.transferEncoding = h['transfer-encoding'];
  return out;
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  private seq = 0;
  private readonly open = new Set<RequestLogEntry>();
  private waiters: Array<() => void> = [];

  constructor(private readonly file?: string) {}

  /** Start an entry and hook the response to complete it; returns the live entry. */
  begin(req: IncomingMessage, res: ServerResponse, listener: 'main' | 'alt'): RequestLogEntry {
    const url = req.url ?? '/';
    const entry: RequestLogEntry = {
      seq: ++this.seq,
      time: new Date().toISOString(),
      listener,
      method: req.method ?? 'GET',
      url,
      path: url.split('?')[0]!,
      kind: 'other',
      status: 0,
      headers: pickHeaders(req),
      bytesIn: 0,
      bytesOut: 0,
      aborted: false,
    };
    this.entries.push(entry);
    // Count body bytes written, whatever handler writes them.
    this.open.add(entry);
    // Status and bytes are recorded as they are written, so a test that has just read a
    // response sees them even before the server-side 'close' event.
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    (res as unknown as { writeHead: (...a: unknown[]) => ServerResponse }).writeHead = (...a: unknown[]) => {
      const r = writeHead(...a);
      entry.status = res.statusCode;
      return r;
    };
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    const count = (chunk: unknown): void => {
      if (typeof chunk === 'string') entry.bytesOut += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) entry.bytesOut += chunk.length;
    };
    (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
      count(a[0]);
      return write(...a);
    };
    (res as unknown as { end: (...a: unknown[]) => ServerResponse }).end = (...a: unknown[]) => {
      if (typeof a[0] !== 'function') count(a[0]);
      return end(...a);
    };
    res.on('close', () => {
      entry.status = res.headersSent ? res.statusCode : 0;
      entry.aborted = !res.writableFinished;
      this.open.delete(entry);
      if (this.open.size === 0) {
        for (const w of this.waiters.splice(0)) w();
      }
      if (this.file) {
        try {
          appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
        } catch {
          /* the log file is best effort */
        }
      }
    });
    return entry;
  }

  /** Resolves when every request seen so far has closed (or after `maxMs`). */
  settled(maxMs = 5000): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, maxMs);
      const self = this;
      function done(): void {
        clearTimeout(t);
        self.waiters = self.waiters.filter((w) => w !== done);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  clear(): void {
    this.entries.length = 0;
  }
}

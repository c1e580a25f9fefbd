/**
 * The batch API client (reference 4.3): `POST <E>/objects/batch` with the LFS media type, one
 * request per call (the queue batches and retries). Implements the transfer layer's Batcher.
 *
 * What is retried (git-lfs's code, not its docs): 429 (at Retry-After, bounded by
 * lfs.transfer.maxretrytime, default 300 s: a longer wait fails at once) and temporary network
 * errors (resets, timeouts). Everything else fails the whole batch with git-lfs's message.
 * 401 is handled by the Authenticator. The reply is read with a size cap and validated
 * (batchReply.ts).
 */
import type { Config } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Authenticator } from './Authenticator.js';
import { BatchReplyError, parseBatchJson, validateBatchReply } from './batchReply.js';
import { discardBody } from './HttpClient.js';
import { HttpNetworkError, statusMessage } from './httpErrors.js';
import { MAX_JSON_BYTES, readErrorBody, readTextCapped } from './readBody.js';
import { redactUrl, scrubSecrets } from './redact.js';
import { parseRetryAfter } from './retryAfter.js';
import type { Direction, HttpBatchReply, HttpTransferItem } from './types.js';

export const LFS_MEDIA_TYPE = 'application/vnd.git-lfs+json';

/** lfs.transfer.maxretrytime in ms (default 300 s; < 1 means the default). */
export function maxRetryTimeMs(config: Config): number {
  const s = config.getInt('lfs.transfer.maxretrytime', 300);
  return (s < 1 ? 300 : s) * 1000;
}

/**
 * A TransferError for a 429 (or other Retry-After) reply: retriable at the server's delay when
 * it is within `maxMs`, otherwise not retriable.
 */
export function rateLimitError(message: string, retryAfterHeader: string | string[] | undefined, maxMs: number, status = 429): TransferError {
  const after = parseRetryAfter(retryAfterHeader);
  if (after !== undefined && after > maxMs) {
    return new TransferError(`${message}\nThe server asked to retry after ${Math.round(after / 1000)} s, longer than lfs.transfer.maxretrytime (${Math.round(maxMs / 1000)} s)`, {
      status,
      code: 'ERATELIMIT',
    });
  }
  return new TransferError(message, { status, retriable: true, code: 'ERATELIMIT', ...(after !== undefined ? { retryAfterMs: after } : {}) });
}

export interface BatchClientOptions {
  auth: Authenticator;
  config: Config;
  /** The ref sent in requests (`refs/heads/main`); omitted when null. */
  refName?: string | null;
  /** Adapter names offered (default ["basic"]). */
  transfers?: string[];
  /**
   * Extra headers for each API request, asked for just before it is sent (the SSH
   * git-lfs-authenticate header, refreshed when it expires). Sent to the API origin only.
   */
  apiHeaders?: () => Promise<Record<string, string>>;
}

export class BatchClient {
  constructor(private readonly opts: BatchClientOptions) {}

  get url(): string {
    return `${this.opts.auth.endpoint}/objects/batch`;
  }

  async batch(direction: Direction, objects: readonly HttpTransferItem[], signal?: AbortSignal): Promise<HttpBatchReply> {
    const url = this.url;
    const shown = redactUrl(url);
    const payload: Record<string, unknown> = {
      operation: direction,
      objects: objects.map((o) => ({ oid: o.oid, size: o.size })),
      transfers: this.opts.transfers ?? ['basic'],
    };
    if (this.opts.refName) payload['ref'] = { name: this.opts.refName };
    payload['hash_algo'] = 'sha256';
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const scrub = (e: unknown): unknown => {
      if (e instanceof TransferError) {
        const m = scrubSecrets(e.message, this.opts.auth.secrets);
        if (m !== e.message) Object.defineProperty(e, 'message', { value: m });
      }
      return e;
    };
    let res;
    try {
      const extra = this.opts.apiHeaders ? await this.opts.apiHeaders() : undefined;
      res = await this.opts.auth.send(
        {
          method: 'POST',
          url,
          ...(extra && Object.keys(extra).length ? { headers: { ...extra } } : {}),
          safeHeaders: { accept: LFS_MEDIA_TYPE, 'content-type': LFS_MEDIA_TYPE, 'content-length': String(body.length) },
          body: () => body,
          ...(signal ? { signal } : {}),
        },
        'api',
      );
    } catch (e) {
      throw scrub(e);
    }
    if (res.status === 429) {
      const b = await readErrorBody(res.body);
      throw rateLimitError(statusMessage(429, shown, b), res.headers['retry-after'], maxRetryTimeMs(this.opts.config));
    }
    if (res.status !== 200) {
      if (res.status >= 200 && res.status < 300) {
        await discardBody(res);
        throw new TransferError(`batch response: unexpected HTTP status ${res.status} from ${shown}`, { status: res.status, code: 'EBATCH' });
      }
      const b = await readErrorBody(res.body);
      throw new TransferError(statusMessage(res.status, shown, b), { status: res.status, code: 'EBATCH' });
    }
    let text: string;
    try {
      text = await readTextCapped(res.body, MAX_JSON_BYTES, 'batch response');
    } catch (e) {
      if (e instanceof TransferError) throw new TransferError(`unable to parse batch response: ${e.message}`, { code: 'EBATCH' });
      throw new HttpNetworkError(`POST ${shown}`, e);
    }
    try {
      return validateBatchReply(parseBatchJson(text), { direction, asked: objects, apiProtocol: new URL(url).protocol });
    } catch (e) {
      if (e instanceof BatchReplyError) throw new TransferError(`${e.message} from ${shown}`, { code: 'EBATCH' });
      throw e;
    }
  }
}

/**
 * Error classification and messages for HTTP calls. Pure.
 *
 * - Network errors (no HTTP response) become HttpNetworkError; `temporary` tells whether another
 *   attempt may help (resets, timeouts, a dropped socket) or not (refused, unknown host, TLS).
 * - Status replies get git-lfs's canned messages (lfshttp), or the server's JSON `message`.
 */
import { TransferError } from '../errors/TslfsError.js';

/** Error codes of failures that may pass on their own. */
const TEMPORARY_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The network-level error code of an error (Node's `code`, undici's, or a cause's). */
export function networkCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ETRANSFER') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTemporaryNetworkCode(code: string | undefined): boolean {
  return code !== undefined && TEMPORARY_CODES.has(code);
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'temporary failure in name resolution',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'dial timeout (lfs.dialtimeout)',
  UND_ERR_HEADERS_TIMEOUT: 'no response before the activity timeout (lfs.activitytimeout)',
  UND_ERR_BODY_TIMEOUT: 'transfer stalled longer than the activity timeout (lfs.activitytimeout)',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CLOSED: 'connection closed',
  // TLS: the server's certificate was refused. No colon inside: callers trim the reason after
  // the last colon when they re-wrap these errors.
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate verification failed (self-signed certificate; trust it with http.sslCAInfo)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate verification failed (self-signed certificate in the chain; trust its CA with http.sslCAInfo)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate verification failed (unknown issuer; trust its CA with http.sslCAInfo)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate verification failed (unknown issuer; trust its CA with http.sslCAInfo)',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS certificate verification failed (unknown issuer; trust its CA with http.sslCAInfo)',
  CERT_HAS_EXPIRED: 'TLS certificate verification failed (the certificate has expired)',
  CERT_NOT_YET_VALID: 'TLS certificate verification failed (the certificate is not yet valid)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate verification failed (the certificate is not valid for this host name)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (the server does not speak TLS on this port)',
};

/** True for certificate verification and TLS handshake failures (retrying cannot help). */
export function isTlsFailure(e: HttpNetworkError): boolean {
  const c = e.netCode ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|ERR_SSL_|ERR_TLS_/.test(c);
}

/** A request that got no HTTP response (or whose body broke off). */
export class HttpNetworkError extends TransferError {
  readonly netCode: string | undefined;
  constructor(what: string, cause: unknown, retriable?: boolean) {
    const code = networkCode(cause);
    const reason = (code && REASONS[code]) ?? ((cause as Error | undefined)?.message || 'network error');
    super(`${what}: ${reason}`, { retriable: retriable ?? isTemporaryNetworkCode(code), code: 'ENETWORK', cause });
    this.netCode = code;
  }
}

/** git-lfs's messages for status codes, `%s` being the (redacted) URL. */
const CANNED: Record<number, string> = {
  400: 'Client error: %s',
  401: 'Authorization error: %s\nCheck that you have proper access to the repository',
  403: 'Authorization error: %s\nCheck that you have proper access to the repository',
  404: 'Repository or object not found: %s\nCheck that it exists and that you have proper access to it',
  406: 'Client error: %s (the server did not accept the Git LFS media type)',
  413: 'Client error: %s (request too large)',
  422: 'Unprocessable entity: %s',
  429: 'Rate limit exceeded: %s',
  500: 'Server error: %s',
  501: 'Not Implemented: %s',
  507: 'Insufficient server storage: %s',
  509: 'Bandwidth limit exceeded: %s',
};

/** Longest server-supplied text kept in a message. */
const MAX_SERVER_TEXT = 1024;

function clip(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
  return clean.length > MAX_SERVER_TEXT ? `${clean.slice(0, MAX_SERVER_TEXT)}...` : clean;
}

/**
 * The message for an HTTP error reply. `body` is the parsed JSON error body if there was one
 * ({message, documentation_url, request_id}); its message wins over the canned text.
 */
export function statusMessage(status: number, redactedUrl: string, body?: unknown): string {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  let msg: string;
  if (typeof b['message'] === 'string' && b['message'].trim()) msg = clip(b['message']);
  else {
    const canned = CANNED[status] ?? (status >= 500 ? 'Server error: %s' : status >= 400 ? 'Client error: %s' : 'Unexpected HTTP status %s');
    msg = canned.replace('%s', redactedUrl);
    if (!CANNED[status]) msg += ` (HTTP ${status})`;
  }
  if (typeof b['documentation_url'] === 'string' && b['documentation_url']) msg += `\nDocs: ${clip(b['documentation_url'])}`;
  if (typeof b['request_id'] === 'string' && b['request_id']) msg += `\nRequest ID: ${clip(b['request_id'])}`;
  return msg;
}

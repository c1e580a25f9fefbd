/**
 * Types shared by the test LFS server's parts: options, fault rules, the request log and locks.
 * The server is test support only; it shares no code with src/ on purpose, so that it stays an
 * independent oracle for the client under test.
 */

/** Which request a fault rule applies to. */
export type RuleKind =
  | 'batch' // POST .../info/lfs/objects/batch, the whole reply
  | 'object' // one object inside a batch reply (per-object error, expired action, lies ...)
  | 'storage-get' // GET /storage/<repo>/<oid>
  | 'storage-put' // PUT /storage/<repo>/<oid>
  | 'verify' // POST .../info/lfs/verify
  | 'locks' // GET/POST .../info/lfs/locks and .../locks/<id>/unlock
  | 'locks-verify' // POST .../info/lfs/locks/verify
  | 'git'; // git smart HTTP (http-backend)

export type Operation = 'download' | 'upload';

/** Slow body: `bytes` bytes every `intervalMs`; after `maxMs` the rest is sent at once. */
export interface SlowSpec {
  bytes?: number; // default 1
  intervalMs?: number; // default 50
  maxMs?: number; // default 10_000, capped at 60_000
}

/**
 * A fault to inject. `kind` and the optional `repo` / `oid` / `operation` select the requests;
 * the first `skip` matching requests pass untouched, the next `times` (default 1, Infinity for
 * "forever") get the fault. Fields that do not apply to a kind are ignored.
 */
export interface FaultRule {
  kind: RuleKind;
  repo?: string; // repo key (URL path before /info/lfs, no leading '/', no trailing '.git')
  oid?: string; // object kinds: the object; 'batch': the batch asks for this oid
  operation?: Operation; // 'batch' / 'object': only this operation
  times?: number;
  skip?: number;
  /** Count `skip` and `times` separately for each oid (e.g. "every object fails twice"). */
  perOid?: boolean;

  // Any HTTP kind:
  status?: number; // reply with this status (for 'object': the per-object error code)
  retryAfter?: number | string; // Retry-After header value (seconds or HTTP-date), verbatim
  message?: string; // error message in the JSON body
  body?: string; // raw body instead of the JSON error (e.g. malformed JSON, an HTML page)
  contentType?: string; // Content-Type of the reply
  headers?: Record<string, string>; // extra reply headers
  drop?: boolean; // destroy the socket at once, no response
  hangMs?: number; // send nothing for this long (capped at 60 s), then destroy the socket
  redirect?: 'same' | 'other' | 'relative' | string; // 3xx to the same listener, the other listener, a relative Location, or this absolute URL
  redirectStatus?: number; // default 307

  // 'storage-get' (body shaping; several may combine):
  truncate?: boolean | number; // send this many body bytes (true: half) with the full Content-Length, then destroy the socket
  corrupt?: boolean; // same length, every byte XOR 0x5a
  ignoreRange?: boolean; // answer a Range request with 200 and the whole body
  rejectRange?: boolean; // answer a Range request with 416
  slow?: SlowSpec; // trickle the body
  endless?: boolean; // chunked body that never ends (capped by maxEndlessBytes / 60 s)
  oversize?: number; // declare and send this many extra garbage bytes after the object

  // 'storage-put':
  discard?: boolean; // read the body, answer 200, store nothing (fake success)

  // 'object' (inside a batch reply):
  expired?: 'at' | 'in' | 'both'; // actions carry expires_at / expires_in in the past
  unknownOid?: boolean; // reply with a different (unrequested) oid
  duplicate?: boolean; // list the object twice in the reply (HS6 d)
  oidValue?: string; // reply with exactly this oid string (hostile oids)
  size?: number; // reported size (e.g. -1)
  authenticated?: boolean; // "authenticated": true
  deprecatedLinks?: boolean; // "_links" instead of "actions"
  verifyAction?: boolean; // add a verify action (upload)
  href?: string; // replace the action href verbatim
  actionHeaders?: Record<string, string>; // extra action headers
  omit?: boolean; // leave the object out of the reply

  // 'batch':
  hashAlgo?: string; // reply hash_algo
  transfer?: string; // reply transfer adapter name

  // 'locks' / 'locks-verify':
  cursorLoop?: boolean; // always answer next_cursor = the cursor asked for (or "loop")
}

/** The live state of an installed rule (returned by failNext so tests can assert on it). */
export interface RuleHandle {
  readonly rule: FaultRule;
  /** Matching requests seen (including skipped ones). */
  readonly seen: number;
  /** Requests the fault was applied to. */
  readonly hits: number;
  /** Remove the rule. */
  remove(): void;
}

export interface AuthSpec {
  user: string;
  pass: string;
  /** Repos (keys) that need auth; a function; or all repos when omitted. */
  repos?: string[] | ((repo: string) => boolean);
  /** Also require credentials on storage GET/PUT (default false: storage is open). */
  storage?: boolean;
  /** Also accept `Authorization: Bearer <bearer>`; the 401 challenge then says Bearer. */
  bearer?: string;
  /** A two-step exchange in `scheme`: step1 → 401 `<scheme> <challenge>`, then final → OK. */
  multistage?: { scheme: string; step1: string; challenge: string; final: string };
}

export interface LfsServerOptions {
  /** Directory for bare git repos (GIT_PROJECT_ROOT) and stored objects (under root/.lfs). */
  root: string;
  /** Port of the main listener (default 0: random). */
  port?: number;
  /** Port of the second listener ("another host" for cross-origin redirects; default 0). */
  altPort?: number;
  /** Basic auth on some repos (besides the magic `requirecreds*` repos). */
  auth?: AuthSpec;
  /** Add a verify action to every upload. */
  verifyAction?: boolean;
  /** Headers put in every action (e.g. a storage token). */
  actionHeaders?: Record<string, string>;
  /** Max locks per page (default 100). */
  lockPageSize?: number;
  /** Cap for 'endless' bodies (default 64 MiB). */
  maxEndlessBytes?: number;
  /** Cap for a PUT body whose size the batch did not announce (default 1 GiB). */
  maxObjectSize?: number;
  /** Append each request log entry as a JSON line to this file. */
  logFile?: string;
  /** Seconds an action stays valid (expires_in; default 3600). */
  actionTtl?: number;
  /**
   * Base URL of storage action hrefs instead of the listener's own URL, or a function of that URL
   * (e.g. `(b) => b.replace('http:', 'https:')` on a plain-HTTP server, for
   * url.<base>.insteadOf href rewriting tests).
   */
  hrefBase?: string | ((listenerUrl: string) => string);
  /** Serve HTTPS instead of HTTP on both listeners (PEM key and certificate chain). */
  tls?: TlsServerOptions;
}

export interface TlsServerOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** Require a client certificate signed by one of these CAs (PEM). */
  clientCa?: string | Buffer;
}

/** One logged request. Filled when the response finishes (or the socket closes). */
export interface RequestLogEntry {
  seq: number;
  time: string; // ISO timestamp of arrival
  listener: 'main' | 'alt';
  method: string;
  url: string; // path + query as received
  path: string;
  kind: RuleKind | 'other';
  repo?: string;
  oid?: string;
  operation?: Operation;
  /** Oids named in a batch request. */
  oids?: string[];
  /** The `transfers` a batch request offered. */
  transfers?: string[];
  status: number; // 0 when no response was sent (dropped)
  headers: LoggedHeaders;
  bytesIn: number; // request body bytes read
  bytesOut: number; // response body bytes written
  /** Short description of the fault applied, if any. */
  fault?: string;
  /** True when the socket closed before the response finished. */
  aborted: boolean;
}

export interface LoggedHeaders {
  authorization: boolean; // present?
  authUser?: string; // Basic user name, if Basic
  range?: string;
  contentLength?: string;
  contentType?: string;
  accept?: string;
  userAgent?: string;
  transferEncoding?: string;
  cookie: boolean;
  /** Proxy-Authorization present? (must never reach an origin) */
  proxyAuthorization: boolean;
  /** Every X-* header, lower-cased name -> value. */
  extra: Record<string, string>;
}

export interface LockRecord {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
}

/**
 * The test LFS server: a real HTTP server on 127.0.0.1 speaking the Git LFS batch API, basic
 * transfers, verify and the locking API, plus git smart HTTP through `git http-backend`, with
 * switches that simulate every failure a client must survive. Our own implementation of the
 * upstream specs (docs/api/batch.md, basic-transfers.md, locking.md); the switch names follow
 * git-lfs's test server where one exists, so git-lfs tests translate directly.
 *
 *   const srv = await startLfsServer({ root: dir });
 *   await srv.createRepo('r');                 // bare root/r.git, push enabled
 *   git remote add origin srv.gitUrl('r');    // http://127.0.0.1:PORT/r.git (LFS: .../r.git/info/lfs)
 *   srv.failNext({ kind: 'storage-get', status: 503, times: 2 });
 *   srv.requests                               // the request log
 *   await srv.stop();
 *
 * URLs
 *   <repo>/info/lfs/objects/batch   POST  batch (any path containing /info/lfs is the LFS API;
 *                                         the repo key is the path before it, minus ".git")
 *   <repo>/info/lfs/verify          POST  verify action target
 *   <repo>/info/lfs/locks[/verify|/<id>/unlock]  locking API
 *   /storage/<encoded repo>/<oid>   GET (Range) / PUT  basic-transfer storage (action hrefs)
 *   anything else                   git smart HTTP (http-backend, GIT_PROJECT_ROOT = root)
 *   Objects are stored on disk under root/.lfs/repos/<encoded repo>/aa/bb/<oid>.
 *   A second listener (altUrl) serves the same routes on another port: "another host" for
 *   cross-origin redirects. Both bind 127.0.0.1 only.
 *   options.tls makes both listeners HTTPS (url/altUrl become https://...), optionally requiring
 *   a client certificate (tls.clientCa); options.hrefBase replaces the listener URL in storage
 *   action hrefs (e.g. an https:// base on a plain-HTTP server, for href rewriting tests).
 *
 * Strictness (as git-lfs's server): LFS API requests without `Accept: application/vnd.git-lfs+json`
 * → 406; POSTs whose Content-Type is not that type (parameters allowed) → 400; JSON bodies over
 * 10 MiB → 413; batch `transfers` without "basic" → 422 (unless a rule forces an adapter);
 * `hash_algo` other than sha256 → per-object 409; bad oid/size → per-object 422; storage PUT whose
 * sha256 is not the oid → 403, whose size differs from the batch's → 400; Range that is
 * malformed, multiple or unsatisfiable → 416 with `Content-Range: bytes *\/size`.
 *
 * Auth: repos named `requirecreds*` (any path segment) and repos chosen by options.auth need
 * Basic credentials (`requirecreds:pass`, or options.auth's user:pass): none → 401 with
 * `LFS-Authenticate: Basic realm="tslfs-test"` (git routes: `WWW-Authenticate`), wrong → 403
 * (git routes: 401). Storage is open unless options.auth.storage. Objects answered with
 * "authenticated": true refuse storage requests that carry Authorization (403).
 *
 * SWITCHES. Programmatic: srv.failNext(rule) (FaultRule in types.ts: kind + optional repo/oid/
 * operation selectors, `skip` N, then `times` uses (default 1, Infinity = forever), counted per
 * oid with `perOid`). Magic object
 * contents (the object whose content is exactly the string; magicOid(name) gives its oid) and
 * magic repo names install the same rules, counted per repo:
 *
 * | magic content / repo name                   | effect                                                            |
 * |---------------------------------------------|-------------------------------------------------------------------|
 * | status-batch-{403,404,410,422,500}          | per-object error with that code in every batch reply              |
 * | status-storage-{401,403,404,410,422,429,500,503,507} | storage GET and PUT answer that status, always          |
 * | return-expired-action                       | first batch reply: actions with expires_at and expires_in in the past |
 * | return-expired-action-forever               | same, every time                                                  |
 * | return-invalid-size                         | batch reply size -1                                               |
 * | unknown-oid                                 | batch reply names a different oid                                 |
 * | object-authenticated                        | "authenticated": true; storage refuses Authorization (403)        |
 * | send-verify-action                          | upload gets a verify action                                       |
 * | send-deprecated-links                       | "_links" instead of "actions"                                     |
 * | storage-upload-retry                        | PUT 500 twice, then OK                                            |
 * | storage-upload-retry-later[-no-header]      | PUT 429 once, with Retry-After: 1 (or without)                    |
 * | storage-download-retry                      | GET 500 twice, then OK                                            |
 * | storage-download-retry-later[-no-header]    | GET 429 once, with Retry-After: 1 (or without)                    |
 * | storage-download-retry-range                | first GET cut at half (full Content-Length), Range then honoured (206) |
 * | storage-download-retry-range-rejected       | cut at half, then the Range request gets 416                      |
 * | storage-download-retry-range-ignored        | cut at half, then the Range request gets 200 + whole body         |
 * | storage-download-corrupt                    | same length, every byte XOR 0x5a, always                          |
 * | storage-download-slow                       | one byte every 20 ms (the rest at once after 5 s)                 |
 * | storage-download-endless                    | chunked body that never ends (cut at maxEndlessBytes / 60 s)      |
 * | storage-download-oversize                   | Content-Length = size + 1024, 1024 garbage bytes after the object |
 * | storage-download-drop / storage-upload-drop | first GET / PUT: connection closed, no response                   |
 * | redirect-storage-upload / -download         | first PUT / GET: 307 to the same URL (same listener)              |
 * | redirect-storage-other-host                 | first PUT and first GET: 307 to the other listener (other port)   |
 * | storage-upload-fake-success                 | first PUT: 200 but nothing stored                                 |
 * | batch-hash-algo-empty / -invalid            | batch reply hash_algo "" / "invalid"                              |
 * | repo *batchunsupported*                     | batch 404                                                         |
 * | repo *badbatch*                             | batch 203 (normal body)                                           |
 * | repo *batch-status-NNN*                     | batch answers NNN always (429/503 with Retry-After: 1)            |
 * | repo *batch-retry-later*                    | first batch 429 with Retry-After: 1                               |
 * | repo *batch-retry-later-no-header*          | first batch 429 without Retry-After                               |
 * | repo *batch-retry-later-exceeds-max*        | batch 429 with Retry-After: 100000, always                        |
 * | repo *expired-{absolute,relative,both}*     | every action expired (expires_at / expires_in / both)             |
 * | repo *verify-fail-N-times*                  | verify actions; verify answers 503 N times per object, then 200   |
 * | repo *verify-{403,404,500,501,503}*         | verify actions; verify answers that status always                 |
 * | repo *locks-verify-{403,404,410,500,501}*   | POST locks/verify answers that status always                      |
 * | repo *storage-redirect-other-host*          | every storage GET/PUT: 307 to the other listener                  |
 * | repo *custom-transfer-*                     | batch picks transfer "testcustom"                                 |
 * | repo *transfer-adapter-NAME*                | batch picks transfer NAME                                         |
 * | repo *-BRANCH-branch-required               | batch/locks 403 unless ref (refspec) is refs/heads/BRANCH         |
 * | repo requirecreds*                          | Basic auth requirecreds:pass (see Auth)                           |
 *
 * Rule fields (types.ts FaultRule) by kind: any kind: status (+retryAfter, message, body,
 * contentType, headers; a 401 gets a Basic challenge unless headers has one), drop, hangMs (≤ 60 s), redirect 'same'|'other'|'relative'|URL
 * (+redirectStatus); 'batch': hashAlgo, transfer, a 2xx status keeps the normal body;
 * 'object': status = per-object error code, expired, unknownOid, duplicate, oidValue, size, authenticated,
 * deprecatedLinks, verifyAction, href, actionHeaders, omit; 'storage-get': truncate, corrupt,
 * ignoreRange / rejectRange (these rules match only requests with Range), slow (≤ 60 s),
 * endless, oversize; 'storage-put': discard; 'locks' / 'locks-verify': cursorLoop.
 *
 * Bounds: every wait has a cap (hang ≤ 60 s, slow ≤ 60 s, endless ≤ 60 s / 64 MiB, http-backend
 * children ≤ 120 s); stop() aborts waits, closes every socket and kills http-backend children.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { handleRequest } from './handleRequest.js';
import { LockStore } from './LockStore.js';
import { oidOf } from './magic.js';
import { ObjectStore } from './ObjectStore.js';
import { RequestLog } from './RequestLog.js';
import { RuleBook } from './RuleBook.js';
import { sleep, type ServerContext } from './ServerContext.js';
import type { FaultRule, LfsServerOptions, LockRecord, RequestLogEntry, RuleHandle } from './types.js';

export { magicOid, oidOf, MAGIC_CONTENTS } from './magic.js';
export type * from './types.js';

const execFileP = promisify(execFile);

export interface LfsServer {
  /** http://127.0.0.1:PORT (https:// with options.tls) */
  readonly url: string;
  /** The second listener, "another host" for cross-origin redirects. */
  readonly altUrl: string;
  readonly port: number;
  readonly altPort: number;
  readonly root: string;
  /** The request log (live array; completed entries have status and byte counts). */
  readonly requests: RequestLogEntry[];
  clearRequests(): void;
  /** Resolves when every request so far has finished on the server side (max 5 s). */
  settled(): Promise<void>;
  /** `${url}/${name}.git` */
  gitUrl(name: string): string;
  /** `${url}/${name}.git/info/lfs` */
  lfsUrl(name: string): string;
  /** Create the bare repo root/<name>.git (HEAD -> `branch`, default main) with http.receivepack enabled; returns its path. */
  createRepo(name: string, branch?: string): Promise<string>;
  /** Install a fault rule; see the table above. */
  failNext(rule: FaultRule): RuleHandle;
  /** Remove test rules and reset magic/repo-name counters. */
  clearRules(): void;
  /** Store an object directly (seeding); returns its oid. */
  putObject(repo: string, data: string | Buffer): Promise<string>;
  objectSize(repo: string, oid: string): Promise<number | undefined>;
  hasObject(repo: string, oid: string): Promise<boolean>;
  objectPath(repo: string, oid: string): string;
  deleteObject(repo: string, oid: string): Promise<void>;
  /** Add a lock as `owner` (default someone else, "Other User"). */
  addLock(repo: string, path: string, owner?: string): LockRecord;
  listLocks(repo: string): LockRecord[];
  /** Close every connection and both listeners, wait downMs, listen again on the same ports. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startLfsServer(opts: LfsServerOptions): Promise<LfsServer> {
  await mkdir(opts.root, { recursive: true });
  let abort = new AbortController();
  let mainPort = 0;
  let altPort = 0;
  const store = new ObjectStore(opts.root);
  const locks = new LockStore();
  const ctx: ServerContext = {
    opts,
    store,
    rules: new RuleBook(),
    log: new RequestLog(opts.logFile),
    locks,
    expectedSizes: new Map(),
    authenticatedOids: new Set(),
    children: new Set(),
    get signal() {
      return abort.signal;
    },
    mainUrl: () => `${scheme}://127.0.0.1:${mainPort}`,
    altUrl: () => `${scheme}://127.0.0.1:${altPort}`,
  };
  const scheme = opts.tls ? 'https' : 'http';
  const make = (listener: 'main' | 'alt'): Server => {
    const handler = (req: Parameters<typeof handleRequest>[1], res: Parameters<typeof handleRequest>[2]): void => void handleRequest(ctx, req, res, listener);
    const t = opts.tls;
    const s: Server = t
      ? createHttpsServer({ key: t.key, cert: t.cert, ...(t.clientCa ? { ca: t.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, handler)
      : createServer(handler);
    s.headersTimeout = 30_000;
    s.requestTimeout = 300_000;
    s.keepAliveTimeout = 5_000;
    return s;
  };
  const main = make('main');
  const alt = make('alt');
  mainPort = await listen(main, opts.port ?? 0);
  altPort = await listen(alt, opts.altPort ?? 0);

  const shutdown = async (): Promise<void> => {
    abort.abort();
    for (const c of ctx.children) c.kill('SIGKILL');
    await Promise.all([close(main), close(alt)]);
  };

  const srv: LfsServer = {
    get url() {
      return ctx.mainUrl();
    },
    get altUrl() {
      return ctx.altUrl();
    },
    get port() {
      return mainPort;
    },
    get altPort() {
      return altPort;
    },
    root: opts.root,
    requests: ctx.log.entries,
    clearRequests: () => ctx.log.clear(),
    settled: () => ctx.log.settled(),
    gitUrl: (name) => `${ctx.mainUrl()}/${name}.git`,
    lfsUrl: (name) => `${ctx.mainUrl()}/${name}.git/info/lfs`,
    async createRepo(name, branch = 'main') {
      const dir = join(opts.root, `${name.replace(/\.git$/, '')}.git`);
      await execFileP('git', ['init', '-q', '--bare', `--initial-branch=${branch}`, dir]);
      await execFileP('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
      return dir;
    },
    failNext: (rule) => ctx.rules.add(rule),
    clearRules: () => ctx.rules.clear(),
    async putObject(repo, data) {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      const oid = oidOf(buf);
      await store.putBuffer(repo, oid, buf);
      return oid;
    },
    objectSize: (repo, oid) => store.size(repo, oid),
    hasObject: async (repo, oid) => (await store.size(repo, oid)) !== undefined,
    objectPath: (repo, oid) => store.path(repo, oid),
    deleteObject: (repo, oid) => store.delete(repo, oid),
    addLock: (repo, path, owner = 'Other User') => locks.create(repo, path, owner).lock,
    listLocks: (repo) => locks.list(repo),
    async restart(downMs = 0) {
      await shutdown();
      await sleep(downMs, new AbortController().signal);
      abort = new AbortController();
      await listen(main, mainPort);
      await listen(alt, altPort);
    },
    stop: shutdown,
  };
  return srv;
}

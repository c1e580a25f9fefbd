/**
 * Routing of one request: /storage/... → basic-transfer storage; any path containing
 * /info/lfs → the LFS API (Accept 406, Content-Type 400, auth 401/403, then batch / verify /
 * locks); everything else → git smart HTTP. Logs the request, and turns an unexpected
 * exception into a 500 (or a cut connection once the response has started).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyGenericFault } from './applyGenericFault.js';
import { challengeHeaders, checkAuth, credsFor } from './auth.js';
import { handleBatch } from './handleBatch.js';
import { handleGit } from './handleGit.js';
import { handleLocks } from './handleLocks.js';
import { handleStorageGet, handleStoragePut } from './handleStorage.js';
import { handleVerify } from './handleVerify.js';
import { acceptsLfs, isLfsContentType, sendLfsError } from './httpUtil.js';
import { OID_RE } from './ObjectStore.js';
import type { RequestView, ServerContext } from './ServerContext.js';

/** Repo key of a URL path prefix: no leading/trailing '/', no trailing '.git'. */
export function repoKey(prefix: string): string | undefined {
  const key = prefix.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  if (key === '' || key.split('/').some((s) => s === '..' || s === '.')) return undefined;
  return key;
}

const GIT_PATH = /^(.*?)\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/;

export async function handleRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, listener: 'main' | 'alt'): Promise<void> {
  const entry = ctx.log.begin(req, res, listener);
  const base = listener === 'main' ? ctx.mainUrl() : ctx.altUrl();
  const view: RequestView = { req, res, entry, listener, base, url: new URL(req.url ?? '/', base) };
  try {
    await route(ctx, view);
  } catch (e) {
    if (!res.headersSent && !res.destroyed) sendLfsError(res, 500, `test server error: ${e instanceof Error ? e.message : String(e)}`);
    else req.socket.destroy();
  }
}

async function route(ctx: ServerContext, view: RequestView): Promise<void> {
  const { req, res, entry } = view;
  const path = view.url.pathname;

  const st = /^\/storage\/([^/]+)\/([^/]+)$/.exec(path);
  if (st) {
    const repo = repoKey(decodeURIComponent(st[1]!));
    const oid = st[2]!;
    if (repo === undefined || !OID_RE.test(oid)) return sendLfsError(res, 404, 'no such storage object');
    entry.repo = repo;
    entry.oid = oid;
    if (req.method === 'GET') {
      entry.kind = 'storage-get';
      entry.operation = 'download';
      return handleStorageGet(ctx, view, repo, oid);
    }
    if (req.method === 'PUT') {
      entry.kind = 'storage-put';
      entry.operation = 'upload';
      return handleStoragePut(ctx, view, repo, oid);
    }
    return sendLfsError(res, 405, 'method not allowed');
  }

  const lfsAt = path.indexOf('/info/lfs');
  if (lfsAt >= 0 && (path.length === lfsAt + 9 || path[lfsAt + 9] === '/')) {
    const repo = repoKey(path.slice(0, lfsAt));
    if (repo === undefined) return sendLfsError(res, 404, 'no repository in the path');
    entry.repo = repo;
    const sub = path.slice(lfsAt + 10);
    const lfsBase = view.base + path.slice(0, lfsAt) + '/info/lfs';
    if (sub === 'objects/batch') entry.kind = 'batch';
    else if (sub === 'verify') entry.kind = 'verify';
    else if (sub === 'locks' || sub.startsWith('locks/')) entry.kind = sub === 'locks/verify' ? 'locks-verify' : 'locks';
    else return sendLfsError(res, 404, `unknown LFS API path ${JSON.stringify(sub)}`);
    if (!acceptsLfs(req)) return sendLfsError(res, 406, `Accept must be application/vnd.git-lfs+json, got ${JSON.stringify(req.headers['accept'] ?? '')}`);
    if (req.method === 'POST' && !isLfsContentType(req)) return sendLfsError(res, 400, `Content-Type must be application/vnd.git-lfs+json, got ${JSON.stringify(req.headers['content-type'] ?? '')}`);
    const auth = checkAuth(req, credsFor(repo, ctx.opts.auth), false);
    if (!auth.ok) return sendLfsError(res, auth.status, auth.message, auth.status === 401 ? challengeHeaders(false, auth.challenge) : {});
    if (entry.kind === 'batch') {
      if (req.method !== 'POST') return sendLfsError(res, 405, 'method not allowed');
      return handleBatch(ctx, view, repo, lfsBase);
    }
    if (entry.kind === 'verify') {
      if (req.method !== 'POST') return sendLfsError(res, 405, 'method not allowed');
      return handleVerify(ctx, view, repo);
    }
    return handleLocks(ctx, view, repo, sub, auth.user);
  }

  const g = GIT_PATH.exec(path);
  const repo = g ? repoKey(g[1]!) : undefined;
  if (repo === undefined) return sendLfsError(res, 404, 'not found');
  entry.kind = 'git';
  entry.repo = repo;
  const auth = checkAuth(req, credsFor(repo, ctx.opts.auth), true);
  if (!auth.ok) return sendLfsError(res, 401, auth.message, challengeHeaders(true));
  const rule = ctx.rules.take({ kind: 'git', repo });
  if (await applyGenericFault(ctx, view, rule, 'git request failed')) return;
  return handleGit(ctx, view, auth.user);
}

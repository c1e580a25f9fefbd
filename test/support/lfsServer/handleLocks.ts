/**
 * The locking API (docs/api/locking.md) under <repo>/info/lfs/locks: create (201 / 409 with the
 * existing lock), list (GET, filters path/id/refspec, cursor pagination), verify (ours/theirs
 * by owner name = the Basic user, or "Test User" without credentials) and unlock (403 for
 * someone else's lock unless force).
 */
import { applyGenericFault, describeRule } from './applyGenericFault.js';
import { HttpError, readJson, sendJson, sendLfsError } from './httpUtil.js';
import { LockStore } from './LockStore.js';
import { requiredBranch } from './magic.js';
import type { RequestView, ServerContext } from './ServerContext.js';

export const ANONYMOUS_OWNER = 'Test User';

function pageSize(ctx: ServerContext, limit: unknown): number {
  const max = ctx.opts.lockPageSize ?? 100;
  const n = typeof limit === 'number' ? limit : typeof limit === 'string' && limit !== '' ? Number(limit) : max;
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, max) : max;
}

export async function handleLocks(ctx: ServerContext, view: RequestView, repo: string, sub: string, user: string | undefined): Promise<void> {
  const { req, res, entry } = view;
  const me = user ?? ANONYMOUS_OWNER;
  const isVerify = sub === 'locks/verify';
  entry.kind = isVerify ? 'locks-verify' : 'locks';
  const rule = ctx.rules.take({ kind: entry.kind, repo });
  if (await applyGenericFault(ctx, view, rule, 'locks request failed')) return;
  if (rule) entry.fault = describeRule(rule);
  const branch = requiredBranch(repo);

  if (req.method === 'GET' && sub === 'locks') {
    const q = view.url.searchParams;
    if (branch !== undefined && q.get('refspec') !== branch) return sendLfsError(res, 403, `Expected refspec "${branch}"`);
    let locks = ctx.locks.list(repo);
    const path = q.get('path');
    const id = q.get('id');
    if (path) locks = locks.filter((l) => l.path === path);
    if (id) locks = locks.filter((l) => l.id === id);
    const cursor = q.get('cursor') || undefined;
    const p = LockStore.page(locks, rule?.cursorLoop ? undefined : cursor, pageSize(ctx, q.get('limit')));
    if ('badCursor' in p) return sendLfsError(res, 422, `unknown cursor ${JSON.stringify(cursor)}`);
    const next = rule?.cursorLoop ? (cursor ?? 'loop') : p.next;
    return sendJson(res, 200, { locks: p.page, ...(next !== undefined ? { next_cursor: next } : {}) });
  }
  if (req.method !== 'POST') return sendLfsError(res, 405, 'method not allowed');

  let body: Record<string, unknown>;
  try {
    body = ((await readJson(req, (n) => (entry.bytesIn += n))) ?? {}) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof HttpError) return sendLfsError(res, e.status, e.message);
    throw e;
  }
  const refName = (body['ref'] as { name?: unknown } | undefined)?.name;
  if (branch !== undefined && refName !== branch) return sendLfsError(res, 403, `Expected ref "${branch}", got "${String(refName ?? '')}"`);

  if (sub === 'locks') {
    const path = body['path'];
    if (typeof path !== 'string' || path === '') return sendLfsError(res, 422, 'path is required');
    const r = ctx.locks.create(repo, path, me);
    if (!r.created) return sendJson(res, 409, { lock: r.lock, message: 'lock already created' });
    return sendJson(res, 201, { lock: r.lock });
  }
  if (isVerify) {
    const cursor = typeof body['cursor'] === 'string' && body['cursor'] !== '' ? body['cursor'] : undefined;
    const p = LockStore.page(ctx.locks.list(repo), rule?.cursorLoop ? undefined : cursor, pageSize(ctx, body['limit']));
    if ('badCursor' in p) return sendLfsError(res, 422, `unknown cursor ${JSON.stringify(cursor)}`);
    const next = rule?.cursorLoop ? (cursor ?? 'loop') : p.next;
    return sendJson(res, 200, {
      ours: p.page.filter((l) => l.owner.name === me),
      theirs: p.page.filter((l) => l.owner.name !== me),
      ...(next !== undefined ? { next_cursor: next } : {}),
    });
  }
  const m = /^locks\/([^/]+)\/unlock$/.exec(sub);
  if (m) {
    const id = decodeURIComponent(m[1]!);
    const lock = ctx.locks.find(repo, (l) => l.id === id);
    if (!lock) return sendLfsError(res, 404, `lock ${JSON.stringify(id)} not found`);
    if (lock.owner.name !== me && body['force'] !== true) return sendLfsError(res, 403, `lock ${id} is owned by ${lock.owner.name}`);
    ctx.locks.remove(repo, id);
    return sendJson(res, 200, { lock });
  }
  sendLfsError(res, 404, 'not found');
}

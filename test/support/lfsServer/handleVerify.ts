/**
 * POST <repo>/info/lfs/verify {"oid","size"}: 200 when the object is stored with that size,
 * 404 when absent, 422 on a size mismatch (basic-transfers.md, "verify" action).
 */
import { applyGenericFault, describeRule } from './applyGenericFault.js';
import { HttpError, readJson, sendJson, sendLfsError } from './httpUtil.js';
import { OID_RE } from './ObjectStore.js';
import type { RequestView, ServerContext } from './ServerContext.js';

export async function handleVerify(ctx: ServerContext, view: RequestView, repo: string): Promise<void> {
  const { req, res, entry } = view;
  let body: { oid?: unknown; size?: unknown };
  try {
    body = ((await readJson(req, (n) => (entry.bytesIn += n))) ?? {}) as typeof body;
  } catch (e) {
    if (e instanceof HttpError) return sendLfsError(res, e.status, e.message);
    throw e;
  }
  const oid = typeof body.oid === 'string' ? body.oid : '';
  if (!OID_RE.test(oid)) return sendLfsError(res, 422, 'invalid oid');
  entry.oid = oid;
  const rule = ctx.rules.take({ kind: 'verify', repo, oid });
  if (await applyGenericFault(ctx, view, rule, 'verify failed')) return;
  if (rule) entry.fault = describeRule(rule);
  const size = await ctx.store.size(repo, oid);
  if (size === undefined) return sendLfsError(res, 404, `object ${oid} not found`);
  if (size !== body.size) return sendLfsError(res, 422, `object ${oid} has size ${size}, not ${String(body.size)}`);
  sendJson(res, 200, {});
}

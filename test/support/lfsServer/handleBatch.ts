/**
 * POST <repo>/info/lfs/objects/batch (docs/api/batch.md). Download: a download action per
 * stored object, a 404 object error otherwise. Upload: no actions for objects already stored
 * with that size, else an upload action (plus verify when asked). Rules may replace the whole
 * reply ('batch') or shape single objects ('object').
 */
import { applyGenericFault, describeRule } from './applyGenericFault.js';
import { HttpError, readJson, sendJson, sendLfsError } from './httpUtil.js';
import { oidOf, requiredBranch } from './magic.js';
import { OID_RE } from './ObjectStore.js';
import type { RequestView, ServerContext } from './ServerContext.js';
import type { FaultRule, Operation } from './types.js';

interface BatchObjectIn {
  oid: unknown;
  size: unknown;
}

function merge(rules: FaultRule[]): FaultRule | undefined {
  if (rules.length === 0) return undefined;
  // Earlier rules (test rules before magic ones) win on conflicting fields.
  return Object.assign({}, ...[...rules].reverse()) as FaultRule;
}

export async function handleBatch(ctx: ServerContext, view: RequestView, repo: string, lfsBase: string): Promise<void> {
  const { req, res, entry } = view;
  let body: unknown;
  try {
    body = await readJson(req, (n) => (entry.bytesIn += n));
  } catch (e) {
    if (e instanceof HttpError) return sendLfsError(res, e.status, e.message);
    throw e;
  }
  const b = (body ?? {}) as { operation?: unknown; objects?: unknown; transfers?: unknown; ref?: { name?: unknown } | null; hash_algo?: unknown };
  if (b.operation !== 'download' && b.operation !== 'upload') return sendLfsError(res, 422, 'operation must be "download" or "upload"');
  const operation: Operation = b.operation;
  entry.operation = operation;
  if (!Array.isArray(b.objects)) return sendLfsError(res, 422, 'objects must be an array');
  const objects = b.objects as BatchObjectIn[];
  const oids = objects.map((o) => (typeof o?.oid === 'string' ? o.oid : ''));
  entry.oids = oids;

  const batchRule = merge(ctx.rules.takeAll({ kind: 'batch', repo, operation, oids }));
  if (await applyGenericFault(ctx, view, batchRule, 'batch request failed')) return;
  if (batchRule) entry.fault = describeRule(batchRule);

  const branch = requiredBranch(repo);
  if (branch !== undefined && b.ref?.name !== branch) return sendLfsError(res, 403, `Expected ref "${branch}", got "${String(b.ref?.name ?? '')}"`);

  const offered = Array.isArray(b.transfers) ? (b.transfers as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  entry.transfers = offered;
  let transfer = 'basic';
  if (batchRule?.transfer !== undefined) transfer = batchRule.transfer;
  else if (offered.length > 0 && !offered.includes('basic')) return sendLfsError(res, 422, `no supported transfer adapter among ${JSON.stringify(offered)}`);

  const hashMismatch = b.hash_algo !== undefined && b.hash_algo !== 'sha256';
  const ttl = ctx.opts.actionTtl ?? 3600;
  const out: unknown[] = [];
  for (const o of objects) {
    const oid = typeof o?.oid === 'string' ? o.oid : '';
    const size = o?.size;
    const rule = OID_RE.test(oid) ? merge(ctx.rules.takeAll({ kind: 'object', repo, oid, operation })) : undefined;
    if (rule?.omit) continue;
    const replyOid = rule?.oidValue ?? (rule?.unknownOid ? oidOf(`unknown:${oid}`) : oid);
    const reply: Record<string, unknown> = { oid: replyOid, size: rule?.size ?? size };
    out.push(reply);
    if (rule?.duplicate) out.push(reply); // the same entry again, actions and all
    if (hashMismatch) {
      reply['error'] = { code: 409, message: `hash algorithm ${JSON.stringify(b.hash_algo)} not supported` };
      continue;
    }
    if (!OID_RE.test(oid)) {
      reply['error'] = { code: 422, message: 'invalid oid' };
      continue;
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      reply['error'] = { code: 422, message: 'invalid size' };
      continue;
    }
    if (rule?.status !== undefined) {
      reply['error'] = { code: rule.status, message: rule.message ?? `object error ${rule.status}` };
      continue;
    }
    if (rule?.authenticated) {
      reply['authenticated'] = true;
      ctx.authenticatedOids.add(`${repo}\0${oid}`);
    }
    const stored = await ctx.store.size(repo, oid);
    const header = { ...ctx.opts.actionHeaders, ...rule?.actionHeaders };
    const action = (href: string): Record<string, unknown> => {
      const a: Record<string, unknown> = { href: rule?.href ?? href };
      if (Object.keys(header).length > 0) a['header'] = header;
      if (rule?.expired === 'at' || rule?.expired === 'both') a['expires_at'] = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (rule?.expired === 'in' || rule?.expired === 'both') a['expires_in'] = -3600;
      if (rule?.expired === undefined) a['expires_in'] = ttl;
      return a;
    };
    const hb = ctx.opts.hrefBase;
    const storageHref = `${typeof hb === 'function' ? hb(view.base) : (hb ?? view.base)}/storage/${encodeURIComponent(repo)}/${oid}`;
    const actions: Record<string, unknown> = {};
    if (operation === 'download') {
      if (stored === undefined) {
        reply['error'] = { code: 404, message: 'Object does not exist' };
        continue;
      }
      reply['size'] = rule?.size ?? stored;
      actions['download'] = action(storageHref);
    } else {
      if (stored === size) continue; // already there: no actions
      ctx.expectedSizes.set(`${repo}\0${oid}`, size);
      actions['upload'] = action(storageHref);
      if (ctx.opts.verifyAction || rule?.verifyAction) actions['verify'] = action(`${lfsBase}/verify`);
    }
    reply[rule?.deprecatedLinks ? '_links' : 'actions'] = actions;
  }
  const reply: Record<string, unknown> = { transfer, objects: out, hash_algo: batchRule?.hashAlgo ?? 'sha256' };
  const status = batchRule?.status !== undefined && batchRule.status >= 200 && batchRule.status < 300 ? batchRule.status : 200;
  sendJson(res, status, reply, batchRule?.headers ?? {});
}

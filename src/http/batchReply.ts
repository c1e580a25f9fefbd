/**
 * Validating a batch API reply (reference 4.3; reliability HS6-HS10, HS17). Pure: the JSON text
 * and what was asked in, a list of per-object outcomes out. Nothing from the reply is trusted:
 *
 * - `hash_algo` must be absent, "" or "sha256", else every object fails.
 * - Objects whose oid was not asked for (unknown, path-like, wrong case) are dropped; an asked
 *   object missing from the reply then fails with "the server returned an unknown OID" when such
 *   objects were present, else "the server did not return this object".
 * - A size that is not a non-negative safe integer fails the object; a valid size that differs
 *   from the pointer's is ignored (the pointer's size drives Range and the byte cap).
 * - Actions: `actions` or the legacy `_links`. Download needs `download`; upload with no actions
 *   means "already there" (skip). Hrefs must be absolute http(s) URLs without userinfo, at most
 *   MAX_HREF characters, and not http when the API is https (HS10). Headers must be strings
 *   without CR/LF/NUL.
 * - Expiry: `expires_in` (seconds, preferred) or `expires_at` (RFC 3339) becomes `expiresAt`
 *   (epoch ms); isExpired() applies git-lfs's 5 s margin.
 */
import { isOid } from '../model/oid.js';
import type { Direction, HttpAction, HttpBatchObjectReply, HttpBatchReply, HttpTransferItem } from './types.js';

export const MAX_HREF = 32 * 1024;
/** git-lfs treats an action expiring within this margin as expired. */
export const EXPIRY_MARGIN_MS = 5_000;

export class BatchReplyError extends Error {}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isExpired(a: { expiresAt?: number } | null | undefined, now: number = Date.now()): boolean {
  return !!a && a.expiresAt !== undefined && a.expiresAt - EXPIRY_MARGIN_MS <= now;
}

/** Parse the reply text; throws BatchReplyError ("unable to parse batch response"). */
export function parseBatchJson(text: string): Record<string, unknown> {
  let v: unknown;
  // A byte-order mark is not JSON (RFC 8259 forbids it in network JSON; git-lfs's decoder
  // refuses it too): a reply that starts with one is as unparseable as any other (HS14).
  if (text.startsWith('\uFEFF')) throw new BatchReplyError('unable to parse batch response: invalid JSON (byte-order mark)');
  try {
    v = JSON.parse(text);
  } catch {
    throw new BatchReplyError('unable to parse batch response: invalid JSON');
  }
  if (!isObj(v)) throw new BatchReplyError('unable to parse batch response: not a JSON object');
  return v;
}

function expiry(a: Record<string, unknown>, now: number): number | undefined | 'bad' {
  const ein = a['expires_in'];
  if (ein !== undefined && ein !== null && ein !== 0) {
    if (typeof ein !== 'number' || !Number.isFinite(ein)) return 'bad';
    return now + Math.min(ein, 2 ** 31) * 1000;
  }
  const eat = a['expires_at'];
  if (eat !== undefined && eat !== null && eat !== '' && eat !== '0001-01-01T00:00:00Z') {
    if (typeof eat !== 'string') return 'bad';
    const t = Date.parse(eat);
    if (Number.isNaN(t)) return 'bad';
    return t;
  }
  return undefined;
}

/** Validate one action; a string is the reason it is unusable. */
export function parseAction(v: unknown, apiProtocol: string, now: number): HttpAction | string {
  if (!isObj(v)) return 'invalid action';
  const href = v['href'];
  if (typeof href !== 'string' || !href) return 'action has no href';
  if (href.length > MAX_HREF) return 'action href too long';
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return 'action href is not an absolute URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `action href has unsupported scheme "${u.protocol.slice(0, 20)}"`;
  if (u.username || u.password) return 'action href contains credentials';
  if (apiProtocol === 'https:' && u.protocol === 'http:') return 'refusing insecure action href (https API, http href)';
  const out: HttpAction = { href };
  const h = v['header'];
  if (h !== undefined && h !== null) {
    if (!isObj(h)) return 'invalid action header';
    const header: Record<string, string> = {};
    let n = 0;
    for (const [k, val] of Object.entries(h)) {
      if (++n > 100) return 'too many action headers';
      if (typeof val !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n\0]/.test(val) || val.length > 16 * 1024) return `invalid action header ${JSON.stringify(k.slice(0, 40))}`;
      header[k] = val;
    }
    out.header = header;
  }
  const e = expiry(v, now);
  if (e === 'bad') return 'invalid action expiry';
  if (e !== undefined) out.expiresAt = e;
  return out;
}

export interface ValidateOptions {
  direction: Direction;
  asked: readonly HttpTransferItem[];
  /** `http:` or `https:` of the API URL. */
  apiProtocol: string;
  now?: number;
}

/** Turn a parsed reply into one outcome per asked object (in reply order, then missing ones). */
export function validateBatchReply(json: Record<string, unknown>, o: ValidateOptions): HttpBatchReply {
  const now = o.now ?? Date.now();
  const askedOids = new Set(o.asked.map((a) => a.oid));
  const transferRaw = json['transfer'];
  const transfer = typeof transferRaw === 'string' && transferRaw ? transferRaw : 'basic';
  const algo = json['hash_algo'];
  const objectsRaw = json['objects'];
  if (!Array.isArray(objectsRaw)) throw new BatchReplyError('unable to parse batch response: missing objects');
  const fail = (oid: string, message: string, code = 422): HttpBatchObjectReply => ({ oid, action: null, error: { code, message } });
  if (algo !== undefined && algo !== null && algo !== '' && String(algo).toLowerCase() !== 'sha256') {
    const shown = JSON.stringify(String(algo).slice(0, 40));
    return { transfer, objects: o.asked.map((a) => fail(a.oid, `unsupported hash algorithm ${shown}`, 409)) };
  }
  const out = new Map<string, HttpBatchObjectReply>();
  let unknown = 0;
  for (const raw of objectsRaw) {
    if (!isObj(raw)) {
      unknown++;
      continue;
    }
    const oid = raw['oid'];
    if (typeof oid !== 'string' || !isOid(oid) || !askedOids.has(oid)) {
      unknown++;
      continue;
    }
    if (out.has(oid)) continue; // duplicates: the first one counts
    out.set(oid, objectOutcome(oid, raw, o, now, fail));
  }
  const objects = [...out.values()];
  for (const a of o.asked) {
    if (!out.has(a.oid)) objects.push(fail(a.oid, unknown ? 'the server returned an unknown OID' : 'the server did not return this object', 0));
  }
  return { transfer, objects };
}

function objectOutcome(
  oid: string,
  raw: Record<string, unknown>,
  o: ValidateOptions,
  now: number,
  fail: (oid: string, message: string, code?: number) => HttpBatchObjectReply,
): HttpBatchObjectReply {
  const err = raw['error'];
  if (err !== undefined && err !== null) {
    const e = isObj(err) ? err : {};
    const code = typeof e['code'] === 'number' && Number.isSafeInteger(e['code']) ? e['code'] : 0;
    const message = typeof e['message'] === 'string' && e['message'] ? e['message'].slice(0, 1024) : `error ${code}`;
    return fail(oid, message, code);
  }
  const size = raw['size'];
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    return fail(oid, `invalid size ${JSON.stringify(size)?.slice(0, 40) ?? String(size)} in batch response`);
  }
  const actions = isObj(raw['actions']) ? raw['actions'] : isObj(raw['_links']) ? raw['_links'] : null;
  const authenticated = raw['authenticated'] === true;
  const withAuth = (r: HttpBatchObjectReply): HttpBatchObjectReply => {
    if (!authenticated) return r;
    // Carried on the actions too: the transfer queue hands adapters the action, not the object.
    if (r.action) r.action.authenticated = true;
    return { ...r, authenticated: true };
  };
  if (o.direction === 'upload') {
    if (!actions || actions['upload'] === undefined) return { oid, action: null, skip: true };
    const up = parseAction(actions['upload'], o.apiProtocol, now);
    if (typeof up === 'string') return fail(oid, up);
    let verify: HttpAction | null = null;
    if (actions['verify'] !== undefined && actions['verify'] !== null) {
      const v = parseAction(actions['verify'], o.apiProtocol, now);
      if (typeof v === 'string') return fail(oid, `verify: ${v}`);
      verify = v;
    }
    return withAuth({ oid, action: up, verify });
  }
  if (!actions || actions['download'] === undefined) return fail(oid, 'the server returned no download action for this object');
  const down = parseAction(actions['download'], o.apiProtocol, now);
  if (typeof down === 'string') return fail(oid, down);
  return withAuth({ oid, action: down });
}

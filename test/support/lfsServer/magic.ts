/**
 * Switches chosen by data the client sends: an object whose *content* is one of the MAGIC
 * strings (so its oid is sha256 of that string), or a repo whose *name* contains a marker.
 * Each maps to fault-rule templates; the RuleBook instantiates them once per repo, so counts
 * such as "fail twice" restart in every repo. The table in main.ts documents them all.
 */
import { createHash } from 'node:crypto';
import type { FaultRule } from './types.js';

const INF = Number.POSITIVE_INFINITY;
type Template = Omit<FaultRule, 'repo' | 'oid'>;

const statusStorage = (code: number): Template[] => [
  { kind: 'storage-put', status: code, times: INF },
  { kind: 'storage-get', status: code, times: INF },
];

/** Magic object contents -> fault templates (applied to that object's oid). */
export const MAGIC_CONTENTS: Record<string, Template[]> = {
  ...Object.fromEntries([403, 404, 410, 422, 500].map((c) => [`status-batch-${c}`, [{ kind: 'object', status: c, times: INF }]])),
  ...Object.fromEntries([401, 403, 404, 410, 422, 429, 500, 503, 507].map((c) => [`status-storage-${c}`, statusStorage(c)])),
  'return-expired-action': [{ kind: 'object', expired: 'both', times: 1 }],
  'return-expired-action-forever': [{ kind: 'object', expired: 'both', times: INF }],
  'return-invalid-size': [{ kind: 'object', size: -1, times: INF }],
  'unknown-oid': [{ kind: 'object', unknownOid: true, times: INF }],
  'object-authenticated': [{ kind: 'object', authenticated: true, times: INF }],
  'send-verify-action': [{ kind: 'object', verifyAction: true, times: INF }],
  'send-deprecated-links': [{ kind: 'object', deprecatedLinks: true, times: INF }],
  'storage-upload-retry': [{ kind: 'storage-put', status: 500, times: 2 }],
  'storage-upload-retry-later': [{ kind: 'storage-put', status: 429, retryAfter: 1, times: 1 }],
  'storage-upload-retry-later-no-header': [{ kind: 'storage-put', status: 429, times: 1 }],
  'storage-download-retry': [{ kind: 'storage-get', status: 500, times: 2 }],
  'storage-download-retry-later': [{ kind: 'storage-get', status: 429, retryAfter: 1, times: 1 }],
  'storage-download-retry-later-no-header': [{ kind: 'storage-get', status: 429, times: 1 }],
  'storage-download-retry-range': [{ kind: 'storage-get', truncate: true, times: 1 }],
  'storage-download-retry-range-rejected': [
    { kind: 'storage-get', truncate: true, times: 1 },
    { kind: 'storage-get', rejectRange: true, times: 1 },
  ],
  'storage-download-retry-range-ignored': [
    { kind: 'storage-get', truncate: true, times: 1 },
    { kind: 'storage-get', ignoreRange: true, times: 1 },
  ],
  'storage-download-corrupt': [{ kind: 'storage-get', corrupt: true, times: INF }],
  'storage-download-slow': [{ kind: 'storage-get', slow: { bytes: 1, intervalMs: 20, maxMs: 5000 }, times: INF }],
  'storage-download-endless': [{ kind: 'storage-get', endless: true, times: INF }],
  'storage-download-oversize': [{ kind: 'storage-get', oversize: 1024, times: INF }],
  'storage-download-drop': [{ kind: 'storage-get', drop: true, times: 1 }],
  'storage-upload-drop': [{ kind: 'storage-put', drop: true, times: 1 }],
  'redirect-storage-upload': [{ kind: 'storage-put', redirect: 'same', times: 1 }],
  'redirect-storage-download': [{ kind: 'storage-get', redirect: 'same', times: 1 }],
  'redirect-storage-other-host': [
    { kind: 'storage-put', redirect: 'other', times: 1 },
    { kind: 'storage-get', redirect: 'other', times: 1 },
  ],
  'storage-upload-fake-success': [{ kind: 'storage-put', discard: true, times: 1 }],
  'batch-hash-algo-empty': [{ kind: 'batch', hashAlgo: '', times: INF }],
  'batch-hash-algo-invalid': [{ kind: 'batch', hashAlgo: 'invalid', times: INF }],
};

const oidCache = new Map<string, string>();

/** sha256 hex of a string: the oid of an object with that content. */
export function oidOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The oid of a magic content string (throws on an unknown name, to catch typos in tests). */
export function magicOid(name: string): string {
  if (!(name in MAGIC_CONTENTS)) throw new Error(`unknown magic content: ${name}`);
  let oid = oidCache.get(name);
  if (!oid) {
    oid = oidOf(name);
    oidCache.set(name, oid);
  }
  return oid;
}

let byOid: Map<string, Template[]> | undefined;

/** Templates for an oid whose content is magic ([] otherwise). */
export function magicTemplatesForOid(oid: string): Template[] {
  if (!byOid) {
    byOid = new Map();
    for (const name of Object.keys(MAGIC_CONTENTS)) byOid.set(magicOid(name), MAGIC_CONTENTS[name]!);
  }
  return byOid.get(oid) ?? [];
}

/** Templates selected by a repo name (see the table in main.ts). */
export function repoTemplates(repo: string): Template[] {
  const out: Template[] = [];
  const name = repo.toLowerCase();
  if (name.includes('batchunsupported')) out.push({ kind: 'batch', status: 404, message: 'batch API not supported', times: INF });
  if (name.includes('badbatch')) out.push({ kind: 'batch', status: 203, times: INF });
  const st = /batch-status-(\d{3})/.exec(name);
  if (st) out.push({ kind: 'batch', status: Number(st[1]), ...(st[1] === '429' || st[1] === '503' ? { retryAfter: 1 } : {}), times: INF });
  if (name.includes('batch-retry-later-exceeds-max')) out.push({ kind: 'batch', status: 429, retryAfter: 100_000, times: INF });
  else if (name.includes('batch-retry-later-no-header')) out.push({ kind: 'batch', status: 429, times: 1 });
  else if (name.includes('batch-retry-later')) out.push({ kind: 'batch', status: 429, retryAfter: 1, times: 1 });
  const ex = /expired-(absolute|relative|both)/.exec(name);
  if (ex) out.push({ kind: 'object', expired: ex[1] === 'absolute' ? 'at' : ex[1] === 'relative' ? 'in' : 'both', times: INF });
  const vf = /verify-fail-(\d+)-times/.exec(name);
  if (vf) out.push({ kind: 'object', verifyAction: true, times: INF }, { kind: 'verify', status: 503, times: Number(vf[1]), perOid: true });
  // (?<!locks-): the locks-verify-NNN repos below are about the locking API only.
  const vs = /(?<!locks-)verify-(403|404|500|501|503)\b/.exec(name);
  if (vs && !vf) out.push({ kind: 'object', verifyAction: true, times: INF }, { kind: 'verify', status: Number(vs[1]), times: INF });
  const lv = /locks-verify-(404|410|501|500|403)\b/.exec(name);
  if (lv) out.push({ kind: 'locks-verify', status: Number(lv[1]), times: INF });
  if (name.includes('storage-redirect-other-host')) {
    out.push({ kind: 'storage-get', redirect: 'other', times: INF }, { kind: 'storage-put', redirect: 'other', times: INF });
  }
  const tr = /transfer-adapter-([a-z0-9_-]+?)(?:$|\.|--)/.exec(name);
  if (name.includes('custom-transfer-')) out.push({ kind: 'batch', transfer: 'testcustom', times: INF });
  else if (tr) out.push({ kind: 'batch', transfer: tr[1]!, times: INF });
  return out;
}

/** Whether a repo name asks for the default `requirecreds:pass` Basic auth. */
export function repoRequiresCreds(repo: string): boolean {
  return repo.split('/').some((seg) => seg.toLowerCase().startsWith('requirecreds'));
}

/** `<...>-<branch>-branch-required` repos only accept that branch's ref. */
export function requiredBranch(repo: string): string | undefined {
  const m = /-([^/-]+)-branch-required$/.exec(repo);
  return m ? `refs/heads/${m[1]}` : undefined;
}

/**
 * The faults every endpoint supports: drop the connection, hang (bounded), redirect, or answer
 * with a status. Returns true when the request was answered (or dropped) here.
 */
import { challengeHeaders } from './auth.js';
import { sendRuleReply } from './httpUtil.js';
import { sleep, type RequestView, type ServerContext } from './ServerContext.js';
import type { FaultRule } from './types.js';

export const MAX_HANG_MS = 60_000;

export function describeRule(rule: FaultRule): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rule)) {
    if (k === 'kind' || k === 'repo' || k === 'oid' || k === 'times' || k === 'skip' || v === undefined) continue;
    parts.push(`${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  return `${rule.kind}:${parts.join(',')}`;
}

export async function applyGenericFault(ctx: ServerContext, view: RequestView, rule: FaultRule | undefined, fallbackMessage: string): Promise<boolean> {
  if (!rule) return false;
  const { req, res } = view;
  if (rule.drop) {
    view.entry.fault = describeRule(rule);
    req.socket.destroy();
    return true;
  }
  if (rule.hangMs !== undefined) {
    view.entry.fault = describeRule(rule);
    await sleep(Math.min(rule.hangMs, MAX_HANG_MS), ctx.signal);
    req.socket.destroy();
    return true;
  }
  if (rule.redirect !== undefined) {
    view.entry.fault = describeRule(rule);
    const pathAndQuery = view.url.pathname + (view.url.search ? `${view.url.search}&` : '?') + `redirected=${view.entry.seq}`;
    let location: string;
    if (rule.redirect === 'same') location = view.base + pathAndQuery;
    else if (rule.redirect === 'other') location = (view.listener === 'main' ? ctx.altUrl() : ctx.mainUrl()) + pathAndQuery;
    else if (rule.redirect === 'relative') location = pathAndQuery;
    else location = rule.redirect;
    res.writeHead(rule.redirectStatus ?? 307, { Location: location, 'Content-Length': '0', ...rule.headers });
    res.end();
    return true;
  }
  if (rule.status !== undefined && (rule.status < 200 || rule.status >= 300)) {
    view.entry.fault = describeRule(rule);
    const given = Object.keys(rule.headers ?? {}).map((k) => k.toLowerCase());
    if (rule.status === 401 && !given.includes('lfs-authenticate') && !given.includes('www-authenticate')) {
      // A 401 without a challenge is still a valid test, but a challenge is the normal case.
      rule = { ...rule, headers: { ...rule.headers, ...challengeHeaders(view.entry.kind === 'git') } };
    }
    sendRuleReply(res, rule, fallbackMessage);
    return true;
  }
  return false;
}

/**
 * Retry-After (RFC 9110): delay-seconds or an HTTP-date. Pure.
 */

/**
 * The delay in ms the header asks for, or undefined when absent or unparseable (the caller then
 * uses its ordinary backoff). Negative numbers and past dates mean "now" (0).
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^-?\d+$/.test(v)) {
    const n = Number(v);
    if (!Number.isFinite(n)) return undefined;
    return Math.max(0, Math.min(n, 1e12)) * 1000;
  }
  // HTTP-date only (IMF-fixdate and the obsolete forms Date.parse understands); reject bare numbers with junk.
  if (!/[a-z]/i.test(v)) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

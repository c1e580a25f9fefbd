/**
 * Making URLs and headers safe to show: credentials never appear in messages or traces (CR1,
 * CR8). Pure.
 */

/**
 * The URL without `user:password@` and with every query value replaced by "REDACTED" (signed
 * storage URLs carry tokens and signatures there). Non-URLs are returned with any
 * `scheme://userinfo@` part removed.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  }
  u.username = '';
  u.password = '';
  if (u.search) {
    const parts = u.search
      .slice(1)
      .split('&')
      .map((kv) => {
        const eq = kv.indexOf('=');
        return eq < 0 ? kv : `${kv.slice(0, eq)}=REDACTED`;
      });
    u.search = `?${parts.join('&')}`;
  }
  return u.toString();
}

/** Headers whose values are secrets: never shown, and dropped on cross-origin redirects. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** A copy of `headers` with secret values masked (for traces). */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (SECRET_HEADERS.has(k.toLowerCase())) {
      const sp = v.indexOf(' ');
      out[k] = sp > 0 ? `${v.slice(0, sp)} REDACTED` : 'REDACTED';
    } else out[k] = v;
  }
  return out;
}

/** Remove every occurrence of the given secrets from a message (defence in depth). */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('REDACTED');
  return out;
}

/**
 * Basic auth for protected repos: the options' AuthSpec, and the magic `requirecreds*` repos
 * (user `requirecreds`, password `pass`). No Authorization → 401 with a challenge
 * (`LFS-Authenticate` on the LFS API, `WWW-Authenticate` for git); wrong credentials → 403 on
 * the LFS API (as git-lfs's server does) and 401 for git (so git's credential flow can retry).
 *
 * AuthSpec.bearer: `Authorization: Bearer <token>` is accepted too (the challenge says Bearer).
 * AuthSpec.multistage: a two-step exchange: `<scheme> <step1>` → 401 with the challenge
 * `<scheme> <challenge>`; `<scheme> <final>` passes; anything else in that scheme → 401 again.
 */
import type { IncomingMessage } from 'node:http';
import { repoRequiresCreds } from './magic.js';
import type { AuthSpec } from './types.js';

export const REALM = 'tslfs-test';

export type AuthOutcome = { ok: true; user?: string } | { ok: false; status: 401 | 403; message: string; challenge?: string };

export interface NeededAuth {
  user: string;
  pass: string;
  bearer?: string;
  multistage?: AuthSpec['multistage'];
}

/** The credentials a repo needs, or undefined when it is open. */
export function credsFor(repo: string, spec: AuthSpec | undefined): NeededAuth | undefined {
  if (repoRequiresCreds(repo)) return { user: 'requirecreds', pass: 'pass' };
  if (!spec) return undefined;
  const r = spec.repos;
  const applies = r === undefined ? true : typeof r === 'function' ? r(repo) : r.includes(repo);
  if (!applies) return undefined;
  return { user: spec.user, pass: spec.pass, ...(spec.bearer ? { bearer: spec.bearer } : {}), ...(spec.multistage ? { multistage: spec.multistage } : {}) };
}

/** Decode a Basic Authorization header into user and password. */
export function parseBasic(header: string | undefined): { user: string; pass: string } | undefined {
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

export function checkAuth(req: IncomingMessage, need: NeededAuth | undefined, forGit: boolean): AuthOutcome {
  const given = parseBasic(req.headers['authorization']);
  if (!need) return given ? { ok: true, user: given.user } : { ok: true };
  const header = req.headers['authorization'];
  const first = need.multistage ? `${need.multistage.scheme} realm="${REALM}"` : need.bearer ? `Bearer realm="${REALM}"` : undefined;
  if (header === undefined) return { ok: false, status: 401, message: 'Credentials needed', ...(first ? { challenge: first } : {}) };
  if (need.bearer && header === `Bearer ${need.bearer}`) return { ok: true, user: 'bearer' };
  const ms = need.multistage;
  if (ms && header.toLowerCase().startsWith(`${ms.scheme.toLowerCase()} `)) {
    const token = header.slice(ms.scheme.length + 1);
    if (token === ms.final) return { ok: true, user: 'multistage' };
    if (token === ms.step1) return { ok: false, status: 401, message: 'Continue', challenge: `${ms.scheme} ${ms.challenge}` };
    return { ok: false, status: 401, message: 'Bad multistage token', challenge: first! };
  }
  if (given && given.user === need.user && given.pass === need.pass) return { ok: true, user: given.user };
  return { ok: false, status: forGit ? 401 : 403, message: 'Bad credentials' };
}

export function challengeHeaders(forGit: boolean, challenge = `Basic realm="${REALM}"`): Record<string, string> {
  return forGit ? { 'WWW-Authenticate': challenge } : { 'LFS-Authenticate': challenge };
}

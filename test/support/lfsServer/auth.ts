/**
 * Basic auth for protected repos: the options' AuthSpec, and the magic `requirecreds*` repos
 * (user `requirecreds`, password `pass`). No Authorization → 401 with a challenge
 * (`LFS-Authenticate` on the LFS API, `WWW-Authenticate` for git); wrong credentials → 403 on
 * the LFS API (as git-lfs's server does) and 401 for git (so git's credential flow can retry).
 */
import type { IncomingMessage } from 'node:http';
import { repoRequiresCreds } from './magic.js';
import type { AuthSpec } from './types.js';

export const REALM = 'tslfs-test';

export type AuthOutcome = { ok: true; user?: string } | { ok: false; status: 401 | 403; message: string };

/** The credentials a repo needs, or undefined when it is open. */
export function credsFor(repo: string, spec: AuthSpec | undefined): { user: string; pass: string } | undefined {
  if (repoRequiresCreds(repo)) return { user: 'requirecreds', pass: 'pass' };
  if (!spec) return undefined;
  const r = spec.repos;
  const applies = r === undefined ? true : typeof r === 'function' ? r(repo) : r.includes(repo);
  return applies ? { user: spec.user, pass: spec.pass } : undefined;
}

/** Decode a Basic Authorization header into user and password. */
export function parseBasic(header: string | undefined): { user: string; pass: string } | undefined {
  if (!header || !/^basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

export function checkAuth(req: IncomingMessage, need: { user: string; pass: string } | undefined, forGit: boolean): AuthOutcome {
  const given = parseBasic(req.headers['authorization']);
  if (!need) return given ? { ok: true, user: given.user } : { ok: true };
  if (req.headers['authorization'] === undefined) return { ok: false, status: 401, message: 'Credentials needed' };
  if (given && given.user === need.user && given.pass === need.pass) return { ok: true, user: given.user };
  return { ok: false, status: forGit ? 401 : 403, message: 'Bad credentials' };
}

export function challengeHeaders(forGit: boolean): Record<string, string> {
  return forGit ? { 'WWW-Authenticate': `Basic realm="${REALM}"` } : { 'LFS-Authenticate': `Basic realm="${REALM}"` };
}

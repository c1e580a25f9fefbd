/**
 * What the lock commands remember between runs, under the LFS directory:
 *   tslfs-lockcache.json            our own locks (created by `lock` here, dropped by `unlock`):
 *                                   `locks --local`, and "locked by us" for lockable files.
 *                                   git-lfs keeps this in a Go gob file (lockcache.db), which is
 *                                   not portable, hence our own JSON file.
 *   cache/locks/<ref>/remote        the last full `locks` answer (`locks --cached`)
 *   cache/locks/<ref>/verifiable    the last full `locks --verify` answer ({ours, theirs})
 * (the two cache files have git-lfs's names and JSON format). Writes go to a temp file renamed
 * into place. A missing or unreadable file reads as empty. A ref that is not a plain
 * `refs/...` name (or HEAD) is not cached, so no path outside cache/locks is ever built.
 * Not safe against concurrent writers in other processes (last writer wins, as in git-lfs).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { lockFromJson } from './lockReply.js';
import type { Lock, VerifyPage } from './types.js';

export const LOCAL_CACHE_FILE = 'tslfs-lockcache.json';

/** True for ref names usable as a directory path under cache/locks. */
export function cacheableRef(ref: string): boolean {
  if (ref === 'HEAD') return true;
  if (!/^refs\/[A-Za-z0-9._\-/+@]+$/.test(ref) || ref.length > 1000) return false;
  return ref.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function locksFrom(v: unknown): Lock[] {
  if (!Array.isArray(v)) return [];
  const out: Lock[] = [];
  for (const x of v) {
    try {
      out.push(lockFromJson(x));
    } catch {
      /* a damaged entry is skipped */
    }
  }
  return out;
}

export class LockCache {
  constructor(private readonly lfsDir: string) {}

  private get localFile(): string {
    return join(this.lfsDir, LOCAL_CACHE_FILE);
  }

  /** Our own locks, in the order they were taken. */
  async local(): Promise<Lock[]> {
    return locksFrom(await readJson(this.localFile));
  }

  async addLocal(lock: Lock): Promise<void> {
    const all = (await this.local()).filter((l) => l.path !== lock.path && l.id !== lock.id);
    all.push(lock);
    await writeAtomic(this.localFile, JSON.stringify(all));
  }

  async removeLocal(match: { id?: string; path?: string }): Promise<void> {
    const all = await this.local();
    const kept = all.filter((l) => !((match.id !== undefined && l.id === match.id) || (match.path !== undefined && l.path === match.path)));
    if (kept.length !== all.length) await writeAtomic(this.localFile, JSON.stringify(kept));
  }

  private listFile(ref: string | null, kind: 'remote' | 'verifiable'): string | null {
    if (ref === null) return join(this.lfsDir, 'cache', 'locks', kind);
    return cacheableRef(ref) ? join(this.lfsDir, 'cache', 'locks', ...ref.split('/'), kind) : null;
  }

  async saveRemote(ref: string | null, locks: readonly Lock[]): Promise<void> {
    const f = this.listFile(ref, 'remote');
    if (f) await writeAtomic(f, JSON.stringify(locks)).catch(() => {});
  }

  async saveVerifiable(ref: string | null, v: VerifyPage): Promise<void> {
    const f = this.listFile(ref, 'verifiable');
    if (f) await writeAtomic(f, JSON.stringify({ ours: v.ours, theirs: v.theirs })).catch(() => {});
  }

  /** The last full listing for `ref`; null when none was saved. */
  async cachedRemote(ref: string | null): Promise<Lock[] | null> {
    const f = this.listFile(ref, 'remote');
    const v = f ? await readJson(f) : undefined;
    return Array.isArray(v) ? locksFrom(v) : null;
  }

  async cachedVerifiable(ref: string | null): Promise<VerifyPage | null> {
    const f = this.listFile(ref, 'verifiable');
    const v = f ? ((await readJson(f)) as { ours?: unknown; theirs?: unknown } | undefined) : undefined;
    if (!v || typeof v !== 'object') return null;
    return { ours: locksFrom(v.ours), theirs: locksFrom(v.theirs) };
  }
}

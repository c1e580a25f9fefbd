/**
 * The `.lfsconfig` keys a repository may set (git-lfs's allow-list, config/git_fetcher.go).
 * Everything else in a committed file could run programs or weaken security, so it is ignored.
 * Pure.
 */
const SAFE_KEYS = new Set([
  'lfs.url',
  'lfs.pushurl',
  'lfs.fetchinclude',
  'lfs.fetchexclude',
  'lfs.gitprotocol',
  'lfs.locksverify',
  'lfs.allowincompletepush',
  'lfs.skipdownloaderrors',
]);

/** `key` must be canonical (see canonicalKey). */
export function isSafeLfsconfigKey(key: string): boolean {
  if (SAFE_KEYS.has(key)) return true;
  // remote.<name>.lfsurl, but only for a plain three-part key (no dotted remote names).
  if (/^remote\.[^.]+\.lfsurl$/.test(key)) return true;
  // lfs.<url>.access and lfs.extension.<name>.priority
  if (key.startsWith('lfs.') && key.endsWith('.access')) return true;
  if (/^lfs\.extension\.[^.]+\.priority$/.test(key)) return true;
  return false;
}

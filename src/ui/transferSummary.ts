/**
 * The final progress line of a transfer, as git-lfs prints it when no live meter runs:
 * `Downloading LFS objects: 100% (3/3), 1.2 MB | 450 KB/s, done.` Byte units are SI
 * (humanize, base 1000). Pure.
 */

/** git-lfs's byte format: "999 B", "1.5 KB", "10 MB" (Go's %.0f rounds halves to even). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  if (n < 1000) return `${Math.max(0, Math.floor(n))} B`;
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), units.length - 1);
  const v = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  if (v < 10) return `${v.toFixed(1)} ${units[e]}`;
  const fl = Math.floor(v);
  const r = v - fl === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(v);
  return `${r} ${units[e]}`;
}

/**
 * Bytes per second over `elapsedMs`. git-lfs's meter averages the rate over its ticks, so a
 * transfer that ends within its first second shows "0 B/s" (upstream tests grep that); so do we.
 */
export function formatRate(bytes: number, elapsedMs: number): string {
  if (elapsedMs < 1000) return '0 B/s';
  return `${formatBytes(Math.floor((bytes * 1000) / elapsedMs))}/s`;
}

export type SummaryVerb = 'Downloading' | 'Uploading' | 'Checking out';

export function summaryLine(verb: SummaryVerb, done: number, total: number, bytes: number, elapsedMs: number): string {
  const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
  return `${verb} LFS objects: ${String(pct).padStart(3)}% (${done}/${total}), ${formatBytes(bytes)} | ${formatRate(bytes, elapsedMs)}, done.\n`;
}

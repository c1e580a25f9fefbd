import { describe, expect, it } from 'vitest';
import { formatBytes, formatRate, summaryLine } from '../../src/ui/transferSummary.js';

describe('transfer summary line', () => {
  it('formats bytes as git-lfs (SI units, one decimal below 10)', () => {
    const table: Array<[number, string]> = [
      [0, '0 B'],
      [1, '1 B'],
      [999, '999 B'],
      [1000, '1.0 KB'],
      [1549, '1.5 KB'],
      [12_345, '12 KB'],
      [3_100_000, '3.1 MB'],
      [125_000_000, '125 MB'],
      [2_000_000_000, '2.0 GB'],
    ];
    for (const [n, s] of table) expect(formatBytes(n)).toBe(s);
  });

  it('computes the rate and the final line', () => {
    expect(formatRate(5, 0)).toBe('0 B/s');
    expect(formatRate(2_000_000, 2000)).toBe('1.0 MB/s');
    expect(summaryLine('Uploading', 1, 1, 1, 0)).toBe('Uploading LFS objects: 100% (1/1), 1 B | 0 B/s, done.\n');
    expect(summaryLine('Downloading', 1, 3, 2500, 1000)).toBe('Downloading LFS objects:  33% (1/3), 2.5 KB | 2.5 KB/s, done.\n');
  });
});

/** The pointer fixtures (fixtures/pointers) decode as fixtures/pointers/expected.json says. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePointer, encodePointer } from '../../src/model/pointer.js';

const DIR = fileURLToPath(new URL('../../fixtures/pointers', import.meta.url));
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, { size?: number; canonical?: boolean; extensions?: string[]; error?: string }>;

describe('pointer fixtures', () => {
  it('has an expectation for every fixture file', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s', (file, want) => {
    const data = readFileSync(join(DIR, file));
    if (want.error) {
      expect(() => decodePointer(data)).toThrow(expect.objectContaining({ name: want.error }));
      return;
    }
    const p = decodePointer(data);
    expect(p.size).toBe(want.size);
    expect(p.canonical).toBe(want.canonical);
    expect(p.extensions.map((e) => e.name)).toEqual(want.extensions ?? []);
    // Re-encoding always gives the canonical form; canonical inputs are reproduced exactly.
    if (want.canonical) expect(encodePointer(p)).toBe(data.toString('utf8'));
  });
});

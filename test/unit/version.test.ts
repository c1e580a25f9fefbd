import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION, versionString } from '../../src/version.js';

describe('version', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
  it('formats the version line', () => {
    expect(versionString('linux', 'x64', 'v20.1.0')).toBe(`tslfs/${VERSION} (tslfs; linux x64; node 20.1.0)`);
  });
});

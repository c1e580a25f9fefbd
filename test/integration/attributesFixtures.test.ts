/**
 * The odd .gitattributes fixtures (fixtures/attributes): tslfs and git-lfs list the same tracked
 * and excluded patterns, and tslfs's matcher agrees with git check-attr on which paths are LFS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { isLfsTracked } from '../../src/api/lfsIsTracked.js';

const DIR = fileURLToPath(new URL('../../fixtures/attributes', import.meta.url));
const PATHS = ['a.bin', 'd/a.bin', 'name with spaces.psd', 'x.tmp', 'x.mac', 'locked/f.txt', 'locked/deep/g', 'a.iso', 'other.txt'];

describe('gitattributes fixtures', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = makeSandbox();
  });
  afterAll(() => sb.cleanup());

  for (const file of readdirSync(DIR)) {
    it(`${file}: listing matches git-lfs, matching matches git check-attr`, async () => {
      const repo = await sb.initRepo(file.replace(/\W/g, '_'), 'none');
      sb.write(`${repo.slice(sb.root.length + 1)}/.gitattributes`, readFileSync(join(DIR, file)));
      const ours = await sb.tslfs(['track'], { cwd: repo });
      const theirs = await sb.gitLfs(['track'], { cwd: repo });
      expect(ours.exitCode).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
      const check = await sb.git(['check-attr', 'filter', '--', ...PATHS], { cwd: repo });
      for (const line of check.stdout.trim().split('\n')) {
        const m = /^(.*): filter: (.*)$/.exec(line)!;
        expect(await isLfsTracked({ dir: repo, filepath: m[1]! }), m[1]).toBe(m[2] === 'lfs');
      }
    });
  }
});

/**
 * The published library entry (dist/index.mjs, built by esbuild) loads and exposes the API, and
 * importing it does not load the heavy dependencies (isomorphic-git, undici) up front.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/sandbox.js';

describe('library bundle', () => {
  it('exports the command and isomorphic-git functions', async () => {
    const m = await import(join(REPO_ROOT, 'dist', 'index.mjs'));
    for (const name of ['track', 'lsFiles', 'status', 'checkout', 'fsck', 'fetch', 'push', 'pull', 'install', 'cleanToPointer', 'smudgeBlob', 'isLfsTracked', 'materializeLfsFiles', 'encodePointer', 'decodePointer']) {
      expect(typeof m[name], name).toBe('function');
    }
    expect(m.encodePointer({ oid: 'a'.repeat(64), size: 3, extensions: [] })).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${'a'.repeat(64)}\nsize 3\n`);
  });

  it('keeps the heavy dependencies out of the chunks loaded at import time', () => {
    // Follow the static imports from the entry chunks; undici and isomorphic-git must only be
    // reachable through dynamic import() (their code carries these markers).
    for (const entry of ['index.mjs', 'cli/main.mjs']) {
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = readFileSync(file, 'utf8');
        expect(text, file).not.toMatch(/var EnvHttpProxyAgent\b|function statusMatrix\(|class Ora\b/);
        for (const m of text.matchAll(/^(?:import|export)[^'"]*?from\s*["'](\.[^"']+)["']|^import\s*["'](\.[^"']+)["']/gm)) {
          visit(resolve(dirname(file), (m[1] ?? m[2])!));
        }
      };
      visit(join(REPO_ROOT, 'dist', entry));
      expect(seen.size).toBeGreaterThan(0);
    }
  });
});

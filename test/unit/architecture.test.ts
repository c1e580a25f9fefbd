/**
 * The layering rule of ARCHITECTURE.md: imports under src/ point down (or sideways within a
 * layer), never up; nothing below cli/ and ui/ touches the process's argv, env, cwd, streams or
 * exit code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(fileURLToPath(new URL('../../src', import.meta.url)));

const LAYER: Record<string, number> = {
  model: 0, errors: 0, events: 0,
  config: 1, git: 1, store: 1, http: 1, ssh: 1,
  transfer: 2, lock: 2,
  filter: 3, ops: 3,
  api: 4,
  cli: 5, ui: 5,
};

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function layerOf(file: string): number | undefined {
  const top = relative(SRC, file).split('/')[0]!;
  if (!top.endsWith('.ts')) return LAYER[top];
  // Top-level files: index.ts is the library facade (L4), version.ts is a leaf (L0).
  return top === 'index.ts' ? 4 : 0;
}

describe('architecture', () => {
  const all = files(SRC);

  it('has no upward imports between layers', () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = layerOf(f);
      expect(from, `unknown layer for ${relative(SRC, f)}`).not.toBeUndefined();
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)) {
        const target = resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts'));
        const to = layerOf(target);
        if (to !== undefined && from !== undefined && to > from) bad.push(`${relative(SRC, f)} -> ${relative(SRC, target)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps process I/O in cli/ and ui/', () => {
    const bad: string[] = [];
    for (const f of all) {
      const l = layerOf(f)!;
      if (l >= 5) continue;
      const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/process\.(argv|env|cwd|stdout|stderr|stdin|exit)\b/.test(text)) bad.push(relative(SRC, f));
      if (/\bconsole\.(log|error|warn|info)\b/.test(text)) bad.push(relative(SRC, f));
    }
    expect(bad).toEqual([]);
  });
});

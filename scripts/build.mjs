// Bundles src/ with esbuild: one ESM entry for the CLI and one for the library, code-split so
// that each command's implementation (and heavy dependencies such as undici) loads only when
// that command runs. Type checking is separate (`npm run typecheck`).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/index.ts'],
  outbase: 'src',
  outdir: 'dist',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
  // Some bundled dependencies are CommonJS and call require() for builtins.
  banner: { js: "import { createRequire as __tslfsCreateRequire } from 'node:module'; const require = __tslfsCreateRequire(import.meta.url);" },
});

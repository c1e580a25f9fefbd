// Bundles src/ with esbuild: one ESM entry for the CLI and one for the library, code-split so
// that each command's implementation (and heavy dependencies such as undici) loads only when
// that command runs. Type checking is separate (`npm run typecheck`).
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Build into a fresh folder and swap it in, so that a test run using dist/ while another build
// runs (parallel vitest workers, several developers) never sees a half-written bundle.
const tmpOut = `dist.tmp-${process.pid}`;
rmSync(join(root, tmpOut), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/index.ts'],
  outbase: 'src',
  outdir: tmpOut,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  // .mjs: Node knows these are ES modules without looking for a package.json scope per file,
  // which is measurable at every filter and hook start.
  outExtension: { '.js': '.mjs' },
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
const old = join(root, `dist.old-${process.pid}`);
try {
  renameSync(join(root, 'dist'), old);
} catch {
  /* no previous build */
}
renameSync(join(root, tmpOut), join(root, 'dist'));
rmSync(old, { recursive: true, force: true });

// `npm run server`: bundle the test LFS server (test/support/lfsServer, TypeScript) with esbuild
// into node_modules/.cache (already git-ignored) and run it in the foreground. Arguments pass
// through: npm run server -- --port 8080 --repo demo (see test/support/lfsServer/cli.ts).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'node_modules', '.cache', 'tslfs-lfs-server', 'cli.mjs');
await build({
  absWorkingDir: root,
  entryPoints: ['test/support/lfsServer/cli.ts'],
  outfile: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
await import(pathToFileURL(out).href);

/**
 * `npm run server` entry (bundled by scripts/server.mjs): start the test LFS server in the
 * foreground until SIGINT/SIGTERM.
 *   --root DIR        repos and objects (default: a new temp dir, removed on exit)
 *   --port N          main port (default random); --alt-port N for the second listener
 *   --repo NAME       create the bare repo NAME.git (repeatable)
 *   --auth USER:PASS  Basic auth on every repo
 *   --verify          add verify actions to uploads
 *   --log FILE        append the request log as JSON lines
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLfsServer } from './main.js';
import type { LfsServerOptions } from './types.js';

function usage(msg: string): never {
  process.stderr.write(`lfs test server: ${msg}\nusage: npm run server -- [--root DIR] [--port N] [--alt-port N] [--repo NAME]... [--auth USER:PASS] [--verify] [--log FILE]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const repos: string[] = [];
const opts: LfsServerOptions = { root: '' };
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const val = (): string => args[++i] ?? usage(`${a} needs a value`);
  const num = (): number => {
    const v = Number(val());
    if (!Number.isInteger(v) || v < 0 || v > 65535) usage(`${a} needs a port number`);
    return v;
  };
  if (a === '--root') opts.root = val();
  else if (a === '--port') opts.port = num();
  else if (a === '--alt-port') opts.altPort = num();
  else if (a === '--repo') repos.push(val());
  else if (a === '--auth') {
    const [user, ...rest] = val().split(':');
    if (!user || rest.length === 0) usage('--auth needs USER:PASS');
    opts.auth = { user, pass: rest.join(':') };
  } else if (a === '--verify') opts.verifyAction = true;
  else if (a === '--log') opts.logFile = val();
  else if (a === '--help' || a === '-h') usage('help');
  else usage(`unknown argument ${a}`);
}
const ownRoot = !opts.root;
if (!opts.root) opts.root = mkdtempSync(join(tmpdir(), 'tslfs-server-'));

const srv = await startLfsServer(opts);
for (const r of repos) await srv.createRepo(r);
process.stdout.write(`tslfs test LFS server\n  root: ${srv.root}\n  url:  ${srv.url}   (alt listener: ${srv.altUrl})\n`);
for (const r of repos) process.stdout.write(`  repo: ${srv.gitUrl(r)}   lfs: ${srv.lfsUrl(r)}\n`);
const stop = (): void => {
  void srv.stop().then(() => {
    if (ownRoot) rmSync(srv.root, { recursive: true, force: true });
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

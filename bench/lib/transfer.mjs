// Helpers for the transfer scenarios (S2 clone, S4 transfer): the test LFS server as a separate
// process, its CPU time, its object store on disk, generated repositories and timed runs that
// also record the server's CPU.
//
// The server (test/support/lfsServer, TypeScript) is bundled with esbuild once per bench run into
// the work dir, as scripts/server.mjs does (a rebuild of the checkout during the run cannot
// change it), and runs as a child process: the bench itself blocks in spawnSync while it times
// a command, so the server cannot live in the bench's own event loop. Its output goes to a file
// (a pipe nobody reads while the bench blocks would stall it). Each rep starts a fresh server
// with a fresh root, so request logs and stored objects never pile up across reps.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './proc.mjs';
import { measure } from './step.mjs';
import { median, fmtS } from './results.mjs';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let bundlePath = null;
/** Bundle test/support/lfsServer/cli.ts into workDir once; returns the .mjs path. */
export async function serverBundle(workDir) {
  if (bundlePath && existsSync(bundlePath)) return bundlePath;
  const { build } = await import('esbuild');
  const out = join(workDir, 'lfs-server', 'cli.mjs');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['test/support/lfsServer/cli.ts'],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  bundlePath = out;
  return out;
}

let clkTck = 0;
function ticksPerSecond() {
  if (!clkTck) {
    const r = run('getconf', ['CLK_TCK'], { allowFail: true });
    clkTck = Number(r.stdout.trim()) || 100;
  }
  return clkTck;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start the test LFS server on a random port with its own root. Returns
 * {pid, url, root, lfsUrl(name), repoDir(name), cpu(), stop()}. cpu() is the server's user+sys
 * CPU seconds so far, its waited-for children included (/proc/<pid>/stat).
 * opts.nodeArgs replaces the node arguments that start cli.mjs (another launcher of the same
 * server, e.g. S7's with options the CLI lacks); it must print `url: http://127.0.0.1:PORT`.
 */
export async function startServer(workDir, root, logFile, opts = {}) {
  const nodeArgs = opts.nodeArgs ?? [await serverBundle(workDir), '--root', root, '--port', '0'];
  mkdirSync(root, { recursive: true });
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => { exited = signal ?? code; });
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killOnExit);
  let url = null;
  for (let waited = 0; waited < 20_000 && !url; waited += 50) {
    await sleep(50);
    if (exited !== null) break;
    const m = /url:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (m) url = m[1];
  }
  if (!url) {
    killOnExit();
    process.off('exit', killOnExit);
    throw new Error(`test LFS server did not start (${exited !== null ? `exited ${exited}` : 'no URL after 20 s'}): ${readFileSync(logFile, 'utf8').slice(-500)}`);
  }
  const tck = ticksPerSecond();
  const srv = {
    pid: child.pid,
    url,
    root,
    lfsUrl: (name) => `${url}/${name}.git/info/lfs`,
    /** Where the server keeps the objects of repo `name` (ObjectStore.path). */
    repoDir: (name) => join(root, '.lfs', 'repos', encodeURIComponent(name)),
    alive: () => exited === null,
    cpu() {
      try {
        const s = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        // fields 14..17 of stat(5): utime stime cutime cstime (f[0] is field 3)
        return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tck;
      } catch {
        return NaN;
      }
    },
    async stop() {
      if (exited === null) {
        child.kill('SIGTERM');
        for (let w = 0; w < 10_000 && exited === null; w += 50) await sleep(50);
        if (exited === null) { child.kill('SIGKILL'); for (let w = 0; w < 5_000 && exited === null; w += 50) await sleep(50); }
      }
      process.off('exit', killOnExit);
    },
  };
  return srv;
}

/**
 * Objects the server holds for a repo: Map oid -> size (walks root/.lfs/repos/<repo>/aa/bb/).
 */
export function serverObjects(srv, name) {
  const out = new Map();
  const base = srv.repoDir(name);
  if (!existsSync(base)) return out;
  for (const a of readdirSync(base)) for (const b of readdirSync(join(base, a))) for (const oid of readdirSync(join(base, a, b))) out.set(oid, statSync(join(base, a, b, oid)).size);
  return out;
}

/** Objects in a repo's local store: Map oid -> size. */
export function localObjects(repo) {
  const out = new Map();
  const base = join(repo, '.git', 'lfs', 'objects');
  if (!existsSync(base)) return out;
  for (const a of readdirSync(base)) for (const b of readdirSync(join(base, a))) for (const oid of readdirSync(join(base, a, b))) out.set(oid, statSync(join(base, a, b, oid)).size);
  return out;
}

/**
 * Check that `have` (oid -> size) holds every object of `want` (oid -> size) with its size;
 * returns null or a reason. extra objects are allowed only if allowExtra.
 */
export function compareObjectSets(want, have, what, { allowExtra = false } = {}) {
  let missing = 0, wrong = 0, first = null;
  for (const [oid, size] of want) {
    const got = have.get(oid);
    if (got === undefined) { missing++; first ??= `${oid.slice(0, 12)} missing`; } else if (got !== size) { wrong++; first ??= `${oid.slice(0, 12)} has ${got} bytes, expected ${size}`; }
  }
  const extra = have.size - (want.size - missing);
  if (missing || wrong) return `${what}: ${missing} of ${want.size} objects missing, ${wrong} with the wrong size (first: ${first})`;
  if (!allowExtra && extra > 0) return `${what}: ${extra} unexpected extra objects`;
  return null;
}

/** sha256 of a file with openssl (streams; fast with SHA-NI). */
export function opensslSha256(path) {
  const out = run('openssl', ['dgst', '-sha256', '-r', path]).stdout;
  return out.trim().split(/\s+/)[0];
}

/**
 * Make a repo with `git fast-import`: each branch is a root commit holding .gitattributes plus
 * the given files (path -> blob text). HEAD -> heads[0] (the first branch given).
 */
export function fastImportRepo(env, dir, attributes, branches) {
  run('git', ['init', '-q', dir], { env });
  const stamp = 'Bench <bench@example.com> 1700000000 +0000';
  const out = [];
  for (const [branch, files] of branches) {
    const msg = `${branch}: ${files.length} files`;
    out.push(`commit refs/heads/${branch}\nauthor ${stamp}\ncommitter ${stamp}\ndata ${Buffer.byteLength(msg)}\n${msg}\n`);
    if (attributes !== null) out.push(`M 100644 inline .gitattributes\ndata ${Buffer.byteLength(attributes)}\n${attributes}\n`);
    for (const [path, blob] of files) out.push(`M 100644 inline ${path}\ndata ${Buffer.byteLength(blob)}\n${blob}\n`);
    out.push('\n');
  }
  run('git', ['fast-import', '--quiet'], { cwd: dir, env, input: out.join('') });
  run('git', ['repack', '-adq'], { cwd: dir, env });
  run('git', ['symbolic-ref', 'HEAD', `refs/heads/${branches[0][0]}`], { cwd: dir, env });
}

/** A fresh bare repo at `bare` with `refs` pushed from `src` (plain git, hooks off). */
export function makeBare(env, src, bare, refs) {
  rmSync(bare, { recursive: true, force: true });
  run('git', ['init', '-q', '--bare', bare], { env });
  run('git', ['-c', 'core.hooksPath=/dev/null', 'push', '-q', bare, ...refs.map((r) => `refs/heads/${r}:refs/heads/${r}`)], { cwd: src, env });
  run('git', ['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: bare, env });
}

/** `git clone` arguments giving the clone a tool's filters and the LFS URL. */
export function cloneConfigArgs(filterPairs, lfsUrl) {
  const args = [];
  for (const [k, v] of filterPairs) args.push('-c', `${k}=${v}`);
  args.push('-c', `lfs.url=${lfsUrl}`);
  return args;
}

/**
 * Server CPU per measured run: measureSrv() is measure() plus the server's CPU seconds over
 * the run (read just before and just after the command), kept when the run is recorded.
 */
export class ServerCpu {
  constructor() { this.samples = []; }

  measure(res, srv, id, lane, rep, spec) {
    let c0 = NaN, c1 = NaN;
    const ok = measure(res, id, lane, rep, {
      ...spec,
      before: () => { spec.before?.(); c0 = srv.cpu(); },
      verify: (r) => {
        c1 = srv.cpu();
        if (!srv.alive()) return 'the test LFS server died during the run';
        return spec.verify ? spec.verify(r) : null;
      },
    });
    if (ok && typeof rep === 'number') this.samples.push({ id, lane, rep, seconds: Math.round((c1 - c0) * 100) / 100 });
    return ok;
  }

  /** One line: for each id, each lane's median server CPU seconds per run. */
  line(name, ids) {
    const parts = [];
    for (const id of ids) {
      const lanes = new Map();
      for (const s of this.samples) if (s.id === id && Number.isFinite(s.seconds)) (lanes.get(s.lane) ?? lanes.set(s.lane, []).get(s.lane)).push(s.seconds);
      if (lanes.size === 0) continue;
      parts.push(`${id.replace(/^S\d\./, '')} ${[...lanes].map(([l, xs]) => `${l} ${fmtS(median(xs))}s`).join(' ')}`);
    }
    return `${name.padEnd(24)} server CPU per run (median, s): ${parts.length ? parts.join(' | ') : 'n/a'}`;
  }
}

/** Write `data` into a store dir laid out as .git/lfs/objects (aa/bb/oid). */
export function writeStoreObject(storeDir, oid, data, madeDirs) {
  const d = join(storeDir, oid.slice(0, 2), oid.slice(2, 4));
  if (!madeDirs.has(d)) { mkdirSync(d, { recursive: true }); madeDirs.add(d); }
  writeFileSync(join(d, oid), data);
  return join(d, oid);
}

#!/usr/bin/env node
// `npm run bench`: tslfs and git-lfs side by side on the scenarios of
// /work/shared/reference/baseline.md (S1 checkout of many cached files, S2 clone and S4 transfer
// through the test LFS server over HTTP, S3 `git add` of a large file, S5 start-up, S6 memory of
// one-shot filters, S7 fetch through an HTTP proxy and over pure SSH).
//
// Runs alternate between the tools (A B A B ...) inside each rep; ratios are taken pair by pair
// within a rep and reported as medians. Every run is verified (exit status and effect): a tslfs
// run that fails or produces the wrong result marks that measurement FAILED instead of giving it
// a time, and the bench exits 1. Plain-text lines go to stdout (and bench/out/bench-<stamp>.txt),
// all raw samples to bench/out/bench-<stamp>.json; progress goes to stderr.
//
// Options: --only S1,S3  --reps N  --quick (small sizes, 2 reps)  --keep (keep the work dir)
//          --big-mib N (size of the S3/S6 file; default 1024, --quick 64; S4's large objects are half)
//          --tslfs-root DIR (bench another built tslfs tree: DIR/bin/tslfs.js + DIR/dist)
// The work dir is made under os.tmpdir() (on disk, like baseline.md) and removed at the end.
// On a machine whose disk is shared with other work, `TMPDIR=/dev/shm npm run bench` takes the
// disk out of the picture (S1 is then far less noisy, but no longer comparable to baseline.md).
import { parseArgs } from 'node:util';
import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg, totalmem, hostname } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, setScratchDir } from './lib/proc.mjs';
import { snapshotTslfs, makeTools, makeSandbox } from './lib/env.mjs';
import { Results } from './lib/results.mjs';
import { runS1 } from './lib/s1.mjs';
import { runS3 } from './lib/s3.mjs';
import { runS5 } from './lib/s5.mjs';
import { runS6 } from './lib/s6.mjs';
import { runS2 } from './lib/s2.mjs';
import { runS4 } from './lib/s4.mjs';
import { runS7 } from './lib/s7.mjs';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const SCENARIOS = [
  { id: 'S1', title: 'checkout of many cached LFS files (filter-process), hooks on/off, plain git', fn: runS1, reps: 5 },
  { id: 'S2', title: 'push and clone of 15,000 small LFS files through the test server: smudging clone, skip-smudge clone + pull, plain git', fn: runS2, reps: 3 },
  { id: 'S3', title: 'git add of a large file (clean via filter-process) vs openssl and cp', fn: runS3, reps: 5 },
  { id: 'S4', title: 'transfer through the test server: push, fetch and checkout of 2,000 x 64 KiB and 2 x 512 MiB, plain GET yardstick', fn: runS4, reps: 3 },
  { id: 'S5', title: 'start-up: version and one-shot smudge of a cached 1 KiB object', fn: runS5, reps: 20 },
  { id: 'S6', title: 'memory: one-shot smudge and clean of the large file vs cp', fn: runS6, reps: 5 },
  { id: 'S7', title: 'fetch of 2,000 x 64 KiB through an HTTP proxy (tinyproxy) and over pure SSH (sshd + git-lfs-transfer)', fn: runS7, reps: 3 },
];

const USAGE = `usage: node bench/run.mjs [--only S1,S3] [--reps N] [--quick] [--keep] [--big-mib N]
  --only     comma-separated scenarios (S1..S7)
  --reps     reps per scenario (default: S1/S3/S6 5, S2/S4/S7 3, S5 20 runs; --quick: 2 and 5)
  --quick    smoke run: 1,500 files in S1/S2, a 64 MiB file in S3/S6, 200 x 64 KiB + 2 x 32 MiB in S4, 200 x 64 KiB in S7
  --keep     keep the work dir under ${tmpdir()} (set TMPDIR to move it, e.g. /dev/shm)
  --big-mib  size of the S3/S6 file in MiB (S4's two large objects are half of it)
  --tslfs-root  a built tslfs tree to bench instead of this one (its bin/, dist/, package.json)`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' }, reps: { type: 'string' }, quick: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false }, 'big-mib': { type: 'string' }, 'tslfs-root': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  const only = values.only ? values.only.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean) : null;
  for (const s of only ?? []) if (!SCENARIOS.some((x) => x.id === s)) throw new Error(`unknown scenario ${s}\n${USAGE}`);
  const reps = values.reps !== undefined ? Number(values.reps) : null;
  if (reps !== null && !(Number.isInteger(reps) && reps >= 1)) throw new Error(`--reps must be a positive integer\n${USAGE}`);
  const bigMiB = values['big-mib'] !== undefined ? Number(values['big-mib']) : values.quick ? 64 : 1024;
  if (!(Number.isInteger(bigMiB) && bigMiB >= 1)) throw new Error(`--big-mib must be a positive integer\n${USAGE}`);
  const tslfsRoot = values['tslfs-root'] ? realpathSync(values['tslfs-root']) : REPO_ROOT;
  return { only, reps, quick: values.quick, keep: values.keep, bigSize: bigMiB * 2 ** 20, tslfsRoot };
}

function firstLine(cmd, args, env) {
  try { return run(cmd, args, { env, allowFail: true }).stdout.trim().split('\n')[0] || '(no output)'; } catch (e) { return `(failed: ${e.message})`; }
}

async function main() {
  let opts;
  try { opts = parseOptions(process.argv.slice(2)); } catch (e) { console.error(e.message); process.exit(2); }
  const started = Date.now();
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-').replace(/Z$/, 'Z');
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'tslfs-bench-')));
  const cleanup = () => { if (!opts.keep) rmSync(workDir, { recursive: true, force: true }); };
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  process.on('SIGTERM', () => { cleanup(); process.exit(143); });
  setScratchDir(workDir);

  const transcript = [];
  const say = (line) => { transcript.push(line); console.log(line); };
  const elapsed = () => { const s = Math.round((Date.now() - started) / 1000); return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`; };
  const progress = (msg) => process.stderr.write(`  [${elapsed()}] ${msg}\n`);

  let exitCode = 0;
  const report = { meta: {}, scenarios: {} };
  try {
    const tslfsRoot = snapshotTslfs(opts.tslfsRoot, workDir);
    const tools = makeTools(tslfsRoot);
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: workDir, GIT_CONFIG_NOSYSTEM: '1' };
    const commit = firstLine('git', ['-C', opts.tslfsRoot, 'rev-parse', '--short', 'HEAD'], env);
    report.meta = {
      date: new Date(started).toISOString(), host: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model,
      memGiB: +(totalmem() / 2 ** 30).toFixed(1), loadavgStart: loadavg(), options: { ...opts, bigSize: opts.bigSize },
      node: process.version, git: firstLine('git', ['--version'], env), gitLfs: firstLine('git-lfs', ['version'], env),
      tslfs: firstLine(tools.tslfs.argv[0], [...tools.tslfs.argv.slice(1), 'version'], env), tslfsCommit: commit,
      tslfsSnapshot: tslfsRoot, workDir,
    };
    const m = report.meta;
    say(`# tslfs bench ${m.date}  ${m.cpus} CPUs (${m.cpuModel}), load ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')}`);
    say(`# ${m.tslfs} (commit ${commit}, built dist snapshot) | ${m.gitLfs} | ${m.git} | node ${m.node}`);
    if (m.loadavgStart[0] > m.cpus * 0.75) say(`# WARNING: load average ${m.loadavgStart[0].toFixed(1)} on ${m.cpus} CPUs at start: other work is running and will make times noisy`);
    say(`# options: ${opts.quick ? '--quick ' : ''}reps ${opts.reps ?? 'default'}, large file ${opts.bigSize / 2 ** 20} MiB${opts.only ? ', only ' + opts.only.join(',') : ''}; wall = median [min..max], rss = median peak RSS (process tree)`);

    for (const sc of SCENARIOS) {
      if (opts.only && !opts.only.includes(sc.id)) continue;
      say('');
      say(`== ${sc.id}: ${sc.title}`);
      const scStart = Date.now();
      const dir = join(workDir, sc.id);
      mkdirSync(dir, { recursive: true });
      const res = new Results(sc.id, say);
      const sb = makeSandbox(dir, tools);
      const reps = opts.reps ?? (opts.quick ? Math.min(2, sc.reps) : sc.reps);
      const ctx = { res, sb, tools, dir, workDir, reps, repsGiven: opts.reps !== null, quick: opts.quick, bigSize: opts.bigSize, progress: (msg) => progress(msg) };
      progress(`${sc.id} start`);
      let lines = [];
      try {
        lines = await sc.fn(ctx);
      } catch (e) {
        res.failed = true;
        res.error = e.stack ?? String(e);
        say(`${sc.id} ERROR (scenario aborted): ${e.message}`);
      }
      for (const l of lines) say(l);
      const secs = (Date.now() - scStart) / 1000;
      const lr = res.loadRange();
      const busy = lr && lr[1] > cpus().length * 0.75;
      say(`# ${sc.id} took ${secs.toFixed(0)}s${lr ? `; 1-min load average ${lr[0].toFixed(1)}..${lr[1].toFixed(1)} on ${cpus().length} CPUs` : ''}${busy ? ' (BUSY MACHINE: other work competed, times are noisy)' : ''}`);
      report.scenarios[sc.id] = { ...res.toJSON(), error: res.error, pending: res.pending, hyperfine: res.hyperfine, serverCpu: res.serverCpu, seconds: secs };
      if (res.failed) exitCode = 1;
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    }
  } catch (e) {
    say(`bench ERROR: ${e.message}`);
    report.error = e.stack ?? String(e);
    exitCode = 1;
  }

  const total = (Date.now() - started) / 1000;
  report.meta.seconds = total;
  report.meta.loadavgEnd = loadavg();
  say('');
  say(`# total ${total.toFixed(0)}s; ${exitCode ? 'SOME MEASUREMENTS FAILED (see FAILED/ERROR above)' : 'all runs verified'}`);
  const outDir = join(REPO_ROOT, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `bench-${stamp}${opts.quick ? '-quick' : ''}`);
  report.transcript = transcript;
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 1) + '\n');
  writeFileSync(`${base}.txt`, transcript.join('\n') + '\n');
  console.log(`# raw numbers: ${base}.json (text: ${base}.txt)${opts.keep ? `; work dir kept: ${workDir}` : ''}`);
  cleanup();
  process.exit(exitCode);
}

await main();

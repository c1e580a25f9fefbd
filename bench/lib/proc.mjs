// Running commands for the bench: `run` for untimed setup steps (throws on failure) and `timed`
// for measurements (never throws for a failing command: the caller decides, so a broken run is
// reported as a failure instead of a time).
//
// `timed` wraps the command in GNU time (`/usr/bin/time -f`) to get user/sys CPU and peak RSS.
// Peak RSS is what wait4() reports for the child, i.e. the maximum over the command and every
// descendant it waited for (for `git checkout`, git and the filter process). Wall time is taken
// here with hrtime around the whole spawn, so it includes the ~1-2 ms of the time wrapper; this
// is the same for every tool, and S5 prints /bin/true as the harness floor.
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const TIME_BIN = '/usr/bin/time';
let timeFile = null;

/** Where `timed` lets GNU time write its report (a file in the bench's work dir). */
export function setScratchDir(dir) {
  timeFile = join(dir, '.time-report');
}

/** Single-quote a word for sh. */
export function shq(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

function stdio(opts) {
  const fds = [];
  let stdin = 'ignore';
  if (opts.stdinFile) { stdin = openSync(opts.stdinFile, 'r'); fds.push(stdin); } else if (opts.input !== undefined) stdin = 'pipe';
  let stdout = 'pipe';
  if (opts.stdoutFile) { stdout = openSync(opts.stdoutFile, 'w'); fds.push(stdout); }
  return { io: [stdin, stdout, 'pipe'], fds };
}

function tail(s, n = 400) {
  const t = s.trim();
  return t.length > n ? '...' + t.slice(-n) : t;
}

/**
 * Run a command untimed. Throws an Error carrying the command, exit status and stderr unless
 * opts.allowFail. Returns {code, stdout, stderr} (stdout/stderr as strings).
 */
export function run(cmd, args, opts = {}) {
  const { io, fds } = stdio(opts);
  let r;
  try {
    r = spawnSync(cmd, args, {
      cwd: opts.cwd, env: opts.env, stdio: io, input: opts.input,
      maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 30 * 60 * 1000,
    });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  const stdout = r.stdout ? r.stdout.toString('utf8') : '';
  const stderr = r.stderr ? r.stderr.toString('utf8') : '';
  const code = r.error ? -1 : (r.status ?? (r.signal ? 128 : -1));
  if (code !== 0 && !opts.allowFail) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${code}`;
    throw new Error(`${[cmd, ...args].join(' ')} (in ${opts.cwd ?? '.'}) failed: ${why}${stderr ? ': ' + tail(stderr) : ''}`);
  }
  return { code, stdout, stderr };
}

/**
 * Run one measurement. Returns {ok, code, wall, user, sys, rssKB, stdout, stderr, error?}.
 * ok is false for a non-zero exit, a signal or a spawn error (error then says why); the caller
 * must still verify the command's effect before accepting the sample.
 */
export function timed(cmd, args, opts = {}) {
  if (!timeFile) throw new Error('setScratchDir() first');
  rmSync(timeFile, { force: true });
  const { io, fds } = stdio(opts);
  let r;
  let t1 = 0n;
  const t0 = process.hrtime.bigint();
  try {
    r = spawnSync(TIME_BIN, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args], {
      cwd: opts.cwd, env: opts.env, stdio: io, input: opts.input,
      maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 30 * 60 * 1000,
    });
  } finally {
    t1 = process.hrtime.bigint();
    for (const fd of fds) closeSync(fd);
  }
  const wall = Number(t1 - t0) / 1e9;
  const stdout = r.stdout ? r.stdout.toString('utf8') : '';
  const stderr = r.stderr ? r.stderr.toString('utf8') : '';
  let user = NaN, sys = NaN, rssKB = NaN;
  try {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
    if (m) { user = Number(m[2]); sys = Number(m[3]); rssKB = Number(m[4]); }
  } catch { /* no report: the spawn itself failed */ }
  const code = r.error ? -1 : (r.status ?? 128);
  const ok = !r.error && r.status === 0;
  const res = { ok, code, wall, user, sys, rssKB, stdout, stderr };
  if (!ok) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${code}`;
    const firstErr = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
    res.error = `${why}${firstErr ? ': ' + firstErr.slice(0, 300) : ''}`;
  }
  return res;
}

/** Block for ms milliseconds (the bench is sequential on purpose). */
export function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Flush dirty pages so each timed step starts from the same disk state. */
export function syncDisk() {
  spawnSync('sync', [], { stdio: 'ignore' });
}

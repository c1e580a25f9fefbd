// S7: fetch of 2,000 objects of 64 KiB (--quick: 200) through an HTTP proxy and over pure SSH,
// tslfs next to git-lfs on the same setup. Target (issue 4): at least git-lfs's objects per second
// on each path.
//
// Setup once: random 64 KiB contents in a store, a repo whose `main` commit has the pointers, and
// the test support started from TypeScript without duplicating it: test/support/sshServer.ts,
// tinyproxy.ts and lfsServer/main.ts are bundled with esbuild into the work dir (packages stay
// external, resolved from this checkout's node_modules; sandbox.ts's import.meta.url, which gives
// REPO_ROOT, is pinned to its source path). Started once per scenario: tinyproxy (test/support/
// tinyproxy.ts, its own config and log) and a real sshd (test/support/sshServer.ts: throwaway keys,
// authorized_keys forcing dispatch.sh, git-lfs-transfer = test/support/lfsTransferServer;
// git-lfs-authenticate answers "not found", so nothing can fall back to HTTP unnoticed). Both are
// stopped in a finally, and by pid from an exit hook if the bench is interrupted.
// Per rep (untimed): a fresh test LFS server (child process, own root) whose storage hrefs use
// `proxyHost` (a name for 127.0.0.1 that is not "localhost" or an IP literal: git-lfs 3.3.0, like
// Go's httpproxy, never proxies loopback literals, so with 127.0.0.1 its requests would bypass the
// proxy), a fresh bare repo; the objects are put in place on both servers as hard links of the
// store (the same bytes a push would leave there). Then timed, tool order flipped every rep:
//   S7.fetch_proxy  `<tool> fetch` in a fresh GIT_LFS_SKIP_SMUDGE=1 clone with
//                   lfs.url = http://<proxyHost>:PORT/<repo>.git/info/lfs and http.proxy = tinyproxy;
//                   no HTTP(S)_PROXY / NO_PROXY in the environment
//   S7.fetch_ssh    `<tool> fetch` in a fresh GIT_LFS_SKIP_SMUDGE=1 clone whose origin is
//                   ssh://user@127.0.0.1:PORT/<bare>; lfs.sshtransfer=always (tslfs; git-lfs 3.3.0
//                   has no such key and always tries git-lfs-transfer first), each tool's defaults
//                   otherwise (concurrency, lfs.ssh.automultiplex)
// Checks per run: exactly the objects in the local store with their sizes, a sample hashed; for
// the proxy, tinyproxy's log must show a storage GET through the proxy for every object and at
// least one batch POST; for SSH, sshd must have run `git-lfs-transfer <bare> download`, never
// git-lfs-authenticate, and the transfer server must have served a get-object for every object.
// Each rep's evidence counts (proxy requests, ssh sessions and connections) are printed as a note.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isBuiltin } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes, createHash } from 'node:crypto';
import { run } from './proc.mjs';
import { filterConfig, pointerText, ATTRIBUTES } from './env.mjs';
import { median, fmtR } from './results.mjs';
import { startServer, localObjects, compareObjectSets, fastImportRepo, makeBare, cloneConfigArgs, ServerCpu, writeStoreObject } from './transfer.mjs';
import { measure } from './step.mjs';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SMALL = 64 * 1024;
const REPO = 's7';

// The test LFS server with storage hrefs on another host name (cli.ts has no --href-base).
// argv: <lfsServer bundle> <root> <host>. Prints `url: <listener url>` as cli.ts does.
const SERVER_SCRIPT = `
const [bundle, root, host] = process.argv.slice(1);
const { startLfsServer } = await import(bundle);
const srv = await startLfsServer({ root, hrefBase: (b) => b.replace('//127.0.0.1:', '//' + host + ':') });
process.stdout.write('tslfs test LFS server (S7)\\n  root: ' + srv.root + '\\n  url:  ' + srv.url + '\\n');
const stop = () => { void srv.stop().then(() => process.exit(0)); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
`;

let bundles = null;
/**
 * Bundle the test support S7 uses into workDir/s7-support once: {sshServer, tinyproxy, lfsServer}
 * as file URLs of .mjs modules.
 */
async function supportBundles(workDir) {
  if (bundles) return bundles;
  const { build } = await import('esbuild');
  const outdir = join(workDir, 's7-support');
  const entries = { sshServer: 'test/support/sshServer.ts', tinyproxy: 'test/support/tinyproxy.ts', lfsServer: 'test/support/lfsServer/main.ts' };
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: entries,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    // sandbox.ts: REPO_ROOT = new URL('../..', import.meta.url); keep it pointing at this checkout.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(REPO_ROOT, 'test', 'support', 'sandbox.ts')).href) },
    plugins: [{
      name: 'packages-from-checkout',
      setup(b) {
        // esbuild (used by sshServer.ts at run time) cannot be bundled; execa need not be.
        b.onResolve({ filter: /^[^./]/ }, (a) => (isBuiltin(a.path) ? { path: a.path, external: true } : { path: import.meta.resolve(a.path), external: true }));
      },
    }],
  });
  bundles = Object.fromEntries(Object.keys(entries).map((k) => [k, pathToFileURL(join(outdir, `${k}.mjs`)).href]));
  return bundles;
}

/** A name other than "localhost" that resolves to 127.0.0.1 (the test server binds only that). */
async function proxyHostName() {
  for (const h of [hostname(), 'localhost.']) {
    if (!h || h === 'localhost') continue;
    try {
      const addrs = await lookup(h, { all: true });
      if (addrs.some((a) => a.address === '127.0.0.1')) return h;
    } catch { /* next */ }
  }
  return null;
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const which = (cmd) => run('sh', ['-c', `command -v ${cmd}`], { allowFail: true }).stdout.trim();

export async function runS7(ctx) {
  const { res, sb, tools, reps, quick, dir, workDir } = ctx;
  const n = quick ? 200 : 2000;
  const names = ['tslfs', 'git-lfs'];

  // --- what can run ---
  const b = await supportBundles(workDir);
  const { SSHD, startSshd } = await import(b.sshServer);
  const { startTinyproxy } = await import(b.tinyproxy);
  const proxyHost = await proxyHostName();
  let proxySkip = !which('tinyproxy') ? 'tinyproxy is not installed (apt-get install tinyproxy)' : !proxyHost ? `no host name other than localhost resolves to 127.0.0.1 (tried ${hostname()}, localhost.)` : null;
  let sshSkip = !existsSync(SSHD) && !which('sshd') ? 'sshd is not installed (apt-get install openssh-server)' : !which('ssh') || !which('ssh-keygen') ? 'the ssh client is not installed' : null;
  res.note(`${n} objects of 64 KiB, random contents; ${reps} rep${reps === 1 ? '' : 's'}, no warm-up, tool order flipped every rep; per rep a fresh LFS server and bare repo with the objects put in place untimed; each run a fresh GIT_LFS_SKIP_SMUDGE=1 clone; each tool's default concurrency`);
  if (proxySkip) res.note(`S7.fetch_proxy SKIPPED: ${proxySkip}`);
  if (sshSkip) res.note(`S7.fetch_ssh SKIPPED: ${sshSkip}`);

  // --- setup: objects and repo ---
  const t0 = Date.now();
  const store = join(dir, 'store');
  const madeDirs = new Set();
  const want = new Map();
  const oids = [], files = [];
  for (let i = 0; i < n; i++) {
    const data = randomBytes(SMALL);
    const oid = createHash('sha256').update(data).digest('hex');
    writeStoreObject(store, oid, data, madeDirs);
    want.set(oid, SMALL);
    oids.push(oid);
    files.push([`small/f${String(i).padStart(4, '0')}.bin`, pointerText(oid, SMALL)]);
  }
  const template = join(dir, 'template');
  fastImportRepo(sb.env, template, ATTRIBUTES, [['main', files]]);
  res.note(`setup: ${n} objects (${((n * SMALL) / 1e6).toFixed(0)} MB) and repo in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  // --- checks ---
  const sample = () => { const out = [0, n - 1]; for (let k = 0; k < 18; k++) out.push(Math.floor(Math.random() * n)); return out; };
  const hashLocal = (repo, oid) => createHash('sha256').update(readFileSync(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).digest('hex');
  const checkStore = (repo) => {
    const why = compareObjectSets(want, localObjects(repo), 'local store after fetch');
    if (why) return why;
    for (const i of sample()) if (hashLocal(repo, oids[i]) !== oids[i]) return `fetched object ${oids[i].slice(0, 12)} does not hash to its oid`;
    return null;
  };
  /** Which of `want`'s oids appear in `lines` (oid at the end of a URL or after a command). */
  const covered = (lines, re) => {
    const seen = new Set();
    for (const l of lines) { const m = re.exec(l); if (m && want.has(m[1])) seen.add(m[1]); }
    return seen.size;
  };

  let proxy = null, sshd = null, sshdPid = 0, clientTmp = null;
  const evidence = []; // per rep and tool: strings for the notes
  // The bench was interrupted (run.mjs's signal handlers remove the work dir, then process.exit):
  // stop sshd by the pid read at start (tinyproxy.ts and startServer have their own exit hooks).
  const onExit = () => {
    try { if (sshdPid) process.kill(sshdPid, 'SIGTERM'); } catch { /* gone */ }
    if (clientTmp) rmSync(clientTmp, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const srvCpu = new ServerCpu();
  res.serverCpu = srvCpu.samples;
  try {
    if (!proxySkip) {
      try {
        proxy = await startTinyproxy({ dir: join(dir, 'proxy') });
      } catch (e) {
        proxySkip = `tinyproxy did not start: ${e.message}`;
        res.note(`S7.fetch_proxy SKIPPED: ${proxySkip}`);
      }
    }
    if (!sshSkip) {
      try {
        sshd = await startSshd({ dir: join(dir, 'sshd') });
        sshd.setAuth('missing');
        const pidFile = join(sshd.dir, 'sshd.pid');
        for (let w = 0; w < 2000 && !existsSync(pidFile); w += 50) await sleep(50);
        sshdPid = Number(readFileSync(pidFile, 'utf8').trim()) || 0;
      } catch (e) {
        sshSkip = `sshd did not start: ${e.message.slice(0, 300)}`;
        res.note(`S7.fetch_ssh SKIPPED: ${sshSkip}`);
      }
    }
    // The ssh clients' TMPDIR (control sockets): short, as a unix socket path has at most 107
    // bytes and OpenSSH appends a 40-hex %C plus a temp suffix to git-lfs's sock-<n>/ dir (under
    // the work dir, git-lfs 3.3.0's pure SSH connection fails and it falls back to HTTP).
    clientTmp = mkdtempSync(join('/tmp', 's7ssh-'));
    const sshEnv = sshd ? { ...sb.env, ...sshd.clientEnv, TMPDIR: clientTmp } : null;
    if (proxy) res.note(`proxy: tinyproxy ${proxy.url}; LFS URL host ${proxyHost} (resolves to 127.0.0.1); storage hrefs on the same host`);
    if (sshd) res.note(`ssh: sshd ${sshd.url('/...')}; git-lfs-transfer = test/support/lfsTransferServer (node), git-lfs-authenticate answers "not found"`);

    for (let rep = 1; rep <= reps; rep++) {
      const repDir = join(dir, `rep${rep}`);
      let srv = null;
      try {
        ctx.progress(`S7 rep ${rep}: bare repo, objects on the servers`);
        const bare = join(repDir, `${REPO}.git`);
        makeBare(sb.env, template, bare, ['main']);
        mkdirSync(join(bare, 'lfs'), { recursive: true });
        run('cp', ['-al', store, join(bare, 'lfs', 'objects')]);
        if (proxy) {
          const root = join(repDir, 'server');
          srv = await startServer(workDir, root, join(repDir, 'server.log'), {
            nodeArgs: ['--input-type=module', '-e', SERVER_SCRIPT, (await supportBundles(workDir)).lfsServer, root, proxyHost],
          });
          mkdirSync(dirname(srv.repoDir(REPO)), { recursive: true });
          run('cp', ['-al', store, srv.repoDir(REPO)]);
        }
        const order = rep % 2 === 1 ? names : [...names].reverse();
        const lfsUrl = srv ? srv.lfsUrl(REPO).replace('//127.0.0.1:', `//${proxyHost}:`) : null;
        const steps = [];
        if (proxy) steps.push({ id: 'S7.fetch_proxy', kind: 'proxy' });
        if (sshd) steps.push({ id: 'S7.fetch_ssh', kind: 'ssh' });
        for (const st of steps) {
          for (const name of order) {
            if (res.isFailed(st.id, name)) continue;
            const t = tools[name];
            const c = join(repDir, `clone-${st.kind}-${name}`);
            const cfg = st.kind === 'proxy'
              ? cloneConfigArgs(filterConfig(t), lfsUrl).concat(['-c', `http.proxy=${proxy.url}`])
              : filterConfig(t).flatMap(([k, v]) => ['-c', `${k}=${v}`]).concat(['-c', 'lfs.sshtransfer=always']);
            const r = run('git', ['clone', '-q', ...cfg, bare, c], { env: { ...sb.env, GIT_LFS_SKIP_SMUDGE: '1' }, allowFail: true });
            if (r.code !== 0) { res.fail(st.id, name, rep, `not run: GIT_LFS_SKIP_SMUDGE=1 clone failed (exit ${r.code}): ${r.stderr.trim().slice(-300)}`); continue; }
            if (st.kind === 'ssh') sb.git(c, ['remote', 'set-url', 'origin', sshd.url(bare)]);
            ctx.progress(`S7 rep ${rep}: ${name} fetch (${st.kind})`);
            const spec = { cmd: t.argv[0], args: [...t.argv.slice(1), 'fetch'], opts: { cwd: c, env: st.kind === 'ssh' ? sshEnv : sb.env } };
            if (st.kind === 'proxy') {
              let p0 = 0;
              srvCpu.measure(res, srv, st.id, name, rep, {
                ...spec,
                before: () => { p0 = proxy.requests().length; },
                verify: () => {
                  const why = checkStore(c);
                  if (why) return why;
                  const lines = proxy.requests().slice(p0);
                  const gets = lines.filter((l) => l.startsWith('GET ') && l.includes('/storage/'));
                  const posts = lines.filter((l) => l.startsWith('POST ') && l.includes('/objects/batch'));
                  const via = covered(gets, /\/storage\/[^/\s]+\/([0-9a-f]{64})[\s?]/);
                  evidence.push(`rep ${rep} proxy ${name}: ${posts.length} batch POST + ${gets.length} storage GET through tinyproxy (${lines.length} requests)`);
                  if (posts.length === 0) return 'no batch request went through the proxy';
                  if (via !== n) return `only ${via} of ${n} object downloads went through the proxy`;
                  if (lines.some((l) => !l.includes(`//${proxyHost}:`))) return `the proxy saw requests to another host: ${lines.find((l) => !l.includes(`//${proxyHost}:`))}`;
                  return null;
                },
              });
            } else {
              let c0 = 0, l0 = 0, a0 = 0, seen = null;
              const accepted = () => (sshd.log().match(/Accepted publickey/g) ?? []).length;
              const ok = measure(res, st.id, name, rep, {
                ...spec,
                before: () => { c0 = sshd.commands().length; l0 = sshd.transferLog().length; a0 = accepted(); },
                verify: () => {
                  const why = checkStore(c);
                  if (why) return why;
                  const cmds = sshd.commands().slice(c0);
                  const tlog = sshd.transferLog().slice(l0);
                  const sessions = new Set(tlog.filter((l) => / start download /.test(l)).map((l) => l.split(' ')[0])).size;
                  const gets = covered(tlog, / get-object ([0-9a-f]{64})/);
                  seen = `${sessions} git-lfs-transfer session(s), ${tlog.filter((l) => / get-object /.test(l)).length} get-object`;
                  if (cmds.some((x) => x.startsWith('git-lfs-authenticate'))) return 'ran git-lfs-authenticate (the hybrid HTTP path), not pure SSH only';
                  if (!cmds.some((x) => /^git-lfs-transfer\s/.test(x) && x.includes(bare) && /\sdownload$/.test(x))) return `sshd never ran git-lfs-transfer ${bare} download (commands: ${cmds.join(' ; ').slice(0, 200)})`;
                  if (gets !== n) return `the transfer server served get-object for ${gets} of ${n} objects`;
                  return null;
                },
              });
              // sshd's log is read by this process's event loop, blocked during the run: let it catch up.
              await sleep(200);
              if (ok) evidence.push(`rep ${rep} ssh ${name}: ${seen} over ${accepted() - a0} ssh connection(s)`);
            }
            await tick(); // lets sshd's stderr pipe drain (sshServer.ts reads it in this process)
            rmSync(c, { recursive: true, force: true });
          }
        }
      } finally {
        ctx.progress(`S7 rep ${rep}: stopping the LFS server, removing the rep's files`);
        await srv?.stop();
        rmSync(repDir, { recursive: true, force: true });
      }
    }
  } finally {
    ctx.progress('S7: stopping sshd and tinyproxy');
    await sshd?.stop();
    await proxy?.stop();
    process.off('exit', onExit);
    sshdPid = 0;
    if (clientTmp) rmSync(clientTmp, { recursive: true, force: true });
  }
  for (const e of evidence) res.note(`evidence: ${e}`);

  // --- lines ---
  const ids = ['S7.fetch_proxy', 'S7.fetch_ssh'];
  const lines = ids.map((id) => res.measurementLine(id));
  // Per rep: objects/s of each tool, the ratio, peak RSS.
  for (let rep = 1; rep <= reps; rep++) {
    for (const id of ids) {
      const s = names.map((nm) => res.byRep(id, nm)?.get(rep) ?? null);
      if (!res.meas.has(id)) continue;
      const part = (nm, x) => (x ? `${nm} ${fmtR(n / x.wall)} obj/s rss ${(x.rssKB / 1024).toFixed(0)}MiB` : `${nm} n/a`);
      const ratio = s[0] && s[1] ? fmtR(s[1].wall / s[0].wall) : 'n/a';
      lines.push(`${`${id}.rep${rep}`.padEnd(24)} ${part('tslfs', s[0])} | ${part('git-lfs', s[1])} | obj/s tslfs/git-lfs ${ratio}`);
    }
  }
  const objRate = ([a, b]) => b.wall / a.wall; // (n / a.wall) / (n / b.wall)
  for (const id of ids) {
    if (!res.meas.has(id)) { lines.push(`${id.replace('S7.', 'S7.target.').padEnd(24)} not run (${id === 'S7.fetch_proxy' ? proxySkip : sshSkip})`); continue; }
    lines.push(res.ratio({
      name: id.replace('S7.', 'S7.target.'), label: `fetch of ${n} x 64 KiB ${id === 'S7.fetch_proxy' ? 'through tinyproxy' : 'over pure SSH'}, objects/s tslfs/git-lfs`,
      lanes: [[id, 'tslfs'], [id, 'git-lfs']], f: objRate, target: { op: '>=', value: 1 },
    }));
  }
  for (const id of ids) {
    if (!res.meas.has(id)) continue;
    lines.push(res.ratio({ name: id.replace('S7.', 'S7.ref.rss_'), label: `peak RSS tslfs/git-lfs, ${id.slice(3)}`, lanes: [[id, 'tslfs'], [id, 'git-lfs']], f: ([a, c]) => a.rssKB / c.rssKB }));
  }
  const rate = (id, lane) => { const m = res.byRep(id, lane); return m && m.size ? fmtR(n / median([...m.values()].map((s) => s.wall))) : 'n/a'; };
  for (const nm of names) lines.push(`${`S7.rate.${nm}`.padEnd(24)} fetch through proxy ${rate('S7.fetch_proxy', nm)} obj/s | over pure SSH ${rate('S7.fetch_ssh', nm)} obj/s (from median wall)`);
  if (res.meas.has('S7.fetch_proxy')) lines.push(srvCpu.line('S7.srv_cpu', ['S7.fetch_proxy']));
  return lines;
}

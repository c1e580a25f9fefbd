// S4: transfer through the test LFS server over HTTP: 2,000 objects of 64 KiB and 2 of 512 MiB
// (--quick: 200 x 64 KiB and 2 x 32 MiB; the large size is half of --big-mib). See
// /work/shared/reference/baseline.md, S4.
//
// The repo has three root commits: `small` (the small files under small/), `large` (the two under
// large/) and `main` (all of them), so small and large objects are pushed and fetched as separate
// runs (the targets are per kind: objects/s for small ones, MB/s for large ones). Setup once: random
// contents, objects written into a store (hard-linked into each tool's push repo: push only reads
// them). Per rep: a fresh server (fresh root) and bare repo, then timed and alternating:
//   S4.push_small / S4.push_large   `<tool> push origin small|large`, each tool to its own fresh
//                                   server repo (checked: every object on the server, sizes)
//   (untimed) a GIT_LFS_SKIP_SMUDGE=1 clone per tool, lfs.url = the repo git-lfs pushed
//   S4.fetch_small                  `<tool> fetch -I 'small/**'` (checked: exactly the small objects
//                                   in the local store, sizes, a sample hashed)
//   S4.fetch_large                  `<tool> fetch -I 'large/**'` (checked: both hashed in full)
//   S4.checkout                     `<tool> checkout` (all files; counts, sampled contents)
//   S4.get_large                    one large object by a plain HTTP GET (curl, else node), href
//                                   from a batch call: the yardstick
// The server's CPU time per run is recorded.
import { readFileSync, readdirSync, existsSync, rmSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { run } from './proc.mjs';
import { filterConfig, pointerText, fileSize, sampleCompare, ATTRIBUTES } from './env.mjs';
import { median, fmtR } from './results.mjs';
import {
  startServer, serverObjects, localObjects, compareObjectSets, opensslSha256, fastImportRepo, makeBare,
  cloneConfigArgs, ServerCpu, writeStoreObject,
} from './transfer.mjs';

const SMALL = 64 * 1024;
const MB = 1e6;

// Asks the server's batch API for a download action; prints {href, header} as JSON.
const BATCH_SCRIPT = `
const [url, oid, size] = process.argv.slice(1);
const r = await fetch(url + '/objects/batch', { method: 'POST', headers: { accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' },
  body: JSON.stringify({ operation: 'download', transfers: ['basic'], objects: [{ oid, size: Number(size) }] }) });
if (!r.ok) { console.error('batch: HTTP ' + r.status); process.exit(1); }
const o = (await r.json()).objects[0];
if (!o.actions?.download) { console.error('batch: no download action: ' + JSON.stringify(o)); process.exit(1); }
console.log(JSON.stringify({ href: o.actions.download.href, header: o.actions.download.header ?? {} }));
`;
// The GET yardstick without curl: stream the body to a file.
const GET_SCRIPT = `
const http = await import('node:http'); const fs = await import('node:fs');
const [href, headers, out] = process.argv.slice(1);
http.get(href, { headers: JSON.parse(headers) }, (res) => {
  if (res.statusCode !== 200) { console.error('GET: HTTP ' + res.statusCode); process.exit(1); }
  const w = fs.createWriteStream(out); res.pipe(w); w.on('finish', () => process.exit(0));
}).on('error', (e) => { console.error(e.message); process.exit(1); });
`;

export async function runS4(ctx) {
  const { res, sb, tools, reps, quick, dir, workDir } = ctx;
  const nSmall = quick ? 200 : 2000;
  const largeSize = Math.floor(ctx.bigSize / 2);
  const names = ['tslfs', 'git-lfs'];
  const curl = run('sh', ['-c', 'command -v curl'], { allowFail: true }).stdout.trim();
  res.note(`${nSmall} objects of 64 KiB (small/) + 2 of ${largeSize / 2 ** 20} MiB (large/), random contents; ${reps} rep${reps === 1 ? '' : 's'}, no warm-up; per rep a fresh server and bare repo; each tool pushes to its own fresh server repo; fetch and checkout in a GIT_LFS_SKIP_SMUDGE=1 clone of the repo git-lfs pushed; yardstick GET by ${curl ? 'curl' : 'node http.get (no curl installed)'} to a file`);

  // --- setup: objects and repos ---
  let t0 = Date.now();
  const store = join(dir, 'store');
  const madeDirs = new Set();
  const wantSmall = new Map(), wantAll = new Map();
  const smallFiles = [], largeFiles = [], smallOids = [], large = [];
  for (let i = 0; i < nSmall; i++) {
    const data = randomBytes(SMALL);
    const oid = createHash('sha256').update(data).digest('hex');
    writeStoreObject(store, oid, data, madeDirs);
    wantSmall.set(oid, SMALL);
    smallOids.push(oid);
    smallFiles.push([`small/f${String(i).padStart(4, '0')}.bin`, pointerText(oid, SMALL)]);
  }
  for (const n of ['a', 'b']) {
    const tmp = join(dir, `large-${n}.tmp`);
    run('head', ['-c', String(largeSize), '/dev/urandom'], { stdoutFile: tmp });
    if (fileSize(tmp) !== largeSize) throw new Error(`could not make ${tmp}`);
    const oid = opensslSha256(tmp);
    const d = join(store, oid.slice(0, 2), oid.slice(2, 4));
    mkdirSync(d, { recursive: true });
    renameSync(tmp, join(d, oid));
    large.push({ name: `large/${n}.bin`, oid, path: join(d, oid) });
    largeFiles.push([`large/${n}.bin`, pointerText(oid, largeSize)]);
  }
  for (const [k, v] of wantSmall) wantAll.set(k, v);
  for (const l of large) wantAll.set(l.oid, largeSize);
  const template = join(dir, 'template');
  fastImportRepo(sb.env, template, ATTRIBUTES, [['main', [...smallFiles, ...largeFiles]], ['small', smallFiles], ['large', largeFiles]]);
  const srcs = {};
  for (const name of names) {
    const src = join(dir, `src-${name}`);
    run('cp', ['-a', template, src]);
    mkdirSync(join(src, '.git', 'lfs'), { recursive: true });
    run('cp', ['-al', store, join(src, '.git', 'lfs', 'objects')]);
    for (const [k, v] of filterConfig(tools[name])) sb.git(src, ['config', '--local', k, v]);
    srcs[name] = src;
  }
  res.note(`setup: ${nSmall + 2} objects (${((nSmall * SMALL + 2 * largeSize) / MB).toFixed(0)} MB) and repos in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  // --- checks ---
  const storePath = (oid) => join(store, oid.slice(0, 2), oid.slice(2, 4), oid);
  const sampleSmall = () => { const out = [0, nSmall - 1]; for (let k = 0; k < 18; k++) out.push(Math.floor(Math.random() * nSmall)); return out; };
  const verifyServer = (srv, repoName, want) => () => compareObjectSets(want, serverObjects(srv, repoName), `server repo ${repoName}`);
  const hashLocal = (repo, oid) => createHash('sha256').update(readFileSync(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).digest('hex');
  const verifyFetchSmall = (repo) => () => {
    const why = compareObjectSets(wantSmall, localObjects(repo), 'local store after fetch -I small/**');
    if (why) return why;
    for (const i of sampleSmall()) if (hashLocal(repo, smallOids[i]) !== smallOids[i]) return `fetched object ${smallOids[i].slice(0, 12)} does not hash to its oid`;
    return null;
  };
  const verifyFetchLarge = (repo) => () => {
    const why = compareObjectSets(wantAll, localObjects(repo), 'local store after fetch -I large/**');
    if (why) return why;
    for (const l of large) {
      const h = opensslSha256(join(repo, '.git', 'lfs', 'objects', l.oid.slice(0, 2), l.oid.slice(2, 4), l.oid));
      if (h !== l.oid) return `fetched ${l.name} hashes to ${h.slice(0, 12)}, not ${l.oid.slice(0, 12)}`;
    }
    return null;
  };
  const verifyCheckout = (repo) => () => {
    const ns = existsSync(join(repo, 'small')) ? readdirSync(join(repo, 'small')).length : 0;
    if (ns !== nSmall) return `small/ has ${ns} files, expected ${nSmall}`;
    for (const i of sampleSmall()) {
      const f = smallFiles[i][0];
      if (!readFileSync(join(repo, f)).equals(readFileSync(storePath(smallOids[i])))) return `${f} does not hold its object's content`;
    }
    for (const l of large) {
      const why = sampleCompare(l.path, join(repo, l.name));
      if (why) return `${l.name}: ${why}`;
    }
    return null;
  };

  // --- reps ---
  const srvCpu = new ServerCpu();
  res.serverCpu = srvCpu.samples;
  const fetchIds = ['S4.fetch_small', 'S4.fetch_large', 'S4.checkout'];
  for (let rep = 1; rep <= reps; rep++) {
    ctx.progress(`S4 rep ${rep}: server, bare repo`);
    const repDir = join(dir, `rep${rep}`);
    const srv = await startServer(workDir, join(repDir, 'server'), join(repDir, 'server.log'));
    try {
      const bare = join(repDir, 'lfs.git');
      makeBare(sb.env, template, bare, ['main', 'small', 'large']);
      for (const name of names) {
        sb.git(srcs[name], ['config', 'remote.origin.url', bare]);
        sb.git(srcs[name], ['config', 'lfs.url', srv.lfsUrl(`s4-r${rep}-${name}`)]);
      }
      const pushed = {};
      for (const [kind, want] of [['small', wantSmall], ['large', wantAll]]) {
        for (const name of names) {
          const t = tools[name];
          ctx.progress(`S4 rep ${rep}: ${name} push ${kind}`);
          const ok = srvCpu.measure(res, srv, `S4.push_${kind}`, name, rep, {
            cmd: t.argv[0], args: [...t.argv.slice(1), 'push', 'origin', kind], opts: { cwd: srcs[name], env: sb.env },
            verify: verifyServer(srv, `s4-r${rep}-${name}`, want),
          });
          pushed[name] = (pushed[name] ?? true) && ok;
        }
      }
      const source = pushed['git-lfs'] ? 'git-lfs' : pushed.tslfs ? 'tslfs' : null;
      if (source !== 'git-lfs') res.note(`rep ${rep}: git-lfs's push failed; fetches read ${source ? 'the repo tslfs pushed' : 'nothing (not run)'}`);
      const lfsUrl = source ? srv.lfsUrl(`s4-r${rep}-${source}`) : null;

      const clones = {};
      for (const name of names) {
        if (!lfsUrl) { for (const id of fetchIds) res.fail(id, name, rep, 'not run: no server repo holds the objects (both pushes failed)'); continue; }
        const c = join(repDir, `clone-${name}`);
        const r = run('git', ['clone', '-q', ...cloneConfigArgs(filterConfig(tools[name]), lfsUrl), bare, c], { env: { ...sb.env, GIT_LFS_SKIP_SMUDGE: '1' }, allowFail: true });
        if (r.code !== 0) { for (const id of fetchIds) res.fail(id, name, rep, `not run: GIT_LFS_SKIP_SMUDGE=1 clone failed (exit ${r.code}): ${r.stderr.trim().slice(-300)}`); continue; }
        clones[name] = c;
      }
      const steps = [
        { id: 'S4.fetch_small', args: ['fetch', '-I', 'small/**'], verify: verifyFetchSmall },
        { id: 'S4.fetch_large', args: ['fetch', '-I', 'large/**'], verify: verifyFetchLarge },
        { id: 'S4.checkout', args: ['checkout'], verify: verifyCheckout },
      ];
      for (const [si, st] of steps.entries()) {
        for (const name of names) {
          const c = clones[name];
          if (!c) continue;
          if (si > 0 && res.isFailed(steps[si - 1].id, name) && !res.isFailed(st.id, name)) { res.fail(st.id, name, rep, `not run: ${steps[si - 1].id} failed`); continue; }
          const t = tools[name];
          ctx.progress(`S4 rep ${rep}: ${name} ${st.args.join(' ')}`);
          srvCpu.measure(res, srv, st.id, name, rep, {
            cmd: t.argv[0], args: [...t.argv.slice(1), ...st.args], opts: { cwd: c, env: sb.env }, verify: st.verify(c),
          });
        }
      }

      // Yardstick: one large object by a plain GET, href from a batch call.
      if (lfsUrl) {
        ctx.progress(`S4 rep ${rep}: GET of one large object`);
        const out = join(repDir, 'get-large.bin');
        let action = null;
        try {
          action = JSON.parse(run(process.execPath, ['--input-type=module', '-e', BATCH_SCRIPT, lfsUrl, large[0].oid, String(largeSize)], { env: sb.env }).stdout);
        } catch (e) {
          res.fail('S4.get_large', curl ? 'curl' : 'node', rep, `batch call for the GET failed: ${e.message}`);
        }
        if (action) {
          const hdr = Object.entries(action.header);
          const spec = curl
            ? { cmd: curl, args: ['-sf', ...hdr.flatMap(([k, v]) => ['-H', `${k}: ${v}`]), '-o', out, action.href] }
            : { cmd: process.execPath, args: ['--input-type=module', '-e', GET_SCRIPT, action.href, JSON.stringify(action.header), out] };
          srvCpu.measure(res, srv, 'S4.get_large', curl ? 'curl' : 'node', rep, {
            ...spec, opts: { env: sb.env },
            before: () => rmSync(out, { force: true }),
            verify: () => (fileSize(out) !== largeSize ? `got ${fileSize(out)} bytes` : opensslSha256(out) !== large[0].oid ? 'content does not hash to the oid' : null),
          });
          // The same GET doing what a client must: store the bytes and hash them as they
          // arrive (curl | tee | openssl), i.e. a native client's best case for fetch_large.
          if (curl) {
            const q = (x) => `'${String(x).replace(/'/g, `'\\''`)}'`;
            const pipe = `${q(curl)} -sf ${hdr.map(([k, v]) => `-H ${q(`${k}: ${v}`)}`).join(' ')} -o - ${q(action.href)} | tee ${q(out)} | openssl dgst -sha256 -r`;
            srvCpu.measure(res, srv, 'S4.get_large_stored', 'curl+tee+openssl', rep, {
              cmd: 'sh', args: ['-c', pipe], opts: { env: sb.env },
              before: () => rmSync(out, { force: true }),
              verify: (r) => (fileSize(out) !== largeSize ? `stored ${fileSize(out)} bytes` : !r.stdout.startsWith(large[0].oid) ? `hashed to ${r.stdout.slice(0, 64)}` : null),
            });
          }
        }
      }
    } finally {
      ctx.progress(`S4 rep ${rep}: stopping the server, removing the rep's files`);
      await srv.stop();
      rmSync(repDir, { recursive: true, force: true });
    }
  }

  const getLane = curl ? 'curl' : 'node';
  const ids = ['S4.push_small', 'S4.push_large', 'S4.fetch_small', 'S4.fetch_large', 'S4.checkout', 'S4.get_large', 'S4.get_large_stored'];
  const lines = ids.map((id) => res.measurementLine(id));
  const div = ([a, b]) => a.wall / b.wall;
  const T = [['tslfs'], ['git-lfs']];
  const lanes2 = (id) => [[id, 'tslfs'], [id, 'git-lfs']];
  lines.push(res.ratio({ name: 'S4.target.fetch_small', label: `fetch of ${nSmall} small objects, wall tslfs/git-lfs (<= 0.8 is >= 1.25x git-lfs's objects/s)`, lanes: lanes2('S4.fetch_small'), f: div, target: { op: '<=', value: 0.8 } }));
  lines.push(res.ratio({ name: 'S4.target.fetch_large', label: `fetch of 2 x ${largeSize / 2 ** 20} MiB, wall tslfs/git-lfs (<= 0.5 is >= 2x MB/s)`, lanes: lanes2('S4.fetch_large'), f: div, target: { op: '<=', value: 0.5 } }));
  lines.push(res.ratio({ name: 'S4.target.push_large', label: `push of 2 x ${largeSize / 2 ** 20} MiB, wall tslfs/git-lfs (<= 0.5 is >= 2x MB/s)`, lanes: lanes2('S4.push_large'), f: div, target: { op: '<=', value: 0.5 } }));
  lines.push(res.ratio({ name: 'S4.target.checkout', label: `checkout after fetch (${nSmall + 2} files), tslfs/git-lfs`, lanes: lanes2('S4.checkout'), f: div, target: { op: '<=', value: 0.5 } }));
  lines.push(res.ratio({ name: 'S4.ref.push_small', label: `push of ${nSmall} small objects, tslfs/git-lfs`, lanes: lanes2('S4.push_small'), f: div }));
  // Peak RSS must not grow with object size: 2 large objects against many small ones.
  for (const [name] of T) {
    for (const op of ['fetch', 'push']) {
      lines.push(res.ratio({
        name: `S4.${name === 'tslfs' ? 'target' : 'ref'}.rss_${op}`, label: `peak RSS ${op} 2 large / ${nSmall} small (flat in size), ${name}`,
        lanes: [[`S4.${op}_large`, name], [`S4.${op}_small`, name]], f: ([a, b]) => a.rssKB / b.rssKB, agg: 'max',
        ...(name === 'tslfs' ? { target: { op: '<=', value: 1.5 } } : {}),
      }));
    }
  }
  for (const [name] of T) {
    const max = (id) => { const m = res.byRep(id, name); return m && m.size ? `${(Math.max(...[...m.values()].map((s) => s.rssKB)) / 1024).toFixed(0)}` : 'n/a'; };
    lines.push(`${`S4.rss.${name}`.padEnd(24)} max peak RSS MiB: push small ${max('S4.push_small')} large ${max('S4.push_large')} | fetch small ${max('S4.fetch_small')} large ${max('S4.fetch_large')} | checkout ${max('S4.checkout')}`);
  }
  // Rates from medians.
  const rate = (id, lane, amount) => { const m = res.byRep(id, lane); return m && m.size ? fmtR(amount / median([...m.values()].map((s) => s.wall))) : 'n/a'; };
  const smallBytes = nSmall * SMALL, largeBytes = 2 * largeSize;
  for (const [name] of T) {
    lines.push(`${`S4.rate.${name}`.padEnd(24)} push small ${rate('S4.push_small', name, nSmall)} obj/s, large ${rate('S4.push_large', name, largeBytes / MB)} MB/s | fetch small ${rate('S4.fetch_small', name, nSmall)} obj/s (${rate('S4.fetch_small', name, smallBytes / MB)} MB/s), large ${rate('S4.fetch_large', name, largeBytes / MB)} MB/s | checkout ${rate('S4.checkout', name, (smallBytes + largeBytes) / MB)} MB/s`);
  }
  lines.push(`${'S4.rate.get'.padEnd(24)} ${getLane} GET of one large object ${rate('S4.get_large', getLane, largeSize / MB)} MB/s (yardstick)`);
  if (curl) {
    lines.push(`${'S4.rate.get_stored'.padEnd(24)} curl | tee | openssl dgst of one large object (a native client's store + hash) ${rate('S4.get_large_stored', 'curl+tee+openssl', largeSize / MB)} MB/s; 2x git-lfs's fetch_large would be ${(() => { const m = res.byRep('S4.fetch_large', 'git-lfs'); return m && m.size ? fmtR((2 * largeBytes) / MB / median([...m.values()].map((x) => x.wall))) : 'n/a'; })()} MB/s`);
  }
  lines.push(srvCpu.line('S4.srv_cpu', ['S4.push_small', 'S4.push_large', 'S4.fetch_small', 'S4.fetch_large', 'S4.checkout', 'S4.get_large']));
  return lines;
}

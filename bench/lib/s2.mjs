// S2: clone of the S1 repository (15,000 LFS files of 5 bytes; --quick 1,500) through the test
// LFS server over HTTP. See /work/shared/reference/baseline.md, S2.
//
// Setup once: the LFS repo and a plain twin are generated with `git fast-import` (as in S1), the
// LFS objects written into a store that each tool's push repo gets a copy of, and the plain repo
// is cloned bare. Per rep: a fresh server (fresh root) and a fresh bare repo (git side pushed by
// plain git with hooks off); then, timed and alternating:
//   S2.push          `<tool> push origin main` from the tool's repo, each tool to its own fresh
//                    server repo (checked: every object on the server with its size, a sample
//                    hashed)
//   S2.clone_smudge  `git clone -c <tool filters> -c lfs.url=<server repo> <bare> dir`
//   S2.clone_skip    the same with GIT_LFS_SKIP_SMUDGE=1 (checked: pointers in the work tree)
//   S2.pull          `<tool> pull` in that clone
//   S2.clone_plain   `git clone <plain bare> dir` (lower bound)
// Both tools' clones read the server repo git-lfs pushed (tslfs's if git-lfs's push failed), so
// they see the same server state. Every clone is checked: file count per folder and a sample of
// contents. The server's CPU time per run is recorded (it is a large share of push).
import { readdirSync, readFileSync, existsSync, rmSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { run } from './proc.mjs';
import { filterConfig, sha256Hex, pointerText, ATTRIBUTES } from './env.mjs';
import { measure } from './step.mjs';
import { startServer, serverObjects, compareObjectSets, fastImportRepo, makeBare, cloneConfigArgs, ServerCpu, writeStoreObject } from './transfer.mjs';

const DIRS = 5;

function fileName(i, perDir) {
  return `d${Math.floor(i / perDir)}/f${String(i).padStart(5, '0')}.bin`;
}
function content(i) {
  return String(i).padStart(5, '0');
}

export async function runS2(ctx) {
  const { res, sb, tools, reps, quick, dir, workDir } = ctx;
  const files = quick ? 1500 : 15000;
  const perDir = files / DIRS;
  const names = ['tslfs', 'git-lfs'];
  res.note(`${files} files of 5 bytes in d0..d${DIRS - 1} (as S1); ${reps} rep${reps === 1 ? '' : 's'}, no warm-up; per rep a fresh server and bare repo; each tool pushes to its own fresh server repo; clones of both tools read the repo git-lfs pushed`);
  res.note('the checkout-after-fetch target (tslfs checkout <= 0.5x git-lfs) is measured in S4 (2,002 files)');

  // --- setup: LFS repo + store, plain twin ---
  let t0 = Date.now();
  const store = join(dir, 'store');
  const madeDirs = new Set();
  const want = new Map();
  const lfsFiles = [], plainFiles = [];
  for (let i = 0; i < files; i++) {
    const c = content(i);
    const oid = sha256Hex(c);
    writeStoreObject(store, oid, c, madeDirs);
    want.set(oid, c.length);
    lfsFiles.push([fileName(i, perDir), pointerText(oid, c.length)]);
    plainFiles.push([fileName(i, perDir), c]);
  }
  const template = join(dir, 'template-lfs');
  fastImportRepo(sb.env, template, ATTRIBUTES, [['main', lfsFiles]]);
  const plainSrc = join(dir, 'template-plain');
  fastImportRepo(sb.env, plainSrc, null, [['main', plainFiles]]);
  const plainBare = join(dir, 'plain.git');
  run('git', ['clone', '-q', '--bare', plainSrc, plainBare], { env: sb.env });
  // One push repo per tool: the template plus a copy of the objects, the tool's filters.
  const srcs = {};
  for (const name of names) {
    const src = join(dir, `src-${name}`);
    run('cp', ['-a', template, src]);
    cpSync(store, join(src, '.git', 'lfs', 'objects'), { recursive: true });
    for (const [k, v] of filterConfig(tools[name])) sb.git(src, ['config', '--local', k, v]);
    srcs[name] = src;
  }
  res.note(`setup: generated repos and ${files} objects in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  // --- checks ---
  const rnd = (() => { let x = 4242; return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648; })();
  const picks = () => { const p = [0, perDir, files - 1]; for (let k = 0; k < 20; k++) p.push(Math.floor(rnd() * files)); return p; };
  const countFiles = (repo) => {
    for (let d = 0; d < DIRS; d++) {
      const dd = join(repo, `d${d}`);
      if (!existsSync(dd)) return `d${d} missing`;
      const n = readdirSync(dd).length;
      if (n !== perDir) return `d${d} has ${n} files, expected ${perDir}`;
    }
    return null;
  };
  const verifyContent = (repo) => () => {
    const why = countFiles(repo);
    if (why) return why;
    for (const i of picks()) {
      const got = readFileSync(join(repo, fileName(i, perDir)), 'utf8');
      if (got !== content(i)) return `${fileName(i, perDir)} holds ${JSON.stringify(got.slice(0, 80))}, expected ${content(i)}`;
    }
    return null;
  };
  const verifyPointers = (repo) => () => {
    const why = countFiles(repo);
    if (why) return why;
    for (const i of picks()) {
      const got = readFileSync(join(repo, fileName(i, perDir)), 'utf8');
      const c = content(i);
      if (got !== pointerText(sha256Hex(c), c.length)) return `${fileName(i, perDir)} holds ${JSON.stringify(got.slice(0, 80))}, not its pointer (GIT_LFS_SKIP_SMUDGE=1)`;
    }
    return null;
  };
  const verifyServer = (srv, repoName) => () => {
    const why = compareObjectSets(want, serverObjects(srv, repoName), `server repo ${repoName}`);
    if (why) return why;
    for (const i of picks()) {
      const c = content(i);
      const oid = sha256Hex(c);
      const p = join(srv.repoDir(repoName), oid.slice(0, 2), oid.slice(2, 4), oid);
      const h = createHash('sha256').update(readFileSync(p)).digest('hex');
      if (h !== oid) return `server object ${oid.slice(0, 12)} hashes to ${h.slice(0, 12)}`;
    }
    return null;
  };

  // --- reps ---
  const srvCpu = new ServerCpu();
  res.serverCpu = srvCpu.samples;
  const cloneIds = ['S2.clone_smudge', 'S2.clone_skip', 'S2.pull'];
  for (let rep = 1; rep <= reps; rep++) {
    ctx.progress(`S2 rep ${rep}: server, bare repo`);
    const repDir = join(dir, `rep${rep}`);
    const srv = await startServer(workDir, join(repDir, 'server'), join(repDir, 'server.log'));
    try {
      const bare = join(repDir, 'lfs.git');
      makeBare(sb.env, template, bare, ['main']);
      const pushed = {};
      for (const name of names) {
        const repoName = `s2-r${rep}-${name}`;
        const src = srcs[name];
        sb.git(src, ['config', 'remote.origin.url', bare]);
        sb.git(src, ['config', 'lfs.url', srv.lfsUrl(repoName)]);
        ctx.progress(`S2 rep ${rep}: ${name} push`);
        const t = tools[name];
        pushed[name] = srvCpu.measure(res, srv, 'S2.push', name, rep, {
          cmd: t.argv[0], args: [...t.argv.slice(1), 'push', 'origin', 'main'], opts: { cwd: src, env: sb.env },
          verify: verifyServer(srv, repoName),
        });
      }
      // Both tools clone from one server repo (same server state); git-lfs's push is the reference.
      const source = pushed['git-lfs'] ? 'git-lfs' : pushed.tslfs ? 'tslfs' : null;
      if (source !== 'git-lfs') res.note(`rep ${rep}: git-lfs's push failed; clones read ${source ? 'the repo tslfs pushed' : 'nothing (no clone lanes run)'}`);
      const lfsUrl = source ? srv.lfsUrl(`s2-r${rep}-${source}`) : null;
      const clones = [];
      for (const name of names) {
        if (!lfsUrl) { for (const id of cloneIds) res.fail(id, name, rep, 'not run: no server repo holds the objects (both pushes failed)'); continue; }
        const cfg = cloneConfigArgs(filterConfig(tools[name]), lfsUrl);
        const c = join(repDir, `smudge-${name}`);
        clones.push(c);
        ctx.progress(`S2 rep ${rep}: ${name} clone (smudge)`);
        srvCpu.measure(res, srv, 'S2.clone_smudge', name, rep, {
          cmd: 'git', args: ['clone', '-q', ...cfg, bare, c], opts: { env: sb.env },
          before: () => rmSync(c, { recursive: true, force: true }), verify: verifyContent(c),
        });
      }
      for (const name of names) {
        if (!lfsUrl) continue;
        const cfg = cloneConfigArgs(filterConfig(tools[name]), lfsUrl);
        const c = join(repDir, `skip-${name}`);
        clones.push(c);
        ctx.progress(`S2 rep ${rep}: ${name} clone (skip smudge) + pull`);
        const okClone = srvCpu.measure(res, srv, 'S2.clone_skip', name, rep, {
          cmd: 'git', args: ['clone', '-q', ...cfg, bare, c], opts: { env: { ...sb.env, GIT_LFS_SKIP_SMUDGE: '1' } },
          before: () => rmSync(c, { recursive: true, force: true }), verify: verifyPointers(c),
        });
        if (!okClone) { res.fail('S2.pull', name, rep, 'not run: S2.clone_skip failed'); continue; }
        const t = tools[name];
        srvCpu.measure(res, srv, 'S2.pull', name, rep, {
          cmd: t.argv[0], args: [...t.argv.slice(1), 'pull'], opts: { cwd: c, env: sb.env },
          verify: verifyContent(c),
        });
      }
      const pc = join(repDir, 'plain-clone');
      clones.push(pc);
      ctx.progress(`S2 rep ${rep}: plain clone`);
      measure(res, 'S2.clone_plain', 'git', rep, {
        cmd: 'git', args: ['clone', '-q', plainBare, pc], opts: { env: sb.env },
        before: () => rmSync(pc, { recursive: true, force: true }), verify: verifyContent(pc),
      });
    } finally {
      ctx.progress(`S2 rep ${rep}: stopping the server, removing the rep's files`);
      await srv.stop();
      rmSync(repDir, { recursive: true, force: true });
    }
  }

  const lines = ['S2.push', 'S2.clone_smudge', 'S2.clone_skip', 'S2.pull', 'S2.clone_plain'].map((id) => res.measurementLine(id));
  const div = ([a, b]) => a.wall / b.wall;
  lines.push(res.ratio({ name: 'S2.target.clone', label: 'clone with smudge, tslfs/git-lfs', lanes: [['S2.clone_smudge', 'tslfs'], ['S2.clone_smudge', 'git-lfs']], f: div, target: { op: '<=', value: 0.8 } }));
  lines.push(res.ratio({
    name: 'S2.target.skip_pull', label: 'GIT_LFS_SKIP_SMUDGE clone + pull, tslfs/git-lfs',
    lanes: [['S2.clone_skip', 'tslfs'], ['S2.pull', 'tslfs'], ['S2.clone_skip', 'git-lfs'], ['S2.pull', 'git-lfs']],
    f: ([a, b, c, d]) => (a.wall + b.wall) / (c.wall + d.wall), target: { op: '<=', value: 0.8 },
  }));
  lines.push(res.ratio({ name: 'S2.ref.pull', label: 'pull alone, tslfs/git-lfs', lanes: [['S2.pull', 'tslfs'], ['S2.pull', 'git-lfs']], f: div }));
  lines.push(res.ratio({ name: 'S2.ref.push', label: `push of ${files} objects, tslfs/git-lfs`, lanes: [['S2.push', 'tslfs'], ['S2.push', 'git-lfs']], f: div }));
  for (const name of names) {
    lines.push(res.ratio({ name: `S2.ref.plain.${name}`, label: `clone with smudge / plain clone, ${name}`, lanes: [['S2.clone_smudge', name], ['S2.clone_plain', 'git']], f: div }));
  }
  for (const name of names) {
    lines.push(res.ratio({ name: `S2.ref.push_rate.${name}`, label: `push objects/s, ${name}`, lanes: [['S2.push', name]], f: ([a]) => files / a.wall }));
  }
  lines.push(srvCpu.line('S2.srv_cpu', ['S2.push', 'S2.clone_smudge', 'S2.clone_skip', 'S2.pull']));
  return lines;
}

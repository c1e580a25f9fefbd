// S1: checkout of many small LFS files already in the local cache (the 2016 filter-process RFC
// scenario). See /work/shared/reference/baseline.md, S1.
//
// The repos are generated directly rather than through `git add` (which would run 15,000 cleans):
// one `git fast-import` stream makes `main` (all files) and `removed-files` (d1.. deleted), the
// LFS objects are written straight into .git/lfs/objects, and the repo is packed. That LFS
// template is copied with `cp -a` for each tool, so both get byte-identical git and LFS data;
// the plain repo holds the same contents as ordinary blobs. Each copy is then checked out at
// `removed-files` through its own tool (untimed, 1/5 of the files), and the timed steps are
// `git checkout main` (the other 4/5 smudged) and back. S1.hook_direct then times each tool's
// installed post-checkout hook on its own, with the arguments git passes after that checkout.
import { mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, sleepMs } from './proc.mjs';
import { installTool, sha256Hex, pointerText, objectPath, ATTRIBUTES } from './env.mjs';
import { measure, WARMUP } from './step.mjs';

const NOHOOKS = ['-c', 'core.hooksPath=/dev/null'];

function fileName(i, perDir) {
  return `d${Math.floor(i / perDir)}/f${String(i).padStart(5, '0')}.bin`;
}
function content(i) {
  return String(i).padStart(5, '0');
}

/** Build a packed repo with branches main and removed-files; HEAD -> removed-files, empty index. */
function buildTemplate(sb, dir, { files, dirs, lfs }) {
  const perDir = files / dirs;
  run('git', ['init', '-q', dir], { env: sb.env });
  const out = [];
  const stamp = 'Bench <bench@example.com> 1700000000 +0000';
  const msg = (m) => `data ${Buffer.byteLength(m)}\n${m}\n`;
  out.push(`commit refs/heads/main\nmark :1\nauthor ${stamp}\ncommitter ${stamp}\n${msg(`${files} files`)}`);
  if (lfs) out.push(`M 100644 inline .gitattributes\ndata ${Buffer.byteLength(ATTRIBUTES)}\n${ATTRIBUTES}\n`);
  const madeDirs = new Set();
  for (let i = 0; i < files; i++) {
    const c = content(i);
    let blob = c;
    if (lfs) {
      const oid = sha256Hex(c);
      blob = pointerText(oid, c.length);
      const p = objectPath(dir, oid);
      const d = p.slice(0, p.lastIndexOf('/'));
      if (!madeDirs.has(d)) { mkdirSync(d, { recursive: true }); madeDirs.add(d); }
      writeFileSync(p, c);
    }
    out.push(`M 100644 inline ${fileName(i, perDir)}\ndata ${Buffer.byteLength(blob)}\n${blob}\n`);
  }
  out.push(`\ncommit refs/heads/removed-files\nauthor ${stamp}\ncommitter ${stamp}\n${msg('remove d1..')}from :1\n`);
  for (let d = 1; d < dirs; d++) out.push(`D d${d}\n`);
  out.push('\n');
  run('git', ['fast-import', '--quiet'], { cwd: dir, env: sb.env, input: out.join('') });
  run('git', ['repack', '-adq'], { cwd: dir, env: sb.env });
  run('git', ['symbolic-ref', 'HEAD', 'refs/heads/removed-files'], { cwd: dir, env: sb.env });
}

export async function runS1(ctx) {
  const { res, sb, tools, reps, quick, dir } = ctx;
  const files = quick ? 1500 : 15000;
  const dirs = 5;
  const perDir = files / dirs;
  const moved = files - perDir;
  res.note(`${files} files of 5 bytes in d0..d${dirs - 1}; checkout main smudges ${moved}; ${reps} reps + 1 warm-up, lanes alternate`);

  let t0 = Date.now();
  const lfsTemplate = join(dir, 'template-lfs');
  buildTemplate(sb, lfsTemplate, { files, dirs, lfs: true });
  const plain = join(dir, 'plain');
  buildTemplate(sb, plain, { files, dirs, lfs: false });
  res.note(`setup: generated and packed both repos in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  // Spot checks: every file count of d1.., plus first/last/random files' content.
  const rnd = (() => { let x = 12345; return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648; })();
  const verifyMain = (repo) => () => {
    for (let d = 1; d < dirs; d++) {
      const dd = join(repo, `d${d}`);
      if (!existsSync(dd)) return `d${d} missing after checkout`;
      const n = readdirSync(dd).length;
      if (n !== perDir) return `d${d} has ${n} files, expected ${perDir}`;
    }
    const picks = [perDir, files - 1];
    for (let k = 0; k < 12; k++) picks.push(perDir + Math.floor(rnd() * moved));
    for (const i of picks) {
      const got = readFileSync(join(repo, fileName(i, perDir)), 'utf8');
      if (got !== content(i)) return `${fileName(i, perDir)} holds ${JSON.stringify(got.slice(0, 60))}, expected ${content(i)}`;
    }
    return null;
  };
  const verifyBack = (repo) => () => {
    for (let d = 1; d < dirs; d++) if (existsSync(join(repo, `d${d}`))) return `d${d} still exists after checkout back`;
    const got = readFileSync(join(repo, fileName(0, perDir)), 'utf8');
    return got === content(0) ? null : `${fileName(0, perDir)} holds ${JSON.stringify(got.slice(0, 60))}`;
  };
  const settle = (repo) => () => {
    // baseline.md: files written in the index's second are racily clean; without this git would
    // re-clean every one of them before deleting it.
    sleepMs(1100);
    run('git', ['update-index', '-q', '--refresh'], { cwd: repo, env: sb.env });
  };

  // One repo per tool, with hooks installed; the hook-less lanes use the same repo with
  // core.hooksPath=/dev/null, as in the baseline.
  const repos = {};
  for (const name of ['tslfs', 'git-lfs']) {
    const repo = join(dir, `repo-${name}`);
    run('cp', ['-a', lfsTemplate, repo]);
    res.note(`${name}: ${installTool(sb, repo, tools[name])}`);
    t0 = Date.now();
    const r = run('git', [...NOHOOKS, 'reset', '--hard', '-q'], { cwd: repo, env: sb.env, allowFail: true });
    const why = r.code !== 0 ? `exit ${r.code}: ${r.stderr.trim().slice(0, 300)}` : verifyBack(repo)();
    if (why) {
      for (const id of ['S1a.checkout_main', 'S1a.checkout_back', 'S1a.nohook_main', 'S1a.nohook_back']) res.fail(id, name, 'setup', `initial checkout of removed-files (${perDir} files smudged) failed: ${why}`);
    } else {
      res.note(`${name}: initial checkout of removed-files (${perDir} files smudged, untimed) ${((Date.now() - t0) / 1000).toFixed(2)}s`);
      settle(repo)();
    }
    repos[name] = repo;
  }
  run('git', ['reset', '--hard', '-q'], { cwd: plain, env: sb.env });
  settle(plain)();

  // The protocol's floor: the same LFS repo through a native filter that does nothing
  // (nopFilter.c), when a C compiler is here. Its files hold the pointers (it echoes them).
  let floorRepo = null;
  const nop = join(dir, 'nop-filter');
  const cc = run('cc', ['-O2', '-o', nop, fileURLToPath(new URL('./nopFilter.c', import.meta.url))], { allowFail: true });
  if (cc.code === 0) {
    floorRepo = join(dir, 'repo-floor');
    run('cp', ['-a', lfsTemplate, floorRepo]);
    run('git', ['config', 'filter.lfs.process', nop], { cwd: floorRepo, env: sb.env });
    run('git', ['config', 'filter.lfs.required', 'true'], { cwd: floorRepo, env: sb.env });
    run('git', [...NOHOOKS, 'reset', '--hard', '-q'], { cwd: floorRepo, env: sb.env });
    settle(floorRepo)();
  } else {
    res.note(`floor lane left out: no C compiler (cc: ${cc.stderr.trim().slice(0, 100)})`);
  }
  const gone = (repo) => () => (existsSync(join(repo, 'd1')) ? 'd1 still exists after checkout back' : null);
  const countOnly = (repo) => () => {
    for (let d = 1; d < dirs; d++) {
      const dd = join(repo, `d${d}`);
      if (!existsSync(dd) || readdirSync(dd).length !== perDir) return `d${d} incomplete after checkout`;
    }
    return null;
  };

  const lanes = [
    { lane: 'tslfs', repo: repos.tslfs, pre: [], id: 'S1a.checkout' },
    { lane: 'git-lfs', repo: repos['git-lfs'], pre: [], id: 'S1a.checkout' },
    { lane: 'tslfs', repo: repos.tslfs, pre: NOHOOKS, id: 'S1a.nohook' },
    { lane: 'git-lfs', repo: repos['git-lfs'], pre: NOHOOKS, id: 'S1a.nohook' },
    { lane: 'git', repo: plain, pre: [], id: 'S1c.checkout' },
    ...(floorRepo ? [{ lane: 'floor', repo: floorRepo, pre: NOHOOKS, id: 'S1f.checkout', verify: countOnly, verifyBack: gone }] : []),
  ];
  const restore = (repo) => {
    run('git', [...NOHOOKS, 'checkout', '-f', '-q', 'removed-files'], { cwd: repo, env: sb.env, allowFail: true });
    run('git', ['clean', '-fdq'], { cwd: repo, env: sb.env, allowFail: true });
    sleepMs(1100);
    run('git', ['update-index', '-q', '--refresh'], { cwd: repo, env: sb.env, allowFail: true });
  };

  const allReps = [WARMUP, ...Array.from({ length: reps }, (_, i) => i + 1)];
  for (const rep of allReps) {
    ctx.progress(`S1 rep ${rep}`);
    for (const L of lanes) {
      const mainId = `${L.id}_main`, backId = `${L.id}_back`;
      if (res.isFailed(mainId, L.lane)) continue;
      const okMain = measure(res, mainId, L.lane, rep, {
        cmd: 'git', args: [...L.pre, 'checkout', '-q', 'main'], opts: { cwd: L.repo, env: sb.env },
        verify: (L.verify ?? verifyMain)(L.repo),
      });
      if (!okMain) {
        res.fail(backId, L.lane, rep, `not run: ${mainId} failed`);
        restore(L.repo);
        continue;
      }
      const okBack = measure(res, backId, L.lane, rep, {
        cmd: 'git', args: [...L.pre, 'checkout', '-q', 'removed-files'], opts: { cwd: L.repo, env: sb.env },
        before: settle(L.repo), verify: (L.verifyBack ?? verifyBack)(L.repo),
      });
      if (!okBack) {
        res.fail(mainId, L.lane, rep, `stopped: ${backId} failed`);
        restore(L.repo);
      }
    }
  }

  // The hook on its own: git runs .git/hooks/post-checkout after the checkout, so its run time
  // is what it adds. Timed directly (10 alternating runs per tool, the arguments of the
  // checkout of main) because the difference of two ~2.5 s checkouts above is mostly noise.
  const shaOf = (repo, rev) => run('git', ['rev-parse', rev], { cwd: repo, env: sb.env }).stdout.trim();
  for (let rep = 1; rep <= 10; rep++) {
    for (const name of ['tslfs', 'git-lfs']) {
      const repo = repos[name];
      const hook = join(repo, '.git', 'hooks', 'post-checkout');
      if (!existsSync(hook)) { res.fail('S1.hook_direct', name, rep, 'no post-checkout hook installed'); continue; }
      measure(res, 'S1.hook_direct', name, rep, {
        cmd: 'sh', args: [hook, shaOf(repo, 'removed-files'), shaOf(repo, 'main'), '1'], opts: { cwd: repo, env: sb.env },
        verify: () => null, sync: false,
      });
    }
  }

  const lines = [];
  for (const id of ['S1a.checkout_main', 'S1a.nohook_main', 'S1c.checkout_main', 'S1a.checkout_back', 'S1a.nohook_back', 'S1c.checkout_back']) lines.push(res.measurementLine(id));
  if (floorRepo) lines.push(res.measurementLine('S1f.checkout_main'));
  const div = ([a, b]) => a.wall / b.wall;
  const sub = ([a, b]) => a.wall - b.wall;
  lines.push(res.ratio({ name: 'S1.target.fp', label: 'filter-process checkout main, hooks off, tslfs/git-lfs', lanes: [['S1a.nohook_main', 'tslfs'], ['S1a.nohook_main', 'git-lfs']], f: div, target: { op: '<=', value: 1.0 } }));
  lines.push(res.ratio({ name: 'S1.target.plain', label: 'checkout main, hooks off, tslfs/plain git', lanes: [['S1a.nohook_main', 'tslfs'], ['S1c.checkout_main', 'git']], f: div, target: { op: '<=', value: 2.0 } }));
  if (floorRepo) {
    lines.push(res.ratio({ name: 'S1.ref.floor', label: 'checkout main through a no-op native filter-process / plain git (the protocol floor)', lanes: [['S1f.checkout_main', 'floor'], ['S1c.checkout_main', 'git']], f: div }));
    lines.push(res.ratio({ name: 'S1.ref.fp_floor', label: 'checkout main, hooks off, tslfs / no-op native filter', lanes: [['S1a.nohook_main', 'tslfs'], ['S1f.checkout_main', 'floor']], f: div }));
  }
  lines.push(res.ratio({ name: 'S1.ref.plain', label: 'checkout main, hooks off, git-lfs/plain git', lanes: [['S1a.nohook_main', 'git-lfs'], ['S1c.checkout_main', 'git']], f: div }));
  lines.push(res.ratio({ name: 'S1.ref.plain_hooks', label: 'checkout main, with hooks, tslfs/plain git', lanes: [['S1a.checkout_main', 'tslfs'], ['S1c.checkout_main', 'git']], f: div }));
  // The target is read off the hook timed on its own (S1.hook_direct): git runs the hook after
  // the checkout, so its run time is what it adds. The difference of two ~2 s checkouts (below,
  // for reference) swings by several hundred ms either way from run to run.
  lines.push(res.ratio({ name: 'S1.target.hook', label: 'tslfs post-checkout hook run on its own after checkout main', lanes: [['S1.hook_direct', 'tslfs']], f: ([a]) => a.wall, unit: 'ms', target: { op: '<=', value: 0.1 } }));
  lines.push(res.ratio({ name: 'S1.ref.hook_diff', label: 'cost of tslfs post-checkout hook (main, hooks - hooks off)', lanes: [['S1a.checkout_main', 'tslfs'], ['S1a.nohook_main', 'tslfs']], f: sub, unit: 'ms' }));
  lines.push(res.ratio({ name: 'S1.ref.hook', label: 'cost of git-lfs post-checkout hook (main, hooks - hooks off)', lanes: [['S1a.checkout_main', 'git-lfs'], ['S1a.nohook_main', 'git-lfs']], f: sub, unit: 'ms' }));
  lines.push(res.measurementLine('S1.hook_direct'));
  lines.push(res.ratio({ name: 'S1.ref.hook_back', label: 'cost of tslfs post-checkout hook (back, hooks - hooks off)', lanes: [['S1a.checkout_back', 'tslfs'], ['S1a.nohook_back', 'tslfs']], f: sub, unit: 'ms' }));
  lines.push(res.ratio({ name: 'S1.ref.back', label: 'checkout back, hooks off, tslfs/plain git', lanes: [['S1a.nohook_back', 'tslfs'], ['S1c.checkout_back', 'git']], f: div }));
  return lines;
}

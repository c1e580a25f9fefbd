// S5: start-up. `version` and a one-shot `smudge` of a cached 1 KiB object (pointer on stdin,
// output to a file), with `git --version` and /bin/true as yardsticks, alternating run by run
// after one warm-up. Each run goes through /usr/bin/time (for peak RSS), so every line carries
// the same ~1-2 ms of harness; /bin/true shows that floor, and the `net` lines subtract it
// pair by pair. hyperfine -N (no shell) cross-checks the commands it can run without stdin
// redirection (it runs each command's runs in a block, not alternating).
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { run, shq } from './proc.mjs';
import { installTool, objectPath, pointerText, sha256Hex } from './env.mjs';
import { measure, WARMUP } from './step.mjs';
import { fmtS, fmtR } from './results.mjs';

export async function runS5(ctx) {
  const { res, sb, tools, dir, quick } = ctx;
  const runs = ctx.repsGiven ? ctx.reps : quick ? 5 : 20;
  res.note(`${runs} runs + 1 warm-up, alternating: tslfs version, git-lfs version, tslfs smudge, git-lfs smudge, git --version, /bin/true`);

  // A 1 KiB object, cached; one repo per tool (filters installed as each tool's install would).
  const data = Buffer.alloc(1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 13) & 0xff;
  const oid = sha256Hex(data);
  const pointerFile = join(dir, 'pointer.txt');
  writeFileSync(pointerFile, pointerText(oid, data.length));
  const repos = {};
  for (const name of ['tslfs', 'git-lfs']) {
    const repo = join(dir, `repo-${name}`);
    run('git', ['init', '-q', repo], { env: sb.env });
    installTool(sb, repo, tools[name]);
    const p = objectPath(repo, oid);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    repos[name] = repo;
  }
  const outFile = join(dir, 'smudge-out.bin');

  const lanes = [];
  for (const name of ['tslfs', 'git-lfs']) {
    const t = tools[name];
    lanes.push({
      id: 'S5.version', lane: name, cmd: t.argv[0], args: [...t.argv.slice(1), 'version'], opts: { cwd: repos[name], env: sb.env },
      verify: (r) => (r.stdout.startsWith(`${name}/`) ? null : `printed ${JSON.stringify(r.stdout.slice(0, 100))}`),
    });
  }
  for (const name of ['tslfs', 'git-lfs']) {
    const t = tools[name];
    lanes.push({
      id: 'S5.smudge', lane: name, cmd: t.argv[0], args: [...t.argv.slice(1), 'smudge', '--', 'one.bin'],
      opts: { cwd: repos[name], env: sb.env, stdinFile: pointerFile, stdoutFile: outFile },
      verify: () => (existsSync(outFile) && readFileSync(outFile).equals(data) ? null : 'output is not the object'),
    });
  }
  lanes.push({ id: 'S5.git_version', lane: 'git', cmd: 'git', args: ['--version'], opts: { env: sb.env }, verify: (r) => (r.stdout.startsWith('git version') ? null : 'no version') });
  lanes.push({ id: 'S5.true', lane: 'true', cmd: '/bin/true', args: [], opts: { env: sb.env } });

  for (const rep of [WARMUP, ...Array.from({ length: runs }, (_, i) => i + 1)]) {
    for (const L of lanes) measure(res, L.id, L.lane, rep, { ...L, sync: false });
  }

  const lines = ['S5.version', 'S5.smudge', 'S5.git_version', 'S5.true'].map((id) => res.measurementLine(id));
  const div = ([a, b]) => a.wall / b.wall;
  const net = ([a, b]) => a.wall - b.wall;
  lines.push(res.ratio({ name: 'S5.ref.version.tslfs', label: 'version / git --version, tslfs', lanes: [['S5.version', 'tslfs'], ['S5.git_version', 'git']], f: div }));
  lines.push(res.ratio({ name: 'S5.ref.version.git-lfs', label: 'version / git --version, git-lfs', lanes: [['S5.version', 'git-lfs'], ['S5.git_version', 'git']], f: div }));
  lines.push(res.ratio({ name: 'S5.ref.smudge.tslfs', label: 'smudge / git --version, tslfs', lanes: [['S5.smudge', 'tslfs'], ['S5.git_version', 'git']], f: div }));
  lines.push(res.ratio({ name: 'S5.ref.smudge.git-lfs', label: 'smudge / git --version, git-lfs', lanes: [['S5.smudge', 'git-lfs'], ['S5.git_version', 'git']], f: div }));
  for (const [id, name] of [['S5.version', 'tslfs'], ['S5.version', 'git-lfs'], ['S5.smudge', 'tslfs'], ['S5.smudge', 'git-lfs']]) {
    lines.push(res.ratio({ name: `S5.net.${id.slice(3)}.${name}`, label: `${name} ${id.slice(3)} minus /bin/true (harness floor)`, lanes: [[id, name], ['S5.true', 'true']], f: net, unit: 'ms' }));
  }

  // Cross-check with hyperfine (no wrapper, no alternation).
  if (existsSync('/usr/bin/hyperfine')) {
    const json = join(dir, 'hyperfine.json');
    const cmds = [
      ['tslfs', `${shq(tools.tslfs.argv[0])} ${shq(tools.tslfs.argv[1])} version`],
      ['git-lfs', 'git-lfs version'],
      ['git', 'git --version'],
    ];
    const args = ['-N', '--style', 'none', '--warmup', '3', '--runs', String(runs), '--export-json', json];
    for (const [n, c] of cmds) args.push('-n', n, c);
    const r = run('/usr/bin/hyperfine', args, { cwd: repos.tslfs, env: sb.env, allowFail: true });
    if (r.code !== 0) {
      lines.push(`S5.hyperfine.version     hyperfine failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    } else {
      const hf = JSON.parse(readFileSync(json, 'utf8')).results;
      res.hyperfine = hf;
      const by = Object.fromEntries(hf.map((x) => [x.command, x]));
      const part = (n) => `${n} ${fmtS(by[n].median)}s (mean ${fmtS(by[n].mean)} ±${fmtS(by[n].stddev)}) [${fmtS(by[n].min)}..${fmtS(by[n].max)}]`;
      lines.push(`${'S5.hyperfine.version'.padEnd(24)} ${cmds.map(([n]) => part(n)).join(' | ')} | ratio of medians tslfs/git-lfs ${fmtR(by.tslfs.median / by['git-lfs'].median)}`);
    }
  }
  return lines;
}

// S6: memory of the one-shot filters on the large file: `smudge -- big.bin < pointer > file` of
// the cached object and `clean -- big.bin < big.bin > file` (stored object removed first), for
// tslfs and git-lfs, with `cp` as yardstick. Both must stream: peak RSS must not grow with size.
import { linkSync, mkdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { run } from './proc.mjs';
import { installTool, objectPath, fileSize, bigFile, sampleCompare } from './env.mjs';
import { measure, WARMUP } from './step.mjs';

export async function runS6(ctx) {
  const { res, sb, tools, reps, dir, bigSize } = ctx;
  const big = bigFile(ctx.workDir, bigSize);
  res.note(`file of ${big.size} bytes (${(big.size / 2 ** 20).toFixed(0)} MiB); ${reps} reps + 1 warm-up; smudge writes to a regular file`);

  const pointerFile = join(dir, 'pointer.txt');
  writeFileSync(pointerFile, big.pointer);
  const repos = {};
  for (const name of ['tslfs', 'git-lfs']) {
    const repo = join(dir, `repo-${name}`);
    run('git', ['init', '-q', repo], { env: sb.env });
    installTool(sb, repo, tools[name]);
    linkSync(big.path, join(repo, 'big.bin'));
    const p = objectPath(repo, big.oid);
    mkdirSync(dirname(p), { recursive: true });
    linkSync(big.path, p); // cached object (until the first clean replaces it)
    repos[name] = repo;
  }
  const smudgeOut = join(dir, 'smudge-out.bin');
  const cleanOut = join(dir, 'clean-out.txt');
  const cpDest = join(dir, 'cp-dest.bin');

  for (const rep of [WARMUP, ...Array.from({ length: reps }, (_, i) => i + 1)]) {
    ctx.progress(`S6 rep ${rep}`);
    for (const name of ['tslfs', 'git-lfs']) {
      const t = tools[name];
      measure(res, 'S6.smudge', name, rep, {
        cmd: t.argv[0], args: [...t.argv.slice(1), 'smudge', '--', 'big.bin'],
        opts: { cwd: repos[name], env: sb.env, stdinFile: pointerFile, stdoutFile: smudgeOut },
        before: () => rmSync(smudgeOut, { force: true }),
        verify: () => sampleCompare(big.path, smudgeOut),
      });
    }
    for (const name of ['tslfs', 'git-lfs']) {
      const t = tools[name];
      const obj = objectPath(repos[name], big.oid);
      measure(res, 'S6.clean', name, rep, {
        cmd: t.argv[0], args: [...t.argv.slice(1), 'clean', '--', 'big.bin'],
        opts: { cwd: repos[name], env: sb.env, stdinFile: big.path, stdoutFile: cleanOut },
        before: () => { rmSync(cleanOut, { force: true }); rmSync(obj, { force: true }); },
        verify: () => {
          const out = readFileSync(cleanOut, 'utf8');
          if (out !== big.pointer) return `printed ${JSON.stringify(out.slice(0, 200))}, not the pointer`;
          const size = fileSize(obj);
          return size === big.size ? null : size < 0 ? 'object not stored' : `stored object has ${size} bytes`;
        },
      });
    }
    measure(res, 'S6.cp', 'cp', rep, {
      cmd: 'cp', args: [big.path, cpDest], opts: { env: sb.env },
      before: () => rmSync(cpDest, { force: true }),
      verify: () => (fileSize(cpDest) === big.size ? null : 'short copy'),
    });
  }
  for (const f of [smudgeOut, cpDest]) rmSync(f, { force: true });

  const lines = ['S6.smudge', 'S6.clean', 'S6.cp'].map((id) => res.measurementLine(id));
  const div = ([a, b]) => a.wall / b.wall;
  for (const op of ['smudge', 'clean']) {
    for (const name of ['tslfs', 'git-lfs']) {
      lines.push(res.ratio({ name: `S6.${name === 'tslfs' ? 'target' : 'ref'}.rss_${op}`, label: `peak RSS of ${name} ${op}`, lanes: [[`S6.${op}`, name]], f: ([a]) => a.rssKB, unit: 'MiB', agg: 'max', target: { op: '<', value: 100 * 1024 } }));
    }
  }
  for (const op of ['smudge', 'clean']) {
    for (const name of ['tslfs', 'git-lfs']) {
      lines.push(res.ratio({ name: `S6.ref.${op}_cp.${name}`, label: `${name} ${op} / cp`, lanes: [[`S6.${op}`, name], ['S6.cp', 'cp']], f: div }));
    }
  }
  return lines;
}

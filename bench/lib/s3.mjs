// S3: `git add` of one large file through filter-process (hash it and copy it into
// .git/lfs/objects), next to `openssl dgst -sha256` (hash lower bound; baseline.md used
// sha256sum, which lacks SHA-NI) and `cp` (copy lower bound) of the same file.
// The file is hard-linked into one repo per tool; before each rep the index entry and the
// stored object are removed, so every `git add` really cleans. A native C clean (cleanFloor.c)
// through the same pipe shows what the pipe and the store cost here.
import { linkSync, mkdirSync, rmSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './proc.mjs';
import { installTool, objectPath, fileSize, bigFile, ATTRIBUTES } from './env.mjs';
import { measure, WARMUP } from './step.mjs';

export async function runS3(ctx) {
  const { res, sb, tools, reps, dir, bigSize } = ctx;
  const big = bigFile(ctx.workDir, bigSize);
  res.note(`file of ${big.size} bytes (${(big.size / 2 ** 20).toFixed(0)} MiB) from /dev/urandom; ${reps} reps + 1 warm-up`);

  const repos = {};
  for (const name of ['tslfs', 'git-lfs']) {
    const repo = join(dir, `repo-${name}`);
    run('git', ['init', '-q', repo], { env: sb.env });
    installTool(sb, repo, tools[name]);
    writeFileSync(join(repo, '.gitattributes'), ATTRIBUTES);
    run('git', ['add', '.gitattributes'], { cwd: repo, env: sb.env });
    linkSync(big.path, join(repo, 'big.bin'));
    repos[name] = repo;
  }
  const cpDest = join(dir, 'cp-dest.bin');

  // A native LFS clean through the same git pipe (cleanFloor.c: C, OpenSSL SHA-256, one
  // thread), when cc and libcrypto's headers are here: what git's filter-process pipe and
  // storing the copy cost on this machine, whatever the filter is written in.
  let native = null;
  const nativeStore = join(dir, 'native-store');
  const floorBin = join(dir, 'clean-floor');
  const cc = run('cc', ['-O2', '-o', floorBin, fileURLToPath(new URL('./cleanFloor.c', import.meta.url)), '-lcrypto'], { allowFail: true });
  if (cc.code === 0) {
    native = join(dir, 'repo-native');
    run('git', ['init', '-q', native], { env: sb.env });
    writeFileSync(join(native, '.gitattributes'), '*.bin filter=native\n');
    run('git', ['config', 'filter.native.process', `'${floorBin}' '${nativeStore}'`], { cwd: native, env: sb.env });
    // As for LFS: a required filter is what lets git stream the file instead of reading it whole.
    run('git', ['config', 'filter.native.required', 'true'], { cwd: native, env: sb.env });
    linkSync(big.path, join(native, 'big.bin'));
  } else {
    res.note(`native clean lane left out: cc -lcrypto failed (${cc.stderr.trim().slice(0, 120)})`);
  }

  const reset = (repo) => () => {
    run('git', ['rm', '--cached', '-q', '--ignore-unmatch', 'big.bin'], { cwd: repo, env: sb.env });
    rmSync(objectPath(repo, big.oid), { force: true });
    const tmp = join(repo, '.git', 'lfs', 'tmp');
    if (existsSync(tmp)) for (const f of readdirSync(tmp)) rmSync(join(tmp, f), { recursive: true, force: true });
  };
  const verifyAdd = (repo) => () => {
    const size = fileSize(objectPath(repo, big.oid));
    if (size !== big.size) return size < 0 ? `no object at ${objectPath(repo, big.oid)}` : `object has ${size} bytes, expected ${big.size}`;
    const staged = run('git', ['cat-file', 'blob', ':big.bin'], { cwd: repo, env: sb.env, allowFail: true });
    if (staged.stdout !== big.pointer) return `index blob is ${JSON.stringify(staged.stdout.slice(0, 200))}, not the pointer`;
    return null;
  };

  for (const rep of [WARMUP, ...Array.from({ length: reps }, (_, i) => i + 1)]) {
    ctx.progress(`S3 rep ${rep}`);
    for (const name of ['tslfs', 'git-lfs']) {
      measure(res, 'S3.git_add', name, rep, {
        cmd: 'git', args: ['add', 'big.bin'], opts: { cwd: repos[name], env: sb.env },
        before: reset(repos[name]), verify: verifyAdd(repos[name]),
      });
    }
    if (native) {
      measure(res, 'S3.native_clean', 'native', rep, {
        cmd: 'git', args: ['add', 'big.bin'], opts: { cwd: native, env: sb.env },
        before: () => {
          run('git', ['rm', '--cached', '-q', '--ignore-unmatch', 'big.bin'], { cwd: native, env: sb.env });
          rmSync(nativeStore, { recursive: true, force: true });
          mkdirSync(nativeStore);
        },
        verify: () => (fileSize(join(nativeStore, big.oid)) === big.size ? null : 'no stored copy of the right size'),
      });
    }
    measure(res, 'S3.openssl_sha256', 'openssl', rep, {
      cmd: 'openssl', args: ['dgst', '-sha256', '-r', big.path], opts: { env: sb.env },
      verify: (r) => (r.stdout.startsWith(big.oid) ? null : `printed ${r.stdout.trim()}`),
    });
    measure(res, 'S3.cp', 'cp', rep, {
      cmd: 'cp', args: [big.path, cpDest], opts: { env: sb.env },
      before: () => rmSync(cpDest, { force: true }),
      verify: () => (fileSize(cpDest) === big.size ? null : 'short copy'),
    });
  }
  rmSync(cpDest, { force: true });
  rmSync(nativeStore, { recursive: true, force: true });

  const lines = [
    res.measurementLine('S3.git_add'),
    res.measurementLine('S3.openssl_sha256'),
    res.measurementLine('S3.cp'),
    ...(native ? [res.measurementLine('S3.native_clean')] : []),
  ];
  const div = ([a, b]) => a.wall / b.wall;
  const vsFloor = ([a, o, c]) => a.wall / Math.max(o.wall, c.wall);
  lines.push(res.ratio({ name: 'S3.target.git-lfs', label: 'git add, tslfs/git-lfs', lanes: [['S3.git_add', 'tslfs'], ['S3.git_add', 'git-lfs']], f: div, target: { op: '<=', value: 0.6 } }));
  lines.push(res.ratio({ name: 'S3.target.floor', label: 'git add, tslfs/max(openssl, cp)', lanes: [['S3.git_add', 'tslfs'], ['S3.openssl_sha256', 'openssl'], ['S3.cp', 'cp']], f: vsFloor, target: { op: '<=', value: 1.5 } }));
  lines.push(res.ratio({ name: 'S3.ref.floor', label: 'git add, git-lfs/max(openssl, cp)', lanes: [['S3.git_add', 'git-lfs'], ['S3.openssl_sha256', 'openssl'], ['S3.cp', 'cp']], f: vsFloor }));
  if (native) {
    lines.push(res.ratio({ name: 'S3.ref.native_floor', label: 'git add through a native C clean (hash + store)/max(openssl, cp)', lanes: [['S3.native_clean', 'native'], ['S3.openssl_sha256', 'openssl'], ['S3.cp', 'cp']], f: vsFloor }));
    lines.push(res.ratio({ name: 'S3.ref.tslfs_native', label: 'git add, tslfs / native C clean', lanes: [['S3.git_add', 'tslfs'], ['S3.native_clean', 'native']], f: div }));
  }
  lines.push(res.ratio({ name: 'S3.target.rss', label: 'peak RSS of git add with tslfs (git + filter)', lanes: [['S3.git_add', 'tslfs']], f: ([a]) => a.rssKB, unit: 'MiB', agg: 'max', target: { op: '<', value: 100 * 1024 } }));
  lines.push(res.ratio({ name: 'S3.ref.rss', label: 'peak RSS of git add with git-lfs (git + filter)', lanes: [['S3.git_add', 'git-lfs']], f: ([a]) => a.rssKB, unit: 'MiB', agg: 'max' }));
  return lines;
}

/**
 * `fetch --recent` (lfs.fetchrecentrefsdays, lfs.fetchrecentremoterefs,
 * lfs.fetchrecentcommitsdays, lfs.fetchrecentalways) and `fetch --prune`, through the built CLI,
 * with git-lfs 3.3.0 on a clone of the same file:// remote as the oracle for the
 * "fetch: Fetching ..." lines and for what ends up in the store.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, sha256, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let remote: string;

async function ok(p: Promise<{ exitCode: number; stderr: string; stdout: string }>) {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

function storeOids(dir: string): string[] {
  const root = join(dir, '.git', 'lfs', 'objects');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const a of readdirSync(root)) for (const b of readdirSync(join(root, a))) out.push(...readdirSync(join(root, a, b)));
  return out.sort();
}

const OLD = { GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z', GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z' };

/**
 * origin: main with a.bin v1 -> v2 -> v3 and sub/x.bin (recent commits); feat (recent) adding
 * f.bin; old (committed in 2020) adding o.bin.
 */
beforeAll(async () => {
  sb = makeSandbox();
  remote = join(sb.root, 'origin.git');
  await ok(sb.git(['init', '-q', '--bare', remote]));
  const src = await sb.initRepo('src', 'tslfs');
  writeFileSync(join(src, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  await ok(sb.git(['add', '.gitattributes'], { cwd: src }));
  await ok(sb.git(['commit', '-qm', 'attrs'], { cwd: src }));
  await ok(sb.git(['remote', 'add', 'origin', `file://${remote}`], { cwd: src }));
  for (const v of ['v1', 'v2', 'v3']) {
    writeFileSync(join(src, 'a.bin'), `${v}\n`);
    sb.write(`src/sub/x.bin`, `x ${v}\n`);
    await ok(sb.git(['add', '.'], { cwd: src }));
    await ok(sb.git(['commit', '-qm', v], { cwd: src }));
  }
  await ok(sb.git(['checkout', '-qb', 'feat'], { cwd: src }));
  writeFileSync(join(src, 'f.bin'), 'feature\n');
  await ok(sb.git(['add', 'f.bin'], { cwd: src }));
  await ok(sb.git(['commit', '-qm', 'feat'], { cwd: src }));
  await ok(sb.git(['checkout', '-qb', 'old', 'main'], { cwd: src }));
  writeFileSync(join(src, 'o.bin'), 'old\n');
  await ok(sb.git(['add', 'o.bin'], { cwd: src }));
  await ok(sb.git(['commit', '-qm', 'old'], { cwd: src, env: OLD }));
  await ok(sb.git(['checkout', '-q', 'main'], { cwd: src }));
  for (const b of ['main', 'feat', 'old']) await ok(sb.tslfs(['push', 'origin', b], { cwd: src }));
  await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main', 'feat', 'old'], { cwd: src }));
});
afterAll(() => sb.cleanup());

/** Two pointer-only clones of origin: one for tslfs, one for git-lfs. */
async function clones(name: string): Promise<[string, string]> {
  const out: string[] = [];
  for (const [suffix, filter] of [['ours', 'tslfs'], ['theirs', 'git-lfs']] as const) {
    const dir = join(sb.root, `${name}-${suffix}`);
    await ok(sb.git(['clone', '-q', remote, dir]));
    for (const [k, v] of (await import('../support/sandbox.js')).filterConfig(filter)) await ok(sb.git(['config', k, v], { cwd: dir }));
    out.push(dir);
  }
  return out as [string, string];
}

describe('fetch --recent', () => {
  it('fetches HEAD and recent branches, printing the lines git-lfs prints', async () => {
    const [ours, theirs] = await clones('branches');
    const a = await sb.tslfs(['fetch', '--recent'], { cwd: ours });
    const b = await sb.gitLfs(['fetch', '--recent'], { cwd: theirs });
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toBe('fetch: Fetching reference refs/heads/main\nfetch: Fetching recent branches within 7 days\nfetch: Fetching reference origin/feat\n');
    expect(a.stderr).toBe('');
    expect(storeOids(ours)).toEqual(storeOids(theirs));
    expect(storeOids(ours)).toEqual([await sha256('v3\n'), await sha256('x v3\n'), await sha256('feature\n')].sort());
  });

  it('adds previous versions with lfs.fetchrecentcommitsdays, honouring -X', async () => {
    const [ours, theirs] = await clones('commits');
    for (const d of [ours, theirs]) await ok(sb.git(['config', 'lfs.fetchrecentcommitsdays', '1'], { cwd: d }));
    const a = await sb.tslfs(['fetch', '--recent', '-X', 'sub'], { cwd: ours });
    const b = await sb.gitLfs(['fetch', '--recent', '-X', 'sub'], { cwd: theirs });
    // git-lfs walks the fetched refs in Go map order (random); tslfs in fetch order.
    const sorted = (t: string) => t.split('\n').sort();
    expect(sorted(a.stdout)).toEqual(sorted(b.stdout));
    expect(a.stdout).toBe(
      'fetch: Fetching reference refs/heads/main\nfetch: Fetching recent branches within 7 days\nfetch: Fetching reference origin/feat\n' +
        'fetch: Fetching changes within 1 day of main\nfetch: Fetching changes within 1 day of origin/feat\n',
    );
    expect(storeOids(ours)).toEqual(storeOids(theirs));
    expect(storeOids(ours)).toEqual([await sha256('v1\n'), await sha256('v2\n'), await sha256('v3\n'), await sha256('feature\n')].sort());
  });

  it('lfs.fetchrecentremoterefs=false skips remote branches; refsdays=0 skips branches; fetchrecentalways applies to plain fetch', async () => {
    const [ours, theirs] = await clones('settings');
    for (const d of [ours, theirs]) {
      await ok(sb.git(['config', 'lfs.fetchrecentremoterefs', 'false'], { cwd: d }));
      await ok(sb.git(['config', 'lfs.fetchrecentalways', 'true'], { cwd: d }));
    }
    const a = await sb.tslfs(['fetch'], { cwd: ours });
    expect(a.stdout).toBe((await sb.gitLfs(['fetch'], { cwd: theirs })).stdout);
    expect(a.stdout).toBe('fetch: Fetching reference refs/heads/main\nfetch: Fetching recent branches within 7 days\n');
    expect(storeOids(ours)).toEqual([await sha256('v3\n'), await sha256('x v3\n')].sort());
    await ok(sb.git(['config', 'lfs.fetchrecentrefsdays', '0'], { cwd: ours }));
    expect((await sb.tslfs(['fetch', '--recent'], { cwd: ours })).stdout).toBe('fetch: Fetching reference refs/heads/main\n');
  });

  it('a local branch is fetched once even when its remote-tracking branch is also recent', async () => {
    const [ours] = await clones('dedupe');
    await ok(sb.git(['branch', 'feat', 'origin/feat'], { cwd: ours }));
    const a = await sb.tslfs(['fetch', '--recent'], { cwd: ours });
    const lines = a.stdout.split('\n').filter((l) => l.includes('feat'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fetch: Fetching reference (feat|origin\/feat)$/);
  });
});

describe('fetch --prune', () => {
  it('fetches, then prunes what is no longer needed, printing prune lines', async () => {
    const [ours] = await clones('prune');
    await ok(sb.tslfs(['fetch', '--all'], { cwd: ours }));
    expect(storeOids(ours)).toHaveLength(8);
    const r = await sb.tslfs(['fetch', '--prune'], { cwd: ours });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    // Kept: HEAD (v3, x v3) and the recent branch origin/feat (feature); pruned: v1, v2, x v1, x v2, old.
    expect(r.stdout).toBe('fetch: Fetching reference refs/heads/main\nprune: 8 local objects, 3 retained, done.\nprune: Deleting objects: 100% (5/5), done.\n');
    expect(storeOids(ours)).toEqual([await sha256('v3\n'), await sha256('x v3\n'), await sha256('feature\n')].sort());
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, TSLFS_CMD, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
beforeEach(() => {
  sb = makeSandbox();
});
afterEach(() => sb.cleanup());

// Lines that legitimately differ: the version line, a key git-lfs 3.3.0 predates (3.7 prints
// it), and tslfs's one extra line.
// git-lfs lists the non-default remotes' endpoints in Go map order (it varies from run to run),
// so those lines (with any SSH= line under each) are compared in sorted order.
function comparable(out: string): string[] {
  const lines = out
    .split('\n')
    .filter((l, i) => i !== 0 && !l.startsWith('PruneVerifyUnreachableAlways=') && !l.startsWith('TslfsFilterCommand='));
  const blocks: string[] = [];
  const rest: string[] = [];
  let first = -1;
  for (const l of lines) {
    if (l.startsWith('Endpoint (')) {
      if (first < 0) first = rest.length;
      blocks.push(l);
    } else if (l.startsWith('  SSH=') && blocks.length > 0 && rest.length === first) {
      blocks[blocks.length - 1] += `\n${l}`;
    } else rest.push(l);
  }
  if (first >= 0) rest.splice(first, 0, ...blocks.sort());
  return rest;
}

async function compareEnv(cwd: string, env: Record<string, string> = {}): Promise<string> {
  const ours = await sb.tslfs(['env'], { cwd, env });
  const theirs = await sb.gitLfs(['env'], { cwd, env });
  expect(ours.exitCode).toBe(0);
  expect(theirs.exitCode).toBe(0);
  expect(comparable(ours.stdout)).toEqual(comparable(theirs.stdout));
  return ours.stdout;
}

describe('tslfs env', () => {
  it('matches git-lfs env line by line in a repository with remotes', async () => {
    const repo = await sb.initRepo('r', 'tslfs');
    await sb.git(['remote', 'add', 'origin', 'https://example.com/foo/bar'], { cwd: repo });
    await sb.git(['remote', 'add', 'up', 'git@github.com:a/b.git'], { cwd: repo });
    await sb.git(['remote', 'add', 'zz', 'ssh://git@example.org/x/y.git'], { cwd: repo });
    await sb.git(['config', 'lfs.https://example.com/foo/bar.git/info/lfs.access', 'basic'], { cwd: repo });
    await sb.git(['config', 'lfs.concurrenttransfers', '3'], { cwd: repo });
    await sb.git(['config', 'lfs.fetchrecentrefsdays', '11'], { cwd: repo });
    await sb.git(['config', 'lfs.fetchexclude', 'a/*, b/*'], { cwd: repo });
    await sb.git(['config', 'lfs.fetchinclude', 'c/**'], { cwd: repo });
    const out = await compareEnv(repo, { GIT_TRACE: '0', GIT_LFS_SKIP_SMUDGE: '1' });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^tslfs\/\d+\.\d+\.\d+ /);
    expect(lines[1]).toMatch(/^git version /);
    expect(lines[2]).toBe('');
    expect(lines[3]).toBe('Endpoint=https://example.com/foo/bar.git/info/lfs (auth=basic)');
    expect(out).toContain(`TslfsFilterCommand=${TSLFS_CMD}\n`);
    expect(out).toContain(`git config filter.lfs.process = "${TSLFS_CMD} filter-process"\n`);
    expect(out.endsWith(`git config filter.lfs.clean = "${TSLFS_CMD} clean -- %f"\n`)).toBe(true);
  });

  it('matches for local-path remotes, lfs.url, lfs.storage, and subdirectories', async () => {
    const repo = await sb.initRepo('r', 'git-lfs');
    const other = await sb.initRepo('other', 'none');
    const bare = join(sb.root, 'b.git');
    await sb.git(['init', '-q', '--bare', bare]);
    await sb.git(['remote', 'add', 'origin', other], { cwd: repo });
    await sb.git(['remote', 'add', 'b', '../b.git'], { cwd: repo });
    await sb.git(['remote', 'add', 'gone', '/nonexistent/x'], { cwd: repo });
    await compareEnv(repo);
    mkdirSync(join(repo, 'sub'));
    await sb.git(['config', 'lfs.storage', join(sb.root, 'store')], { cwd: repo });
    await compareEnv(join(repo, 'sub'));
    await sb.git(['config', 'lfs.url', 'https://lfs.example.com/x'], { cwd: repo });
    await compareEnv(repo);
  });

  it('matches with one non-origin remote, in a bare repository, and outside any repository', async () => {
    const repo = await sb.initRepo('r', 'none');
    await sb.git(['remote', 'add', 'up', 'https://x.org/a'], { cwd: repo });
    await sb.git(['config', 'lfs.https://x.org/a.git/info/lfs.access', 'basic'], { cwd: repo });
    await compareEnv(repo);
    const bare = join(sb.root, 'b.git');
    await sb.git(['init', '-q', '--bare', bare]);
    await compareEnv(bare);
    await compareEnv(sb.root);
  });
});

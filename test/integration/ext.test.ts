/** `tslfs ext [list [name...]]` compared with git-lfs 3.3.0. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

describe('tslfs ext', () => {
  let sb: Sandbox;
  let dir: string;
  beforeEach(async () => {
    sb = makeSandbox();
    dir = await sb.initRepo('r', 'git-lfs');
  });
  afterEach(() => sb.cleanup());

  const cfg = (k: string, v: string) => sb.git(['config', k, v], { cwd: dir });

  it('lists configured extensions sorted by priority, byte-identical to git-lfs', async () => {
    for (const args of [['ext'], ['ext', 'list']]) {
      const ours = await sb.tslfs(args, { cwd: dir });
      expect([ours.exitCode, ours.stdout]).toEqual([0, (await sb.gitLfs(args, { cwd: dir })).stdout]);
      expect(ours.stdout).toBe('');
    }
    await cfg('lfs.extension.foo.clean', 'foo-clean %f');
    await cfg('lfs.extension.foo.smudge', 'foo-smudge %f');
    await cfg('lfs.extension.foo.priority', '5');
    await cfg('lfs.extension.bar.clean', 'bar-clean %f');
    await cfg('lfs.extension.bar.smudge', 'bar-smudge %f');
    await cfg('lfs.extension.bar.priority', '1');
    await cfg('lfs.extension.zed.clean', 'z');
    for (const args of [['ext'], ['ext', 'list'], ['ext', 'list', 'bar'], ['ext', 'list', 'foo', 'bar']]) {
      const ours = await sb.tslfs(args, { cwd: dir });
      const theirs = await sb.gitLfs(args, { cwd: dir });
      expect([args, ours.exitCode, ours.stdout]).toEqual([args, 0, theirs.stdout]);
    }
    expect((await sb.tslfs(['ext'], { cwd: dir })).stdout).toBe(
      'Extension: zed\n    clean = z\n    smudge = \n    priority = 0\n' +
        'Extension: bar\n    clean = bar-clean %f\n    smudge = bar-smudge %f\n    priority = 1\n' +
        'Extension: foo\n    clean = foo-clean %f\n    smudge = foo-smudge %f\n    priority = 5\n',
    );
  });

  it('reports unknown names and duplicate priorities as errors', async () => {
    await cfg('lfs.extension.foo.clean', 'x');
    await cfg('lfs.extension.foo.priority', '3');
    const unknown = await sb.tslfs(['ext', 'list', 'foo', 'nope'], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stdout).toMatch(/^Extension: foo\n/);
    expect(unknown.stderr).toBe('Extension "nope" is not configured\n');
    await cfg('lfs.extension.bar.clean', 'y');
    await cfg('lfs.extension.bar.priority', '3');
    const dup = await sb.tslfs(['ext'], { cwd: dir });
    expect(dup.exitCode).toBe(2);
    expect(dup.stderr).toMatch(/^duplicate priority 3 on (foo|bar)\n/);
  });

  it('ignores extensions defined in .lfsconfig (they would run programs)', async () => {
    sb.write('r/.lfsconfig', '[lfs "extension.evil"]\n\tclean = touch pwned\n\tpriority = 0\n');
    const r = await sb.tslfs(['ext'], { cwd: dir });
    expect([r.exitCode, r.stdout]).toEqual([0, '']);
  });
});

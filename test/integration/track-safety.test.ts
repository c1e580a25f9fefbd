// track/untrack refusals and side effects: symlinked .gitattributes (HR15), repository checks,
// the format version, hooks, lockable permissions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
let n = 0;
beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

const repo = () => sb.initRepo(`s${++n}`, 'none');

describe('symlinked .gitattributes (HR15)', () => {
  for (const cmd of [['track', '*.bin'], ['untrack', '*.bin'], ['track', '--lockable', '*.bin']]) {
    it(`${cmd.join(' ')} refuses and writes nothing outside`, async () => {
      const dir = await repo();
      const outside = join(sb.root, `outside-${n}.txt`);
      writeFileSync(outside, '*.bin filter=lfs diff=lfs merge=lfs -text\nsecret\n');
      symlinkSync(outside, join(dir, '.gitattributes'));
      const r = await sb.tslfs(cmd, { cwd: dir });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain("expected '.gitattributes' to be a file, got a symbolic link");
      expect(r.stdout).not.toContain('Tracking');
      expect(readFileSync(outside, 'utf8')).toBe('*.bin filter=lfs diff=lfs merge=lfs -text\nsecret\n');
      expect(lstatSync(join(dir, '.gitattributes')).isSymbolicLink()).toBe(true);
    });
  }

  it('a dangling symlink in a subdirectory creates nothing', async () => {
    const dir = await repo();
    mkdirSync(join(dir, 'sub'));
    const target = join(sb.root, `never-${n}`);
    symlinkSync(target, join(dir, 'sub', '.gitattributes'));
    const r = await sb.tslfs(['track', '*.bin'], { cwd: join(dir, 'sub') });
    expect(r.exitCode).not.toBe(0);
    expect(existsSync(target)).toBe(false);
  });

  it('a directory named .gitattributes is refused', async () => {
    const dir = await repo();
    mkdirSync(join(dir, '.gitattributes'));
    const r = await sb.tslfs(['track', '*.bin'], { cwd: dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("expected '.gitattributes' to be a file");
  });
});

describe('repository checks', () => {
  it('outside a repository: exit 128', async () => {
    mkdirSync(join(sb.root, 'plain'), { recursive: true });
    for (const args of [['track', 'x'], ['track'], ['untrack', 'x']]) {
      const r = await sb.tslfs(args, { cwd: join(sb.root, 'plain') });
      expect(r.exitCode).toBe(128);
      expect(r.stdout + r.stderr).toContain('Not in a Git repository.');
    }
  });

  it('in a bare repository: exit 128, must be run in a work tree', async () => {
    const bare = join(sb.root, `bare${++n}.git`);
    await sb.git(['init', '-q', '--bare', bare]);
    const r = await sb.tslfs(['track', 'x'], { cwd: bare });
    expect(r.exitCode).toBe(128);
    expect(r.stdout + r.stderr).toContain('This operation must be run in a work tree.');
  });

  it('an empty pattern is refused before anything is written', async () => {
    const dir = await repo();
    const r = await sb.tslfs(['track', '*.a', ''], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Empty pattern');
    expect(existsSync(join(dir, '.gitattributes'))).toBe(false);
  });

  it('a symlinked .gitattributes inside the tree is not listed (git ignores it too)', async () => {
    const dir = await repo();
    const outside = join(sb.root, `listed-${n}.txt`);
    writeFileSync(outside, '*.secret filter=lfs\n');
    mkdirSync(join(dir, 'sub'));
    symlinkSync(outside, join(dir, 'sub', '.gitattributes'));
    writeFileSync(join(dir, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    const r = await sb.tslfs(['track'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('Listing tracked patterns\n    *.bin (.gitattributes)\nListing excluded patterns\n');
  });

  it('--json with patterns is an error and writes nothing', async () => {
    const dir = await repo();
    const r = await sb.tslfs(['track', '--json', '*.x'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--json option can't be combined with arguments");
    expect(existsSync(join(dir, '.gitattributes'))).toBe(false);
  });

  it('an unknown lfs.repositoryformatversion stops track and untrack (128)', async () => {
    const dir = await repo();
    await sb.git(['config', 'lfs.repositoryformatversion', '5'], { cwd: dir });
    for (const args of [['track', '*.x'], ['untrack', '*.x'], ['track']]) {
      const r = await sb.tslfs(args, { cwd: dir });
      expect(r.exitCode).toBe(128);
      expect(r.stderr).toContain('Unknown repository format version: 5');
    }
    expect(existsSync(join(dir, '.gitattributes'))).toBe(false);
  });

  it('writes lfs.repositoryformatversion=0 and installs the hooks', async () => {
    const dir = await repo();
    const r = await sb.tslfs(['track', '*.x'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect((await sb.git(['config', '--local', 'lfs.repositoryformatversion'], { cwd: dir })).stdout).toBe('0\n');
    for (const h of ['pre-push', 'post-checkout', 'post-commit', 'post-merge']) {
      expect(existsSync(join(dir, '.git', 'hooks', h)), h).toBe(true);
    }
  });

  it('GIT_LFS_TRACK_NO_INSTALL_HOOKS leaves the hooks alone', async () => {
    const dir = await repo();
    const r = await sb.tslfs(['track'], { cwd: dir, env: { GIT_LFS_TRACK_NO_INSTALL_HOOKS: '1' } });
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, '.git', 'hooks', 'pre-push'))).toBe(false);
  });
});

describe('lockable permissions and touching', () => {
  it('--lockable makes matching files read-only, --not-lockable writeable again', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'a.dat'), 'a');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.dat'), 'b');
    writeFileSync(join(dir, 'c.txt'), 'c');
    const w = (p: string) => (statSync(join(dir, p)).mode & 0o222) !== 0;
    expect((await sb.tslfs(['track', '--lockable', '*.dat'], { cwd: dir })).exitCode).toBe(0);
    expect(w('a.dat')).toBe(false);
    expect(w('sub/b.dat')).toBe(false);
    expect(w('c.txt')).toBe(true);
    expect((await sb.tslfs(['track', '--not-lockable', '*.dat'], { cwd: dir })).exitCode).toBe(0);
    expect(w('a.dat')).toBe(true);
    expect(w('sub/b.dat')).toBe(true);
    expect(readFileSync(join(dir, '.gitattributes'), 'utf8')).toBe('*.dat filter=lfs diff=lfs merge=lfs -text\n');
  });

  it('tracking makes files committed before dirty for git', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'big.bin'), 'content');
    await sb.git(['add', 'big.bin'], { cwd: dir });
    await sb.git(['commit', '-qm', 'x'], { cwd: dir });
    // Make the index entry look old so that a touch is visible regardless of timestamp granularity.
    const old = new Date(Date.now() - 3600_000);
    const { utimesSync } = await import('node:fs');
    utimesSync(join(dir, 'big.bin'), old, old);
    await sb.git(['update-index', '--refresh'], { cwd: dir });
    const r = await sb.tslfs(['track', '*.bin'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(statSync(join(dir, 'big.bin')).mtimeMs).toBeGreaterThan(old.getTime() + 1000);
  });
});

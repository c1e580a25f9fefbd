/**
 * The filter-process download meter (beyond git-lfs, which shows nothing while a clone "hangs at
 * Filtering content", git-lfs #4696): drawn on stderr only while git waits for a download, and
 * erased before the filter answers, so git's own progress lines stay intact and stdout carries
 * the protocol only. Downloads come from the test LFS server, one object trickled slowly so
 * that git has to wait.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, sha256, shq, type Sandbox } from '../support/sandbox.js';
import { startLfsServer } from '../support/lfsServer/main.js';

type Server = Awaited<ReturnType<typeof startLfsServer>>;

let sb: Sandbox;
let srv: Server;
const files: Record<string, Buffer> = {
  'a.bin': Buffer.alloc(30_000, 'a'),
  'b.bin': Buffer.alloc(5_000, 'b'),
  'c.bin': Buffer.alloc(7_000, 'c'),
};

beforeAll(async () => {
  sb = makeSandbox();
  srv = await startLfsServer({ root: join(sb.root, 'server') });
  expect((await sb.tslfs(['install'])).exitCode).toBe(0);
  await srv.createRepo('r');
  const work = await sb.initRepo('work', 'none');
  sb.write('work/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  for (const [n, d] of Object.entries(files)) sb.write(`work/${n}`, d);
  expect((await sb.git(['add', '.'], { cwd: work })).exitCode).toBe(0);
  expect((await sb.git(['commit', '-qm', 'files'], { cwd: work })).exitCode).toBe(0);
  await sb.git(['remote', 'add', 'origin', srv.gitUrl('r')], { cwd: work });
  const p = await sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
  expect(p.exitCode, p.stderr).toBe(0);
});
afterAll(async () => {
  await srv.stop();
  sb.cleanup();
});

/** a.bin arrives 1000 bytes every 100 ms (about 3 s): git must wait for it. */
async function slowA(): Promise<void> {
  srv.clearRules();
  srv.failNext({ kind: 'storage-get', oid: await sha256(files['a.bin']!), slow: { bytes: 1000, intervalMs: 100 }, times: 1 });
}

/** One wait episode: draws of the meter line, then the erase. */
const DRAW = String.raw`\rDownloading LFS objects: {1,3}\d{1,3}% \(\d+/\d+\), \d+(?:\.\d)? [KMG]?B \| \d+(?:\.\d)? [KMG]?B/s *`;
const EPISODE = new RegExp(String.raw`(?:${DRAW})+\r( +)\r`, 'g');

async function checkClone(dir: string): Promise<void> {
  for (const [n, d] of Object.entries(files)) expect(readFileSync(join(dir, n)).equals(d)).toBe(true);
  expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
}

describe('filter-process progress while git waits', () => {
  it('forced (not a terminal): one line drawn in place, erased exactly, nothing else added', async () => {
    await slowA();
    const r = await sb.git(['clone', srv.gitUrl('r'), 'forced'], { env: { TSLFS_FILTER_PROGRESS: '1' } });
    expect(r.exitCode, r.stderr).toBe(0);
    const episodes = [...r.stderr.matchAll(EPISODE)];
    expect(episodes.length).toBeGreaterThan(0);
    for (const m of episodes) {
      // The erase covers exactly the longest line drawn in that episode.
      const draws = m[0].slice(0, -(m[1]!.length + 2)).split('\r').filter(Boolean);
      expect(m[1]!.length).toBe(Math.max(...draws.map((d) => d.length)));
    }
    // Without the episodes, stderr is what git prints on its own.
    expect(r.stderr.replace(EPISODE, '')).toBe("Cloning into 'forced'...\n");
    await checkClone(join(sb.root, 'forced'));
  });

  it('is silent when stderr is not a terminal; GIT_LFS_PROGRESS still gets lines', async () => {
    await slowA();
    const log = join(sb.root, 'clone-progress.log');
    const r = await sb.git(['clone', srv.gitUrl('r'), 'plain'], { env: { GIT_LFS_PROGRESS: log } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("Cloning into 'plain'...\n");
    await checkClone(join(sb.root, 'plain'));
    // GIT_LFS_PROGRESS still gets git-lfs's download lines, ending with each file complete.
    const last = new Map<string, string>();
    for (const l of readFileSync(log, 'utf8').trimEnd().split('\n')) {
      const m = /^download \d\/\d (\d+\/\d+) (\S+)$/.exec(l);
      expect(m, l).not.toBeNull();
      last.set(m![2]!, m![1]!);
    }
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(Object.entries(files).map(([n, d]) => [n, `${d.length}/${d.length}`])));
  });

  it("on a terminal: git's progress lines are left intact on screen", async () => {
    await slowA();
    // A real pty (script(1)): stderr is a terminal for git and for the filter.
    const cmd = `git clone --progress ${shq(srv.gitUrl('r'))} tty`;
    const r = await sb.run('script', ['-qefc', cmd, '/dev/null'], { env: { TERM: 'dumb' } });
    expect(r.exitCode, r.stdout).toBe(0);
    const raw = r.stdout;
    expect(raw).toMatch(/Downloading LFS objects: /);
    const screen = emulate(raw);
    expect(screen.join('\n')).not.toMatch(/Downloading LFS objects/);
    for (const line of screen) {
      expect(line).toMatch(/^(|Cloning into 'tty'\.\.\.|remote: .*|Receiving objects: .*|Resolving deltas: .*|Filtering content: .*|Updating files: .*)$/);
    }
    expect(screen).toContain("Cloning into 'tty'...");
    await checkClone(join(sb.root, 'tty'));
  });
});

/** The lines left on a terminal after `raw` (CR, LF, and ESC[K handled; other ESC sequences dropped). */
function emulate(raw: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      lines[row] ??= [];
    } else if (ch === '\x1b') {
      const m = /^\x1b\[([0-9;]*)([A-Za-z])/.exec(raw.slice(i));
      if (m) {
        if (m[2] === 'K') lines[row]!.length = Math.min(lines[row]!.length, col);
        i += m[0].length - 1;
      }
    } else {
      lines[row]![col++] = ch;
    }
  }
  return lines.map((l) => Array.from(l, (c) => c ?? ' ').join('').trimEnd()).filter((l, i, a) => l !== '' || i < a.length - 1);
}

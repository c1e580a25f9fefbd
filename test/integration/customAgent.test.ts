/**
 * Standalone custom transfer agents (lfs.standalonetransferagent + lfs.customtransfer.<name>.*)
 * through the CLI and git: push through the pre-push hook, clone through the filter, fetch,
 * per-object errors, a crashing agent, an agent reporting a file outside its temp dir, an init
 * error, .lfsconfig that tries to configure an agent, and git-lfs 3.3 sharing the same agent and
 * folder. The agent is test/support/agents/folderAgent.mjs, run with this node.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeSandbox, sha256, shq, type Sandbox } from '../support/sandbox.js';

const AGENT = join(REPO_ROOT, 'test', 'support', 'agents', 'folderAgent.mjs');

let sb: Sandbox;
let n = 0;

beforeAll(async () => {
  sb = makeSandbox();
  expect((await sb.tslfs(['install'])).exitCode).toBe(0);
});

afterAll(() => sb?.cleanup());

interface Setup {
  folder: string;
  log: string;
  remote: string;
  work: string;
  files: Record<string, Buffer>;
  oids: string[];
}

/** git config pairs for an agent named `name` storing in `folder`. */
function agentConfig(name: string, folder: string, log: string, extra = ''): Array<[string, string]> {
  return [
    [`lfs.customtransfer.${name}.path`, process.execPath],
    [`lfs.customtransfer.${name}.args`, `${shq(AGENT)} --store ${shq(folder)} --log ${shq(log)}${extra ? ` ${extra}` : ''}`],
  ];
}

function logLines(log: string): Array<Record<string, unknown>> {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function storeHas(repo: string, oid: string): boolean {
  return existsSync(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid));
}

function folderHas(folder: string, oid: string): boolean {
  return existsSync(join(folder, oid.slice(0, 2), oid.slice(2, 4), oid));
}

async function ok(p: Promise<{ exitCode: number; stderr: string; stdout: string }>): Promise<{ stdout: string; stderr: string }> {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

/** A work repo whose commits hold `count` LFS files, pushed through the agent into a fresh folder. */
async function setup(count = 3, config: Array<[string, string]> = []): Promise<Setup> {
  const id = ++n;
  const folder = join(sb.root, `folder${id}`);
  const log = join(sb.root, `agent${id}.log`);
  const remote = join(sb.root, `remote${id}.git`);
  await ok(sb.git(['init', '-q', '--bare', remote]));
  const work = await sb.initRepo(`work${id}`, 'tslfs');
  await ok(sb.git(['remote', 'add', 'origin', remote], { cwd: work }));
  for (const [k, v] of [['lfs.standalonetransferagent', 'folder'], ...agentConfig('folder', folder, log), ...config]) await ok(sb.git(['config', k!, v!], { cwd: work }));
  sb.write(`work${id}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) files[`f${i}.bin`] = Buffer.from(`object ${id}.${i} `.repeat(100 + i * 37));
  for (const [name, data] of Object.entries(files)) sb.write(`work${id}/${name}`, data);
  await ok(sb.git(['add', '.'], { cwd: work }));
  await ok(sb.git(['commit', '-qm', 'files'], { cwd: work }));
  await ok(sb.tslfs(['update'], { cwd: work })); // the pre-push hook
  await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: work }));
  const oids = await Promise.all(Object.values(files).map((d) => sha256(d)));
  return { folder, log, remote, work, files, oids };
}

/** A clone of the setup's remote without downloading, configured for the agent with `extra` args. */
async function bareClone(s: Setup, extra = '', config: Array<[string, string]> = []): Promise<{ dir: string; log: string }> {
  const id = ++n;
  const dir = join(sb.root, `clone${id}`);
  const log = join(sb.root, `agent${id}.log`);
  await ok(sb.git(['clone', '-q', s.remote, dir], { env: { GIT_LFS_SKIP_SMUDGE: '1' } }));
  for (const [k, v] of [['lfs.standalonetransferagent', 'folder'], ...agentConfig('folder', s.folder, log, extra), ...config]) await ok(sb.git(['config', k!, v!], { cwd: dir }));
  return { dir, log };
}

describe('standalone custom transfer agents', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup(3, [['lfs.concurrenttransfers', '2']]);
  });

  it('git push uploads through the agent with one init per process, no batch call, action null', async () => {
    for (const oid of s.oids) expect(folderHas(s.folder, oid)).toBe(true);
    for (const [name, data] of Object.entries(s.files)) {
      const oid = await sha256(data);
      expect(readFileSync(join(s.folder, oid.slice(0, 2), oid.slice(2, 4), oid)).equals(data), name).toBe(true);
    }
    const lines = logLines(s.log);
    const inits = lines.filter((l) => l['event'] === 'init');
    const pids = lines.filter((l) => 'pid' in l);
    expect(inits.length).toBe(pids.length);
    expect(pids.length).toBeGreaterThanOrEqual(1);
    expect(pids.length).toBeLessThanOrEqual(2); // lfs.concurrenttransfers=2, concurrent=true
    for (const i of inits) expect(i).toEqual({ event: 'init', operation: 'upload', remote: 'origin', concurrent: true, concurrenttransfers: 2 });
    const ups = lines.filter((l) => l['event'] === 'upload');
    expect(ups.map((u) => u['oid']).sort()).toEqual([...s.oids].sort());
    for (const u of ups) {
      expect(u['action']).toBeNull();
      expect(String(u['path'])).toContain(join('.git', 'lfs', 'objects'));
    }
    expect(lines.filter((l) => l['event'] === 'terminate').length).toBe(pids.length);
  });

  it('git clone downloads through the agent while checking out; the agent temp dir is removed', async () => {
    const id = ++n;
    const log = join(sb.root, `agent${id}.log`);
    const cfg = [['lfs.standalonetransferagent', 'folder'], ...agentConfig('folder', s.folder, log)].flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const dir = join(sb.root, `clone${id}`);
    await ok(sb.git(['clone', '-q', ...cfg, s.remote, dir]));
    for (const [name, data] of Object.entries(s.files)) expect(readFileSync(join(dir, name)).equals(data), name).toBe(true);
    expect((await sb.git(['status', '--porcelain'], { cwd: dir })).stdout).toBe('');
    const lines = logLines(log);
    const downs = lines.filter((l) => l['event'] === 'download');
    expect(downs.map((d) => d['oid']).sort()).toEqual([...s.oids].sort());
    for (const d of downs) expect(d['action']).toBeNull();
    // The agent was handed a private TMPDIR under .git/lfs/tmp, removed at the end.
    const tmpdirs = lines.filter((l) => 'tmpdir' in l).map((l) => String(l['tmpdir']));
    for (const t of tmpdirs) expect(t.startsWith(join(dir, '.git', 'lfs', 'tmp', 'agent-folder-'))).toBe(true);
    expect(readdirSync(join(dir, '.git', 'lfs', 'tmp')).filter((f) => f.startsWith('agent-'))).toEqual([]);
  });

  it('concurrent=false runs a single process for every object', async () => {
    const c = await bareClone(s, '', [['lfs.customtransfer.folder.concurrent', 'false']]);
    await ok(sb.tslfs(['fetch'], { cwd: c.dir }));
    for (const oid of s.oids) expect(storeHas(c.dir, oid)).toBe(true);
    const lines = logLines(c.log);
    expect(lines.filter((l) => 'pid' in l).length).toBe(1);
    expect(lines.filter((l) => l['event'] === 'init')).toEqual([{ event: 'init', operation: 'download', remote: 'origin', concurrent: false, concurrenttransfers: 8 }]);
    expect(lines.filter((l) => l['event'] === 'download').length).toBe(3);
  });

  it('a per-object error fails that object only; the same process carries on', async () => {
    const bad = s.oids[1]!;
    const c = await bareClone(s, `--fail-oid ${bad}`, [['lfs.customtransfer.folder.concurrent', 'false']]);
    const r = await sb.tslfs(['fetch'], { cwd: c.dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`test agent refuses ${bad.slice(0, 8)}`);
    expect(storeHas(c.dir, bad)).toBe(false);
    for (const oid of s.oids.filter((o) => o !== bad)) expect(storeHas(c.dir, oid)).toBe(true);
    expect(logLines(c.log).filter((l) => 'pid' in l).length).toBe(1);
  });

  it('an agent that crashes fails the object it held with a clear message; a fresh process does the rest', async () => {
    const bad = s.oids[2]!; // the largest: transferred first
    const c = await bareClone(s, `--crash-on ${bad}`, [['lfs.customtransfer.folder.concurrent', 'false']]);
    const r = await sb.tslfs(['fetch'], { cwd: c.dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`custom transfer agent "folder" died: it exited with status 3: folderAgent: simulated crash on ${bad}`);
    expect(storeHas(c.dir, bad)).toBe(false);
    for (const oid of s.oids.filter((o) => o !== bad)) expect(storeHas(c.dir, oid)).toBe(true);
    expect(logLines(c.log).filter((l) => 'pid' in l).length).toBe(2);
  });

  it('refuses a downloaded file outside the temp dir it gave the agent, and leaves that file alone', async () => {
    const victim = join(sb.root, 'victim.bin');
    const c = await bareClone(s, `--outside ${shq(victim)}`);
    const r = await sb.tslfs(['fetch'], { cwd: c.dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('outside its temporary directory');
    // The file is where the agent left it (not moved into the store, not deleted).
    expect(existsSync(victim)).toBe(true);
    for (const oid of s.oids) expect(storeHas(c.dir, oid)).toBe(false);
  });

  it('an init error fails every object with the agent\'s message', async () => {
    const c = await bareClone(s, '--init-error');
    const r = await sb.tslfs(['fetch'], { cwd: c.dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('custom transfer agent "folder" failed to initialise: init refused by test agent');
    for (const oid of s.oids) expect(storeHas(c.dir, oid)).toBe(false);
  });

  it('an unconfigured standalone agent name is a clear error', async () => {
    const c = await bareClone(s, '', [['lfs.standalonetransferagent', 'nosuchagent']]);
    const r = await sb.tslfs(['fetch'], { cwd: c.dir });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('standalone transfer agent "nosuchagent" is not configured');
  });
});

describe('.lfsconfig cannot configure transfer agents', () => {
  it('ignores lfs.customtransfer.* and lfs.standalonetransferagent from .lfsconfig (no program runs)', async () => {
    const id = ++n;
    const marker = join(sb.root, `pwned${id}`);
    const evil = sb.write(`evil${id}.sh`, `#!/bin/sh\ntouch ${shq(marker)}\nexit 1\n`);
    chmodSync(evil, 0o755);
    const remote = join(sb.root, `remote${id}.git`);
    await ok(sb.git(['init', '-q', '--bare', remote]));
    const work = await sb.initRepo(`work${id}`, 'tslfs');
    await ok(sb.git(['remote', 'add', 'origin', remote], { cwd: work }));
    writeFileSync(
      join(work, '.lfsconfig'),
      `[lfs]\n\tstandalonetransferagent = evil\n[lfs "customtransfer.evil"]\n\tpath = ${evil}\n[lfs "${remote}"]\n\tstandalonetransferagent = evil\n`,
    );
    sb.write(`work${id}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    sb.write(`work${id}/a.bin`, 'lfsconfig agent test\n');
    await ok(sb.git(['add', '.'], { cwd: work }));
    await ok(sb.git(['commit', '-qm', 'x'], { cwd: work }));
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: work }));
    await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: work }));
    expect(existsSync(marker)).toBe(false);
    // The built-in standalone file transfer was used instead.
    const oid = await sha256('lfsconfig agent test\n');
    expect(existsSync(join(remote, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(true);
  });
});

describe('interop with git-lfs 3.3 through the same standalone agent and folder', () => {
  it('objects git-lfs pushed are fetched by tslfs, and the reverse', async () => {
    const id = ++n;
    const folder = join(sb.root, `folder${id}`);
    const log = join(sb.root, `agent${id}.log`);
    const remote = join(sb.root, `remote${id}.git`);
    await ok(sb.git(['init', '-q', '--bare', remote]));
    const cfg: Array<[string, string]> = [['lfs.standalonetransferagent', 'folder'], ...agentConfig('folder', folder, log)];

    // git-lfs writes and pushes.
    const gl = await sb.initRepo(`gl${id}`, 'git-lfs');
    for (const [k, v] of [['remote.origin.url', remote], ...cfg]) await ok(sb.git(['config', k!, v!], { cwd: gl }));
    sb.write(`gl${id}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    const fromGitLfs = Buffer.from('written by git-lfs\n'.repeat(500));
    sb.write(`gl${id}/one.bin`, fromGitLfs);
    await ok(sb.git(['add', '.'], { cwd: gl }));
    await ok(sb.git(['commit', '-qm', 'one'], { cwd: gl }));
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: gl }));
    await ok(sb.gitLfs(['push', 'origin', 'main'], { cwd: gl }));
    const oid1 = await sha256(fromGitLfs);
    expect(folderHas(folder, oid1)).toBe(true);

    // tslfs clones (filter downloads through the agent), adds a file and pushes it.
    const ts = join(sb.root, `ts${id}`);
    await ok(sb.git(['clone', '-q', ...cfg.flatMap(([k, v]) => ['-c', `${k}=${v}`]), remote, ts]));
    expect(readFileSync(join(ts, 'one.bin')).equals(fromGitLfs)).toBe(true);
    const fromTslfs = Buffer.from('written by tslfs\n'.repeat(700));
    sb.write(`ts${id}/two.bin`, fromTslfs);
    await ok(sb.git(['add', 'two.bin'], { cwd: ts }));
    await ok(sb.git(['commit', '-qm', 'two'], { cwd: ts }));
    await ok(sb.git(['push', '-q', 'origin', 'main'], { cwd: ts }));
    await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: ts }));
    const oid2 = await sha256(fromTslfs);
    expect(folderHas(folder, oid2)).toBe(true);

    // git-lfs fetches what tslfs pushed.
    await ok(sb.git(['pull', '-q', 'origin', 'main'], { cwd: gl }));
    expect(readFileSync(join(gl, 'two.bin')).equals(fromTslfs)).toBe(true);
    const glObj = join(gl, '.git', 'lfs', 'objects', oid2.slice(0, 2), oid2.slice(2, 4), oid2);
    expect(await sha256(readFileSync(glObj))).toBe(oid2);
  });
});

/**
 * Custom transfer agents negotiated through the batch API (HS24) against the test LFS server:
 * configured agents are offered next to "basic", an agent runs only when the server picks a
 * name tslfs offered for that direction, lfs.basictransfersonly turns them off, and verify
 * actions are called by tslfs over HTTP after an agent's upload. The agent is
 * test/support/agents/folderAgent.mjs in --http mode (it moves bytes with the action's href).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLfsServer, type LfsServer } from '../support/lfsServer/main.js';
import { REPO_ROOT, makeSandbox, sha256, shq, type Sandbox } from '../support/sandbox.js';

const AGENT = join(REPO_ROOT, 'test', 'support', 'agents', 'folderAgent.mjs');

let sb: Sandbox;
let srv: LfsServer;
let n = 0;

beforeAll(async () => {
  sb = makeSandbox();
  srv = await startLfsServer({ root: join(sb.root, 'srv') });
});

afterAll(async () => {
  await srv?.stop();
  sb?.cleanup();
});

afterEach(() => {
  srv.clearRules();
  srv.clearRequests();
});

function logLines(log: string): Array<Record<string, unknown>> {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function ok(p: Promise<{ exitCode: number; stderr: string; stdout: string }>): Promise<{ stdout: string; stderr: string }> {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

/** A repo with one commit of two LFS files (objects in its store), remote origin = server repo. */
async function repoFor(serverRepo: string, config: Array<[string, string]>): Promise<{ dir: string; log: string; oids: string[]; data: Buffer[] }> {
  const id = ++n;
  const dir = await sb.initRepo(`w${id}`, 'tslfs');
  const log = join(sb.root, `agent${id}.log`);
  await ok(sb.git(['remote', 'add', 'origin', srv.gitUrl(serverRepo)], { cwd: dir }));
  const cfg: Array<[string, string]> = [
    ['lfs.customtransfer.folder.path', process.execPath],
    ['lfs.customtransfer.folder.args', `${shq(AGENT)} --http --log ${shq(log)}`],
    ...config,
  ];
  for (const [k, v] of cfg) await ok(sb.git(['config', k, v], { cwd: dir }));
  sb.write(`w${id}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  const data = [Buffer.from(`agent over http ${id} `.repeat(300)), Buffer.from(`second ${id}\n`)];
  data.forEach((d, i) => sb.write(`w${id}/f${i}.bin`, d));
  await ok(sb.git(['add', '.'], { cwd: dir }));
  await ok(sb.git(['commit', '-qm', 'x'], { cwd: dir }));
  return { dir, log, oids: await Promise.all(data.map((d) => sha256(d))), data };
}

function batches(): Array<{ transfers?: string[]; operation?: string }> {
  return srv.requests.filter((r) => r.kind === 'batch');
}

describe('custom agents chosen by the server', () => {
  it('offers the agent with basic, uses it when the server picks it, and calls verify itself', async () => {
    const repo = 'transfer-adapter-folder--verify-fail-1-times';
    const r = await repoFor(repo, []);
    await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: r.dir }));
    await srv.settled();
    for (const oid of r.oids) expect(await srv.hasObject(repo, oid)).toBe(true);
    expect(batches().map((b) => b.transfers)).toEqual([['basic', 'folder']]);
    // The agent moved the bytes (its PUTs), tslfs called verify: 503 once per object, then 200.
    const puts = srv.requests.filter((q) => q.kind === 'storage-put');
    expect(puts.length).toBe(2);
    for (const p of puts) expect(p.headers.userAgent ?? '').not.toMatch(/tslfs|git-lfs/);
    const verifies = srv.requests.filter((q) => q.kind === 'verify');
    for (const oid of r.oids) {
      expect(verifies.filter((v) => v.oid === oid).map((v) => v.status)).toEqual([503, 200]);
      expect(verifies.find((v) => v.oid === oid)!.headers.userAgent).toMatch(/tslfs/);
    }
    const lines = logLines(r.log);
    expect(lines.filter((l) => l['event'] === 'init').every((l) => l['operation'] === 'upload' && l['remote'] === 'origin')).toBe(true);
    const ups = lines.filter((l) => l['event'] === 'upload');
    expect(ups.length).toBe(2);
    for (const u of ups) {
      const a = u['action'] as { href: string };
      expect(a.href).toContain(`/storage/`);
      expect(Object.keys(u['action'] as object)).not.toContain('verify');
    }

    // Download through the agent into a fresh clone's store.
    srv.clearRequests();
    const id = ++n;
    const dir = join(sb.root, `c${id}`);
    const log2 = join(sb.root, `agent${id}.log`);
    await ok(sb.git(['init', '-q', dir]));
    await ok(sb.git(['remote', 'add', 'origin', srv.gitUrl(repo)], { cwd: dir }));
    await ok(sb.git(['fetch', '-q', r.dir, 'main:refs/remotes/origin/main'], { cwd: dir }));
    await ok(sb.git(['config', 'lfs.customtransfer.folder.path', process.execPath], { cwd: dir }));
    await ok(sb.git(['config', 'lfs.customtransfer.folder.args', `${shq(AGENT)} --http --log ${shq(log2)}`], { cwd: dir }));
    await ok(sb.tslfs(['fetch', 'origin', 'origin/main'], { cwd: dir }));
    r.oids.forEach((oid, i) => {
      const p = join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
      expect(readFileSync(p).equals(r.data[i]!)).toBe(true);
    });
    expect(logLines(log2).filter((l) => l['event'] === 'download').length).toBe(2);
    expect(batches().map((b) => b.transfers)).toEqual([['basic', 'folder']]);
  });

  it('never starts an agent the server did not pick (the server default is basic)', async () => {
    const r = await repoFor('plain-basic', []);
    await ok(sb.tslfs(['push', 'origin', 'main'], { cwd: r.dir }));
    expect(existsSync(r.log)).toBe(false);
    for (const oid of r.oids) expect(await srv.hasObject('plain-basic', oid)).toBe(true);
  });

  it('rejects an adapter name it did not offer for this direction, without launching anything', async () => {
    // "folder" is configured for downloads only, so an upload does not offer it.
    const r = await repoFor('transfer-adapter-folder', [['lfs.customtransfer.folder.direction', 'download']]);
    const p = await sb.tslfs(['push', 'origin', 'main'], { cwd: r.dir });
    expect(p.exitCode).not.toBe(0);
    expect(p.stderr).toContain('unsupported transfer adapter "folder"');
    expect(existsSync(r.log)).toBe(false);
    expect(batches()[0]!.transfers).toEqual(['basic']);

    for (const name of ['tus', 'evil']) {
      const r2 = await repoFor(`transfer-adapter-${name}`, []);
      const p2 = await sb.tslfs(['push', 'origin', 'main'], { cwd: r2.dir });
      expect(p2.exitCode).not.toBe(0);
      expect(p2.stderr).toContain(`unsupported transfer adapter "${name}"`);
      expect(existsSync(r2.log)).toBe(false);
    }
  });

  it('lfs.basictransfersonly=true offers basic alone and refuses the agent', async () => {
    const r = await repoFor('transfer-adapter-folder', [['lfs.basictransfersonly', 'true']]);
    const p = await sb.tslfs(['push', 'origin', 'main'], { cwd: r.dir });
    expect(p.exitCode).not.toBe(0);
    expect(p.stderr).toContain('unsupported transfer adapter "folder"');
    expect(existsSync(r.log)).toBe(false);
    expect(batches().every((b) => JSON.stringify(b.transfers) === '["basic"]')).toBe(true);
  });
});

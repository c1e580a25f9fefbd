/**
 * Shared setup for the prune tests: a repo whose a.bin went through v1, v2, v3, all pushed to a
 * file:// origin, plus an object no commit references ("orphan").
 */
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pruneCmd from '../../src/cli/commands/prune.js';
import { makeSandbox, sha256, type FilterChoice, type Sandbox } from './sandbox.js';
import { runCommand } from './runCommand.js';

export async function ok(p: Promise<{ exitCode: number; stderr: string; stdout: string }>) {
  const r = await p;
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return r;
}

export function storeOids(dir: string): string[] {
  const root = join(dir, '.git', 'lfs', 'objects');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const a of readdirSync(root)) for (const b of readdirSync(join(root, a))) out.push(...readdirSync(join(root, a, b)));
  return out.sort();
}

export const oid = (s: string) => sha256(s);

/**
 * Build the history (see below) in `sb` under `name`. The LFS objects are pushed with the
 * chosen tool.
 */
async function buildHistory(sb: Sandbox, name: string, filter: Exclude<FilterChoice, 'none'>): Promise<string> {
  const remote = join(sb.root, `${name}.git`);
  await ok(sb.git(['init', '-q', '--bare', remote]));
  const dir = await sb.initRepo(name, filter);
  writeFileSync(join(dir, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text\n');
  await ok(sb.git(['add', '.gitattributes'], { cwd: dir }));
  await ok(sb.git(['commit', '-qm', 'attrs'], { cwd: dir }));
  await ok(sb.git(['remote', 'add', 'origin', `file://${remote}`], { cwd: dir }));
  for (const v of ['v1', 'v2', 'v3']) {
    writeFileSync(join(dir, 'a.bin'), `${v}\n`);
    await ok(sb.git(['add', 'a.bin'], { cwd: dir }));
    await ok(sb.git(['commit', '-qm', v], { cwd: dir }));
  }
  await ok(filter === 'tslfs' ? sb.tslfs(['push', 'origin', 'main'], { cwd: dir }) : sb.gitLfs(['push', 'origin', 'main'], { cwd: dir }));
  await ok(sb.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: dir }));
  await ok(filter === 'tslfs' ? sb.tslfs(['clean'], { cwd: dir, input: 'orphan\n' }) : sb.gitLfs(['clean'], { cwd: dir, input: 'orphan\n' }));
  return dir;
}

export const pruneCli = (sb: Sandbox, args: string[], cwd: string) => runCommand(pruneCmd, 'prune', args, { cwd, env: sb.env });


const templates = new Map<string, Promise<{ sb: Sandbox; dir: string }>>();

/**
 * A repo `name` in `sb` whose a.bin went through v1, v2, v3 (all pushed to a file:// origin
 * `<name>.git`), plus an object no commit references ("orphan"). Built once per filter and
 * copied (repo and remote) for each caller; call cleanupHistories() in afterAll.
 */
export async function history(sb: Sandbox, name: string, filter: Exclude<FilterChoice, 'none'>): Promise<string> {
  let t = templates.get(filter);
  if (!t) {
    t = (async () => {
      const tsb = makeSandbox();
      return { sb: tsb, dir: await buildHistory(tsb, 't', filter) };
    })();
    templates.set(filter, t);
  }
  const { dir: tdir } = await t;
  const dir = join(sb.root, name);
  const remote = join(sb.root, `${name}.git`);
  cpSync(tdir, dir, { recursive: true });
  cpSync(`${tdir}.git`, remote, { recursive: true });
  await ok(sb.git(['remote', 'set-url', 'origin', `file://${remote}`], { cwd: dir }));
  return dir;
}

export async function cleanupHistories(): Promise<void> {
  for (const t of templates.values()) (await t.catch(() => null))?.sb.cleanup();
  templates.clear();
}

/**
 * LFS extensions (lfs.extension.<name>.clean/smudge/priority): external commands that
 * transform content before it is stored (clean) and after it is read (smudge).
 *
 * Security: extensions come only from git config entries (Config.entries()), never from
 * .lfsconfig, and a pointer's ext-N-name line never runs anything by itself: smudge only runs
 * an extension that is configured under that name. `%f` is replaced by the single-quoted path,
 * and the command runs through /bin/sh as git runs its own filters.
 *
 * Streaming: content flows chunk by chunk through one child process per extension; each
 * stage's bytes are hashed on the way (the ext-N line records an extension's input oid when it
 * changed the bytes, as git-lfs does; smudge verifies the same hashes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config/Config.js';
import { IntegrityError, TslfsError } from '../errors/TslfsError.js';
import { cleanEnv, type Env } from '../git/exec.js';
import type { Pointer, PointerExtension } from '../model/pointer.js';
import type { LfsStore } from '../store/LfsStore.js';

export interface Extension {
  name: string;
  clean: string;
  smudge: string;
  /** 0-9, unique. */
  priority: number;
}

const NAME_RE = /^\w+$/;

/** Configured extensions sorted by priority. Throws TslfsError for an unusable configuration. */
export function loadExtensions(config: Config): Extension[] {
  const byName = new Map<string, Partial<Extension>>();
  for (const [key, values] of config.entries()) {
    if (!key.startsWith('lfs.extension.')) continue;
    const rest = key.slice('lfs.extension.'.length);
    const dot = rest.lastIndexOf('.');
    if (dot <= 0) continue;
    const name = rest.slice(0, dot);
    const field = rest.slice(dot + 1);
    const value = values[values.length - 1]!;
    const e = byName.get(name) ?? { name };
    if (field === 'clean') e.clean = value;
    else if (field === 'smudge') e.smudge = value;
    else if (field === 'priority') e.priority = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    else continue;
    byName.set(name, e);
  }
  const out: Extension[] = [];
  for (const e of byName.values()) {
    const name = e.name!;
    if (!NAME_RE.test(name)) throw new TslfsError(`invalid LFS extension name ${JSON.stringify(name)}: only letters, digits and _ are allowed`);
    const priority = e.priority ?? 0;
    if (!Number.isInteger(priority) || priority < 0 || priority > 9) throw new TslfsError(`invalid priority for LFS extension ${name}: must be 0-9`);
    if (out.some((o) => o.priority === priority)) throw new TslfsError(`two LFS extensions have priority ${priority}`);
    out.push({ name, clean: e.clean ?? '', smudge: e.smudge ?? '', priority });
  }
  return out.sort((a, b) => a.priority - b.priority);
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function expandCommand(cmd: string, path: string): string {
  return cmd.replace(/%f/g, () => shq(path));
}

function hashTap(h: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      cb(null, chunk);
    },
  });
}

/**
 * Run `source` through the shell commands in order, handing the last output to `sink`.
 * Returns the sha256 of every stage boundary: [input, after cmd 0, ..., after the last cmd].
 * Throws TslfsError when a command fails (children are killed).
 */
export async function runChain(
  source: AsyncIterable<Buffer>,
  commands: readonly string[],
  sink: (chunk: Buffer) => Promise<void>,
  cwd: string,
  env: Env,
): Promise<string[]> {
  const hashes = [createHash('sha256'), ...commands.map(() => createHash('sha256'))];
  const procs: ChildProcess[] = commands.map((cmd) => spawn('/bin/sh', ['-c', cmd], { cwd, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] }));
  const work: Promise<unknown>[] = procs.map(
    (p, i) =>
      new Promise<void>((resolve, reject) => {
        let err = '';
        p.stderr!.on('data', (c: Buffer) => {
          if (err.length < 4096) err += c.toString('utf8');
        });
        p.on('error', (e) => reject(new TslfsError(`cannot run LFS extension command ${JSON.stringify(commands[i])}: ${e.message}`)));
        p.on('close', (code, signal) => {
          if (code === 0) resolve();
          else reject(new TslfsError(`LFS extension command ${JSON.stringify(commands[i])} failed (${code ?? signal})${err ? `: ${err.trim()}` : ''}`));
        });
      }),
  );
  work.push(pipeline(Readable.from(source), hashTap(hashes[0]!), procs[0]!.stdin!));
  for (let i = 1; i < procs.length; i++) work.push(pipeline(procs[i - 1]!.stdout!, hashTap(hashes[i]!), procs[i]!.stdin!));
  const last = procs[procs.length - 1]!;
  work.push(
    (async () => {
      for await (const c of last.stdout!) {
        hashes[procs.length]!.update(c as Buffer);
        await sink(c as Buffer);
      }
    })(),
  );
  for (const w of work) w.catch(() => {});
  try {
    await Promise.all(work);
  } catch (e) {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    // Prefer the command's own failure over the EPIPE it caused upstream.
    const settled = await Promise.allSettled(work.slice(0, procs.length));
    const own = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    throw own ? own.reason : e;
  }
  return hashes.map((h) => h.digest('hex'));
}

/** Clean through the extensions into the store; returns the pointer (with ext lines). */
export async function cleanThroughExtensions(opts: {
  store: LfsStore;
  input: AsyncIterable<Buffer>;
  path: string;
  extensions: readonly Extension[];
  cwd: string;
  env: Env;
}): Promise<Pointer> {
  for (const e of opts.extensions) if (!e.clean) throw new TslfsError(`LFS extension ${e.name} has no clean command`);
  const w = await opts.store.newWriter();
  try {
    const hashes = await runChain(
      opts.input,
      opts.extensions.map((e) => expandCommand(e.clean, opts.path)),
      (c) => w.write(c),
      opts.cwd,
      opts.env,
    );
    const obj = await w.commit();
    const exts: PointerExtension[] = [];
    opts.extensions.forEach((e, i) => {
      if (hashes[i] !== hashes[i + 1]) exts.push({ priority: e.priority, name: e.name, oid: hashes[i]! });
    });
    return { oid: obj.oid, size: obj.size, extensions: exts };
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/**
 * Smudge: the object's bytes through the pointer's extensions in reverse priority order.
 * The object must hash to the pointer's oid and each extension's output to the oid its ext
 * line recorded; a mismatch or an
 * unconfigured extension throws (the mismatch only after the bytes were handed to `sink`,
 * so callers report an error status rather than success).
 */
export async function smudgeThroughExtensions(opts: {
  source: AsyncIterable<Buffer>;
  pointer: Pointer;
  path: string;
  extensions: readonly Extension[];
  sink: (chunk: Buffer) => Promise<void>;
  cwd: string;
  env: Env;
}): Promise<void> {
  const chain = [...opts.pointer.extensions].sort((a, b) => b.priority - a.priority);
  const cmds = chain.map((pe) => {
    const ext = opts.extensions.find((e) => e.name === pe.name);
    if (!ext || !ext.smudge) throw new TslfsError(`pointer uses LFS extension ${JSON.stringify(pe.name)}, which is not configured (lfs.extension.${pe.name}.smudge)`);
    return expandCommand(ext.smudge, opts.path);
  });
  const hashes = await runChain(opts.source, cmds, opts.sink, opts.cwd, opts.env);
  // The stored object itself: a corrupt one must not pass as the extensions' input.
  if (hashes[0] !== opts.pointer.oid) throw new IntegrityError(`LFS object ${opts.pointer.oid} is corrupt (its content hashes to ${hashes[0]}); run \`tslfs fsck\``);
  chain.forEach((pe, i) => {
    if (hashes[i + 1] !== pe.oid) throw new IntegrityError(`LFS extension ${pe.name} produced ${hashes[i + 1]}, expected ${pe.oid}`);
  });
}

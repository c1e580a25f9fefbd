/**
 * The built-in `lfs-standalone-file` transfer for file:// and local-path remotes: no server, no
 * batch call. The remote's LFS store is `<remote git dir>/lfs` (or the remote's lfs.storage),
 * with git-lfs's layout `objects/OID[0:2]/OID[2:4]/OID`, so a local remote written by git-lfs
 * works with tslfs and the reverse.
 *
 * Uploads: hard-link (or copy, hashing while copying) the local object into the remote's
 * `lfs/tmp`, check the hash, then rename into `objects/`: the remote never shows a partial or
 * wrong object. Downloads stream the remote object into the queue's ObjectWriter (which hashes
 * and renames). Remote objects that are symlinks or of the wrong size count as missing.
 * Safe for concurrent use by several workers and processes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { TransferError, TslfsError } from '../errors/TslfsError.js';
import type { TransferDirection } from '../events/TransferEvents.js';
import { git, type Env } from '../git/exec.js';
import { STANDALONE_FILE_AGENT } from '../http/endpoint.js';
import { hashFile, objectRelPath } from '../store/LfsStore.js';
import type { AdapterRequest, BatchReply, Batcher, ByteSink, ProgressFn, TransferAdapter, TransferItem } from './types.js';

/** Env without the variables that would make git look at our repository instead of the remote. */
function remoteEnv(env: Env): Env {
  const out: Record<string, string | undefined> = { ...env };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_PREFIX']) {
    delete out[k];
  }
  return out;
}

/**
 * The LFS dir of the repository at `path` (bare: the path itself; non-bare: `<path>/.git`).
 * Throws a TslfsError when the path is not a git repository.
 */
export async function remoteLfsDir(path: string, env: Env): Promise<string> {
  const st = await stat(path).catch(() => null);
  if (!st?.isDirectory()) throw new TslfsError(`Remote repository ${path} does not exist or is not a directory`, { code: 'ENOREMOTE' });
  const r = await git(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: path, env: remoteEnv(env), allowFailure: true });
  const gitDir = r.status === 0 ? r.stdout.toString('utf8').trim() : '';
  if (!gitDir) throw new TslfsError(`Remote ${path} is not a Git repository`, { code: 'ENOREMOTE' });
  const s = await git(['config', '--file', join(gitDir, 'config'), '--get', 'lfs.storage'], { cwd: path, env: remoteEnv(env), allowFailure: true });
  const storage = s.status === 0 ? s.stdout.toString('utf8').trim() : '';
  if (storage) return isAbsolute(storage) ? storage : resolve(gitDir, storage);
  return join(gitDir, 'lfs');
}

function tmpName(oid: string): string {
  return `${oid}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

export class StandaloneFileAdapter implements TransferAdapter, Batcher {
  readonly name = STANDALONE_FILE_AGENT;
  private lfsDirP: Promise<string> | null = null;

  constructor(
    private readonly remotePath: string,
    private readonly env: Env,
  ) {}

  /** The remote's LFS dir (resolved once). */
  lfsDir(): Promise<string> {
    this.lfsDirP ??= remoteLfsDir(this.remotePath, this.env);
    return this.lfsDirP;
  }

  private async remoteObject(oid: string): Promise<string> {
    return join(await this.lfsDir(), 'objects', objectRelPath(oid));
  }

  /** True when the remote has the object (a regular file of the right size). */
  async has(oid: string, size: number): Promise<boolean> {
    const st = await lstat(await this.remoteObject(oid)).catch(() => null);
    return Boolean(st?.isFile() && st.size === size);
  }

  /** No server to ask: every object gets a null action; uploads the remote already has are skipped. */
  async batch(direction: TransferDirection, objects: readonly TransferItem[]): Promise<BatchReply> {
    await this.lfsDir();
    const out = [];
    for (const o of objects) {
      if (direction === 'upload' && (await this.has(o.oid, o.size))) out.push({ oid: o.oid, action: null, skip: true });
      else out.push({ oid: o.oid, action: null });
    }
    return { transfer: STANDALONE_FILE_AGENT, objects: out };
  }

  async download(req: AdapterRequest, out: ByteSink, onProgress: ProgressFn, signal?: AbortSignal): Promise<void> {
    const src = await this.remoteObject(req.oid);
    const st = await lstat(src).catch(() => null);
    if (!st || !st.isFile() || st.size !== req.size) {
      throw new TransferError(`[0] remote missing object ${req.oid}`, { code: 'EREMOTEMISSING', status: 404 });
    }
    // Continue after whatever an earlier attempt left in incomplete/ (the writer re-hashes it).
    const start = out.offset !== undefined && out.offset > 0 && out.offset < req.size ? out.offset : 0;
    let n = start;
    for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20, signal, start })) {
      await out.write(chunk as Buffer);
      n += (chunk as Buffer).length;
      onProgress(n);
    }
  }

  async upload(req: AdapterRequest, localPath: string, onProgress: ProgressFn, signal?: AbortSignal): Promise<void> {
    const lfs = await this.lfsDir();
    const dest = await this.remoteObject(req.oid);
    if (await this.has(req.oid, req.size)) {
      onProgress(req.size);
      return;
    }
    const tmpDir = join(lfs, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, tmpName(req.oid));
    try {
      let oid: string;
      let size: number;
      const linked = await link(localPath, tmp).then(
        () => true,
        () => false,
      );
      if (linked) {
        size = (await lstat(tmp)).size;
        oid = size === req.size ? await hashFile(tmp) : '';
        onProgress(size);
      } else {
        const h = createHash('sha256');
        size = 0;
        const tap = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            h.update(chunk);
            size += chunk.length;
            onProgress(size);
            cb(null, chunk);
          },
        });
        const opts = signal ? { signal } : {};
        await pipeline(createReadStream(localPath, { highWaterMark: 1 << 20 }), tap, createWriteStream(tmp, { flags: 'wx' }), opts);
        oid = h.digest('hex');
      }
      if (oid !== req.oid || size !== req.size) {
        throw new TslfsError(`[${req.oid}] local object is corrupt (got ${oid || 'wrong size'} after ${size} bytes); not uploaded`, { code: 'ECORRUPTLOCAL' });
      }
      await mkdir(join(lfs, 'objects', req.oid.slice(0, 2), req.oid.slice(2, 4)), { recursive: true });
      await rename(tmp, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !(await lstat(localPath).catch(() => null))) {
        throw new TslfsError(`[${req.oid}] Unable to find source for object ${req.oid}`, { code: 'EOBJMISSING' });
      }
      throw e;
    } finally {
      await rm(tmp, { force: true }).catch(() => {});
    }
  }
}

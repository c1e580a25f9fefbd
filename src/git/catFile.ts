/**
 * Bulk object reads through one `git cat-file` process: `--batch-check` for types and sizes,
 * `--batch` for contents. Input is written while output is parsed, so any number of objects
 * streams through two pipes without buffering the whole list's output.
 *
 * Only use readObjects() for objects you know are small (pointer candidates, < 1024 bytes): it
 * buffers each object's content.
 */
import { spawnGit, type Env } from './exec.js';
import { GitError } from '../errors/TslfsError.js';

export interface ObjectInfo {
  oid: string;
  type: string;
  size: number;
}

export interface ObjectContent extends ObjectInfo {
  data: Buffer;
}

async function* runBatch(mode: '--batch' | '--batch-check', oids: Iterable<string>, cwd: string, env: Env): AsyncGenerator<ObjectContent | { oid: string; missing: true }> {
  const child = spawnGit(['cat-file', mode], { cwd, env });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  child.stdin!.on('error', () => {});
  // Feed the oids with backpressure, concurrently with reading.
  const feeding = (async () => {
    for (const oid of oids) {
      if (!child.stdin!.write(oid + '\n')) await new Promise<void>((r) => child.stdin!.once('drain', r));
    }
    child.stdin!.end();
  })();
  let buf: Buffer = Buffer.alloc(0);
  const it = child.stdout![Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const need = async (n: number): Promise<boolean> => {
    while (buf.length < n) {
      const r = await it.next();
      if (r.done) return false;
      buf = buf.length === 0 ? r.value : Buffer.concat([buf, r.value]);
    }
    return true;
  };
  for (;;) {
    let nl = buf.indexOf(10);
    while (nl < 0) {
      const r = await it.next();
      if (r.done) {
        await feeding.catch(() => {});
        const code = await exited;
        if (code !== 0) throw new GitError(['cat-file', mode], code, stderr);
        return;
      }
      buf = buf.length === 0 ? r.value : Buffer.concat([buf, r.value]);
      nl = buf.indexOf(10);
    }
    const header = buf.toString('utf8', 0, nl);
    buf = buf.subarray(nl + 1);
    const parts = header.split(' ');
    if (parts[1] === 'missing' || parts[1] === 'ambiguous') {
      yield { oid: parts[0]!, missing: true };
      continue;
    }
    const [oid, type, sizeStr] = parts as [string, string, string];
    const size = Number(sizeStr);
    if (mode === '--batch-check') {
      yield { oid, type, size, data: Buffer.alloc(0) };
      continue;
    }
    if (!(await need(size + 1))) throw new GitError(['cat-file', mode], null, 'truncated cat-file output');
    const data = Buffer.from(buf.subarray(0, size));
    buf = buf.subarray(size + 1);
    yield { oid, type, size, data };
  }
}

/** Types and sizes. Missing objects are skipped. */
export async function* checkObjects(oids: Iterable<string>, cwd: string, env: Env): AsyncGenerator<ObjectInfo> {
  for await (const o of runBatch('--batch-check', oids, cwd, env)) {
    if ('missing' in o) continue;
    yield { oid: o.oid, type: o.type, size: o.size };
  }
}

/** Contents of (small) objects, in input order. Missing objects are skipped. */
export async function* readObjects(oids: Iterable<string>, cwd: string, env: Env): AsyncGenerator<ObjectContent> {
  for await (const o of runBatch('--batch', oids, cwd, env)) {
    if ('missing' in o) continue;
    yield o;
  }
}

/**
 * Stream git objects through SHA-256 with one `git cat-file --batch` process: for each oid, its
 * type, size, the SHA-256 of its content, and the content itself only when it is smaller than
 * `keepBelow` bytes (pointer candidates). Object data is never buffered whole beyond that
 * limit, so any blob size is fine. Missing objects are reported, not skipped, because callers
 * (status) print them.
 */
import { createHash } from 'node:crypto';
import { spawnGit, type Env } from './exec.js';
import { GitError } from '../errors/TslfsError.js';

export type HashedObject =
  | { oid: string; missing: true }
  | { oid: string; missing: false; type: string; size: number; sha256: string; data: Buffer | null };

/** In input order. Throws GitError if cat-file fails or its output is cut short. */
export async function* hashObjects(oids: Iterable<string>, opts: { cwd: string; env: Env; keepBelow: number }): AsyncGenerator<HashedObject> {
  const child = spawnGit(['cat-file', '--batch'], { cwd: opts.cwd, env: opts.env });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  child.stdin!.on('error', () => {});
  const feeding = (async () => {
    for (const oid of oids) {
      // One oid per line: a newline inside an "oid" would forge a second request.
      const clean = oid.replace(/[\r\n]/g, '');
      if (!child.stdin!.write(clean + '\n')) await new Promise<void>((r) => child.stdin!.once('drain', r));
    }
    child.stdin!.end();
  })();
  const it = child.stdout![Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buf: Buffer = Buffer.alloc(0);
  const more = async (): Promise<boolean> => {
    const r = await it.next();
    if (r.done) return false;
    buf = buf.length === 0 ? r.value : Buffer.concat([buf, r.value]);
    return true;
  };
  try {
    for (;;) {
      let nl = buf.indexOf(10);
      while (nl < 0) {
        if (!(await more())) {
          await feeding.catch(() => {});
          const code = await exited;
          if (code !== 0 || buf.length > 0) throw new GitError(['cat-file', '--batch'], code, stderr || 'truncated cat-file output');
          return;
        }
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
      const h = createHash('sha256');
      const keep = size < opts.keepBelow;
      const kept: Buffer[] = [];
      let left = size;
      while (left > 0) {
        if (buf.length === 0 && !(await more())) throw new GitError(['cat-file', '--batch'], null, 'truncated cat-file output');
        const take = Math.min(left, buf.length);
        const piece = buf.subarray(0, take);
        h.update(piece);
        if (keep) kept.push(Buffer.from(piece));
        buf = buf.subarray(take);
        left -= take;
      }
      // The LF that ends each object's content.
      while (buf.length === 0) if (!(await more())) throw new GitError(['cat-file', '--batch'], null, 'truncated cat-file output');
      buf = buf.subarray(1);
      yield { oid, missing: false, type, size, sha256: h.digest('hex'), data: keep ? Buffer.concat(kept) : null };
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

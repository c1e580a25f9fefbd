/**
 * `pointer`: build the pointer for a file, compare it with a pointer made elsewhere (a file or
 * stdin), or check whether some bytes are a (canonical) pointer. Works outside a repository.
 * Returns what to show instead of printing; the CLI renders it as git-lfs does. Throws
 * UsageError for invalid flag combinations and PointerInputError for unreadable files.
 */
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError, TslfsError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import {
  checkVerdict,
  decodeCandidate,
  gitBlobOid,
  pointerForFile,
  readBoundedFile,
  readBoundedStream,
} from '../ops/pointerCheck.js';

export interface PointerOptions {
  cwd: string;
  env: Env;
  /** --file: a file to build the pointer from (relative to cwd). */
  file?: string;
  /** --pointer: a file holding a pointer to compare with. */
  pointer?: string;
  /** --stdin: read the pointer to compare (or check) from this stream. */
  stdin?: Readable;
  check?: boolean;
  strict?: boolean;
  noStrict?: boolean;
}

export interface BuiltPointer {
  path: string;
  text: string;
  /** Set when there is something to compare with. */
  blobOid?: string;
}

export interface OtherPointer {
  /** The --pointer path, or "STDIN". */
  source: string;
  /** The bytes read (at most 1024) when they decoded as a pointer. */
  raw?: Buffer;
  /** Why they are not a pointer. */
  error?: string;
  blobOid?: string;
}

export type PointerResult =
  | { mode: 'check'; exitCode: 0 | 1 | 2 }
  | {
      mode: 'build';
      built?: BuiltPointer;
      /** An error found after the built pointer was shown (git-lfs's order). */
      lateError?: string;
      other?: OtherPointer;
      /** Both sides present and the blobs differ. */
      mismatch?: boolean;
      /** Neither --file, --pointer nor --stdin. */
      nothingToDo?: boolean;
      exitCode: number;
    };

export async function pointer(opts: PointerOptions): Promise<PointerResult> {
  const abs = (p: string) => resolve(opts.cwd, p);
  if (opts.check) {
    if (opts.pointer !== undefined) throw new UsageError('Cannot combine --check with --compare');
    if (opts.strict && opts.noStrict) throw new UsageError('Cannot combine --strict with --no-strict');
    if (opts.file === undefined && !opts.stdin) throw new UsageError('Must specify either --file or --stdin with --compare');
    if (opts.file !== undefined && opts.stdin) throw new UsageError('With --check, --file cannot be combined with --stdin');
    const bytes = opts.file !== undefined ? await readBoundedFile(abs(opts.file), undefined, 2, opts.file) : await readBoundedStream(opts.stdin!);
    return { mode: 'check', exitCode: checkVerdict(bytes, Boolean(opts.strict)) };
  }
  const comparing = opts.pointer !== undefined || Boolean(opts.stdin);
  const res: PointerResult & { mode: 'build' } = { mode: 'build', exitCode: 0 };
  if (opts.file !== undefined) {
    const { text } = await pointerForFile(abs(opts.file), 1, opts.file);
    res.built = { path: opts.file, text };
    if (comparing) res.built.blobOid = await gitBlobOid(Buffer.from(text, 'utf8'), opts.cwd, opts.env);
  }
  if (!comparing) {
    if (!res.built) {
      res.nothingToDo = true;
      res.exitCode = 1;
    }
    return res;
  }
  if (opts.pointer !== undefined && opts.stdin) {
    res.lateError = 'cannot read from STDIN and --pointer';
    res.exitCode = 1;
    return res;
  }
  const source = opts.pointer ?? 'STDIN';
  const bytes = opts.pointer !== undefined ? await readBoundedFile(abs(opts.pointer), undefined, 1, opts.pointer) : await readBoundedStream(opts.stdin!);
  res.other = { source };
  try {
    decodeCandidate(bytes);
  } catch (e) {
    if (!(e instanceof TslfsError)) throw e;
    res.other.error = e.message;
    res.exitCode = 1;
    return res;
  }
  res.other.raw = bytes.data;
  if (res.built) {
    res.other.blobOid = await gitBlobOid(bytes.data, opts.cwd, opts.env);
    if (res.other.blobOid !== res.built.blobOid) {
      res.mismatch = true;
      res.exitCode = 1;
    }
  }
  return res;
}

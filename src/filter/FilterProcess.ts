/**
 * git's long-running filter protocol, version 2 (gitattributes(5) "Long Running Filter
 * Process"), with the clean, smudge and delay capabilities.
 *
 * Contracts:
 * - stdout (`output`) carries protocol only; messages go to `log` (stderr in the CLI).
 * - Every request is read completely before its response starts (git does not read our output
 *   while it writes content), so content is processed as it arrives and only pass-through
 *   content is spooled (bounded memory, then a temp file).
 * - clean answers only after the object is stored: a storage failure is `status=error` and git
 *   records nothing. (git-lfs answers success first and reports the error in the trailing
 *   list; answering late is equally valid and simpler to get right.)
 * - A malformed or truncated packet, EOF inside a request, an unknown command or a second
 *   handshake ends the run with a ProtocolError in the result (never a hang: EOF always
 *   resolves the reader). `pathname` is used for messages, matching and extension %f only;
 *   it is never opened.
 */
import type { Readable, Writable } from 'node:stream';
import { ProtocolError, TslfsError } from '../errors/TslfsError.js';
import { encodePointerBuffer, type Pointer } from '../model/pointer.js';
import { PktReader, type Packet, type PktTextEncoding } from '../model/pktline.js';
import { FdPktReader } from './FdPktReader.js';
import { cleanContent } from './cleanContent.js';
import { DelayQueue } from './DelayQueue.js';
import type { FilterSettings } from './FilterSettings.js';
import { PktWriter } from './PktWriter.js';
import { missingMessage, planSmudge, readSmallObject, readSmudgeInput, SMALL_OBJECT, writeObject } from './smudgeContent.js';
import { Spool } from './Spool.js';

/** What the loop reads packets from: PktReader (a stream) or FdPktReader (a descriptor). */
export interface PacketSource {
  read(): Promise<Packet | null>;
  readTextList(maxLines?: number, encoding?: PktTextEncoding): Promise<string[] | null>;
}

export interface FilterProcessOptions {
  /** git's side: a stream, or (faster, see FdPktReader) the descriptor to read directly. */
  input: Readable | { fd: number; /** See FdPktReader: how long to poll git's pipe before blocking. */ spinMicros?: number };
  output: Writable;
  /** The descriptor behind `output` (git's pipe), for direct writes (see PktWriter). */
  outputFd?: number;
  settings: FilterSettings;
  /** One human-readable line per problem with a single file (the CLI prints it to stderr). */
  log: (line: string) => void;
  /** Told when git starts and stops waiting on a download (the CLI's progress line). */
  waitHooks?: FilterWaitHooks;
}

/**
 * Brackets every stretch during which git is blocked waiting for this filter to download
 * something (list_available_blobs while delayed objects are outstanding, a smudge that must
 * fetch first, a re-requested path whose fetch is still running). git writes nothing to stderr
 * then, so a progress line may be shown; resuming() must have erased it before we answer.
 */
export interface FilterWaitHooks {
  waiting(): void;
  resuming(): Promise<void>;
}

export interface FilterProcessResult {
  /** Paths smudged that should have been pointers but were not (git-lfs's end-of-run warning). */
  malformed: string[];
  /** Why the run ended early (protocol violation or lost peer), or null after a clean EOF. */
  error: TslfsError | null;
}

const MAX_HEADER_LINES = 64;

/** The content packets of one request, up to its flush. drain() works after a partial read. */
class ContentReader implements AsyncIterator<Buffer>, AsyncIterable<Buffer> {
  private finished = false;
  constructor(private readonly reader: PacketSource) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Buffer>> {
    if (this.finished) return { done: true, value: undefined };
    const p = await this.reader.read();
    if (p === null) throw new ProtocolError('unexpected end of input inside file content');
    if (p.kind === 'flush') {
      this.finished = true;
      return { done: true, value: undefined };
    }
    if (p.kind !== 'data') throw new ProtocolError(`unexpected ${p.kind} packet inside file content`);
    return { done: false, value: p.data };
  }

  /** for-await's early exit must not end the content: drain() still needs to consume it. */
  async return(): Promise<IteratorResult<Buffer>> {
    return { done: true, value: undefined };
  }

  async drain(): Promise<void> {
    while (!(await this.next()).done) {
      /* discard */
    }
  }
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function runFilterProcess(opts: FilterProcessOptions): Promise<FilterProcessResult> {
  const w = new PktWriter(opts.output, opts.outputFd);
  const s = opts.settings;
  const malformed: string[] = [];
  let queue: DelayQueue | null = null;
  // Block on git's pipe only while no delayed download needs the event loop.
  const reader: PacketSource = 'fd' in opts.input ? new FdPktReader(opts.input.fd, () => queue !== null && queue.busy, opts.input.spinMicros) : new PktReader(opts.input);
  const hooks = opts.waitHooks;
  /** Run `f` as a wait of git's on us (see FilterWaitHooks). */
  const waitFor = async <T>(f: () => Promise<T>): Promise<T> => {
    if (!hooks) return f();
    hooks.waiting();
    try {
      return await f();
    } finally {
      await hooks.resuming();
    }
  };

  const respondError = async (): Promise<void> => {
    w.discard();
    w.list(['status=error']);
    await w.send();
  };

  const respondContent = async (content: Buffer): Promise<void> => {
    w.list(['status=success']);
    if (content.length > 0) await w.data(content);
    w.flush();
    w.flush();
    await w.send();
  };

  /** status=success, the object's bytes, then an empty or error trailing list. */
  const respondObject = async (p: Pointer, path: string): Promise<void> => {
    if (p.extensions.length === 0 && p.size <= SMALL_OBJECT) {
      // The common case of a checkout of many small files: read, frame and send in one go.
      let data: Buffer;
      try {
        data = readSmallObject(s, p.oid, p.size);
        if (data.length !== p.size) throw new TslfsError(`LFS object ${p.oid} changed size while being read (${data.length} != ${p.size} bytes)`);
      } catch (e) {
        opts.log(`Error smudging ${path} (${p.oid.slice(0, 7)}): ${errMessage(e)}`);
        return respondError();
      }
      w.list(['status=success']);
      w.dataNow(data);
      w.flush();
      w.flush();
      return w.send();
    }
    w.list(['status=success']);
    try {
      await writeObject(p, path, s, (c) => w.data(c));
    } catch (e) {
      if (w.failed) throw e;
      opts.log(`Error smudging ${path} (${p.oid.slice(0, 7)}): ${errMessage(e)}`);
      w.flush();
      w.list(['status=error']);
      await w.send();
      return;
    }
    w.flush();
    w.flush();
    await w.send();
  };

  const respondMissing = async (p: Pointer, path: string, cause?: unknown): Promise<void> => {
    opts.log(missingMessage(path, p.oid, cause));
    if (s.skipDownloadErrors) await respondContent(encodePointerBuffer(p));
    else await respondError();
  };

  const handleClean = async (path: string, content: ContentReader): Promise<void> => {
    let pointer: Buffer | null = null;
    let failure: unknown = null;
    try {
      pointer = (await cleanContent({ store: s.store, input: content, path, extensions: s.extensions, cwd: s.cwd, env: s.env })).pointer;
    } catch (e) {
      if (e instanceof ProtocolError) throw e;
      failure = e;
    }
    await content.drain();
    if (pointer === null) {
      opts.log(`Error cleaning LFS object for ${path}: ${errMessage(failure)}`);
      await respondError();
      return;
    }
    await respondContent(pointer);
  };

  /** `wirePath`: the pathname exactly as git sent it (latin1, one char per byte); the delay queue's key. */
  const handleSmudge = async (path: string, wirePath: string, canDelay: boolean, content: ContentReader): Promise<void> => {
    const input = await readSmudgeInput(content);
    if (input.kind === 'passthrough') {
      const spool = new Spool(s.store.layout.tmpDir);
      try {
        let failure: unknown = null;
        try {
          await spool.write(input.head);
        } catch (e) {
          failure = e;
        }
        if (input.rest) {
          for (;;) {
            const r = await input.rest.next();
            if (r.done) break;
            if (failure === null) await spool.write(r.value).catch((e: unknown) => (failure = e));
          }
        }
        await content.drain();
        if (failure !== null) {
          opts.log(`Error smudging ${path}: ${errMessage(failure)}`);
          await respondError();
          return;
        }
        malformed.push(path);
        w.list(['status=success']);
        try {
          for await (const c of spool.read()) await w.data(c);
        } catch (e) {
          if (w.failed) throw e;
          opts.log(`Error smudging ${path}: ${errMessage(e)}`);
          w.flush();
          w.list(['status=error']);
          await w.send();
          return;
        }
        w.flush();
        w.flush();
        await w.send();
      } finally {
        await spool.dispose();
      }
      return;
    }
    await content.drain();
    let p: Pointer = input.pointer;
    if (p.size === 0 && queue) {
      // git re-sends a delayed path with empty content once list_available_blobs named it.
      const q = queue;
      const entry = await waitFor(() => q.take(wirePath));
      if (entry) {
        p = entry.pointer;
        if (entry.error) return respondMissing(p, path, entry.error);
        // The fetch succeeded: the object was verified into the store (a read failure from here
        // on is answered with status=error by respondObject).
        return respondObject(p, path);
      }
    }
    let plan;
    try {
      plan = await planSmudge(p, path, s);
    } catch (e) {
      opts.log(`Error smudging ${path} (${p.oid.slice(0, 7)}): ${errMessage(e)}`);
      return respondError();
    }
    switch (plan) {
      case 'empty':
        return respondContent(Buffer.alloc(0));
      case 'skip':
      case 'excluded':
        return respondContent(encodePointerBuffer(p));
      case 'local':
        return respondObject(p, path);
      case 'missing':
        break;
    }
    if (canDelay && queue) {
      queue.delay(wirePath, p, path);
      w.list(['status=delayed']);
      await w.send();
      return;
    }
    if (s.fetcher) {
      const fetcher = s.fetcher;
      try {
        await waitFor(() => fetcher.fetch({ oid: p.oid, size: p.size, path }));
      } catch (e) {
        return respondMissing(p, path, e);
      }
      return respondObject(p, path);
    }
    return respondMissing(p, path);
  };

  const handleListAvailable = async (): Promise<void> => {
    const q = queue;
    const paths = q ? await waitFor(() => q.available()) : [];
    for (const p of paths) w.textBytes(`pathname=${p}`);
    w.flush();
    w.list([queue ? 'status=success' : 'status=error']);
    await w.send();
  };

  try {
    const hello = await reader.readTextList(MAX_HEADER_LINES);
    if (hello === null) return { malformed, error: null };
    if (hello[0] !== 'git-filter-client' || !hello.slice(1).includes('version=2')) {
      throw new ProtocolError(`unsupported handshake ${JSON.stringify(hello.join(' ').slice(0, 200))} (need git-filter-client, version=2)`);
    }
    w.list(['git-filter-server', 'version=2']);
    await w.send();
    const caps = await reader.readTextList(MAX_HEADER_LINES);
    if (caps === null) throw new ProtocolError('unexpected end of input in the capability list');
    if (!caps.includes('capability=clean') || !caps.includes('capability=smudge')) {
      throw new ProtocolError('git did not offer the clean and smudge capabilities');
    }
    const delay = caps.includes('capability=delay');
    w.list(['capability=clean', 'capability=smudge', ...(delay ? ['capability=delay'] : [])]);
    await w.send();
    if (delay && s.fetcher) queue = new DelayQueue(s.fetcher);

    for (;;) {
      // latin1: a pathname is raw bytes (git does not require UTF-8 file names); it is echoed
      // back byte for byte (list_available_blobs) and decoded as UTF-8 only for display.
      const header = await reader.readTextList(MAX_HEADER_LINES, 'latin1');
      if (header === null) break;
      const kv = new Map<string, string>();
      for (const line of header) {
        const eq = line.indexOf('=');
        if (eq <= 0) {
          await respondError();
          throw new ProtocolError(`malformed request line ${JSON.stringify(line.slice(0, 80))}`);
        }
        if (!kv.has(line.slice(0, eq))) kv.set(line.slice(0, eq), line.slice(eq + 1));
      }
      const command = kv.get('command');
      const wirePath = kv.get('pathname') ?? '';
      const path = Buffer.from(wirePath, 'latin1').toString('utf8');
      if (command === 'clean' || command === 'smudge') {
        const content = new ContentReader(reader);
        if (!kv.has('pathname')) {
          await content.drain();
          opts.log(`filter request without a pathname (command=${command})`);
          await respondError();
          continue;
        }
        if (command === 'clean') await handleClean(path, content);
        // can-delay=1 without a negotiated delay capability is ignored: the file is smudged now.
        else await handleSmudge(path, wirePath, kv.get('can-delay') === '1' && delay, content);
      } else if (command === 'list_available_blobs') {
        await handleListAvailable();
      } else {
        await respondError();
        throw new ProtocolError(`unknown command ${JSON.stringify((command ?? header[0] ?? '').slice(0, 80))}`);
      }
    }
    return { malformed, error: null };
  } catch (e) {
    if (e instanceof TslfsError) return { malformed, error: e };
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || w.failed) return { malformed, error: new TslfsError(`filter output closed: ${errMessage(e)}`, { code: 'EPIPE' }) };
    throw e;
  }
}

/** git-lfs's end-of-run warning about non-pointer content at LFS paths. */
export function malformedWarning(paths: readonly string[], quote: (p: string) => string): string {
  if (paths.length === 0) return '';
  const head =
    paths.length === 1
      ? `Encountered 1 file that should have been a pointer, but wasn't:\n`
      : `Encountered ${paths.length} files that should have been pointers, but weren't:\n`;
  return head + paths.map((p) => `\t${quote(p)}\n`).join('');
}

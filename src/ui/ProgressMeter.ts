/**
 * git-lfs's transfer meter: `Downloading LFS objects:  42% (5/12), 3.1 MB | 1.2 MB/s`,
 * redrawn in place (`\r` + text, padded over the previous one) at most every 200 ms while
 * `live` (a terminal, GIT_LFS_FORCE_PROGRESS or lfs.forceprogress), then one final line ending
 * `, done.`; plus, when GIT_LFS_PROGRESS names an absolute path, one appended line per update,
 * in git-lfs's format:
 *   `<download|upload> <idx>/<total files> <bytes so far>/<object size> <name>` per transfer
 *   update, and `checkout <idx>/<total files> <file bytes>/<bytes so far> <name>` per file
 *   checked out.
 *
 * Fed by TransferEvents (`listener`) or, for work that is not a transfer (checkout, prune's
 * deletions), by setTotal()/fileDone(). Never touches process streams itself (the caller
 * passes the write function). Not safe to share between two concurrent transfers.
 */
import { appendFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { TransferEvent, TransferListener } from '../events/TransferEvents.js';
import { formatBytes, formatRate, type SummaryVerb } from './transferSummary.js';

export interface ProgressMeterOptions {
  verb: SummaryVerb | string;
  /** The whole label before the colon (default `<verb> LFS objects`). */
  label?: string;
  /** Show only the counts (`prune: Deleting objects:  50% (1/2)`), no bytes or rate. */
  counterOnly?: boolean;
  /** Redraw a live line (stderr is a terminal, or progress is forced). */
  live: boolean;
  write: (text: string) => void;
  /** GIT_LFS_PROGRESS: an absolute path that gets one line per update. */
  progressFile?: string | undefined;
  now?: () => number;
  intervalMs?: number;
}

interface ObjectState {
  name: string;
  size: number;
  /** 1-based position in start order (GIT_LFS_PROGRESS's idx), 0 until it starts. */
  index: number;
  bytes: number;
  logged: number;
}

export class ProgressMeter {
  private total = 0;
  private done = 0;
  private bytesDone = 0;
  private started = 0;
  private readonly objects = new Map<string, ObjectState>();
  private readonly start: number;
  private lastDraw = 0;
  private lastLen = 0;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly progressFile: string | undefined;
  private finished = false;
  private live: boolean;

  readonly listener: TransferListener = (e) => this.onEvent(e);

  constructor(private readonly opts: ProgressMeterOptions) {
    this.now = opts.now ?? Date.now;
    this.start = this.now();
    this.lastDraw = this.start; // first draw after one interval: quick transfers show only the final line
    this.interval = opts.intervalMs ?? 200;
    this.live = opts.live;
    this.progressFile = opts.progressFile && isAbsolute(opts.progressFile) ? opts.progressFile : undefined;
  }

  /** Start the redraw interval afresh: the next draw comes one interval from now. */
  resetThrottle(): void {
    this.lastDraw = this.now();
  }

  /** Turn live redraws on or off (e.g. once lfs.forceprogress has been read). */
  setLive(live: boolean): void {
    if (!live) this.clear();
    this.live = live;
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Bytes moved (or checked out) so far. */
  get bytes(): number {
    return this.bytesDone;
  }

  /** Milliseconds since the meter was created. */
  get elapsedMs(): number {
    return this.now() - this.start;
  }

  /** Objects counted so far (queued transfers, or setTotal()). */
  get count(): number {
    return this.total;
  }

  /** The current line, without `\r` or `, done.`. */
  line(): string {
    const pct = this.total === 0 ? 100 : Math.floor((this.done * 100) / this.total);
    const head = `${this.opts.label ?? `${this.opts.verb} LFS objects`}: ${String(pct).padStart(3)}% (${this.done}/${this.total})`;
    if (this.opts.counterOnly) return head;
    return `${head}, ${formatBytes(this.bytesDone)} | ${formatRate(this.bytesDone, this.now() - this.start)}`;
  }

  /** Redraw now if live and the interval has passed (or `force`). */
  redraw(force = false): void {
    if (!this.live || this.finished) return;
    const now = this.now();
    if (!force && now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    const text = this.line();
    const pad = this.lastLen > text.length ? ' '.repeat(this.lastLen - text.length) : '';
    this.lastLen = text.length;
    this.opts.write(`\r${text}${pad}`);
  }

  /** Whether a live line is on screen (drawn and not cleared). */
  get drawn(): boolean {
    return this.lastLen > 0;
  }

  /** Erase the live line, leaving the cursor at the start of the (now blank) line. */
  clear(): void {
    if (this.lastLen === 0) return;
    this.opts.write(`\r${' '.repeat(this.lastLen)}\r`);
    this.lastLen = 0;
  }

  private append(line: string): void {
    if (!this.progressFile) return;
    try {
      appendFileSync(this.progressFile, line);
    } catch {
      /* a broken progress file must not break the work */
    }
  }

  private object(oid: string): ObjectState {
    let o = this.objects.get(oid);
    if (!o) {
      o = { name: oid, size: 0, index: 0, bytes: 0, logged: -1 };
      this.objects.set(oid, o);
    }
    return o;
  }

  private logTransfer(direction: string, o: ObjectState): void {
    if (o.index === 0) o.index = ++this.started;
    if (o.logged === o.bytes) return;
    o.logged = o.bytes;
    this.append(`${direction} ${o.index}/${this.total} ${o.bytes}/${o.size} ${o.name}\n`);
  }

  private onEvent(e: TransferEvent): void {
    switch (e.type) {
      case 'queued': {
        const o = this.object(e.oid);
        o.name = e.name;
        o.size = e.size;
        this.total++;
        break;
      }
      case 'progress': {
        const o = this.object(e.oid);
        this.bytesDone += e.bytesSoFar - o.bytes;
        o.bytes = e.bytesSoFar;
        this.logTransfer(e.direction, o);
        break;
      }
      case 'retry':
        break;
      case 'done': {
        const o = this.object(e.oid);
        this.done++;
        if (e.status === 'transferred') {
          this.bytesDone += e.size - o.bytes;
          o.bytes = e.size;
          this.logTransfer(e.direction, o);
        }
        break;
      }
    }
    this.redraw(e.type === 'done' && this.done === this.total);
  }

  /** Work that is not a transfer: how many items there are. */
  setTotal(n: number): void {
    this.total = n;
    this.redraw();
  }

  /**
   * One item finished (a checked-out file, a deleted object): `bytes` count towards the byte
   * total; `doneCount`, when given, is the authoritative number finished so far.
   */
  fileDone(name: string, bytes: number, doneCount?: number): void {
    this.done = doneCount ?? this.done + 1;
    this.bytesDone += bytes;
    if (name) this.append(`checkout ${this.done}/${this.total} ${bytes}/${this.bytesDone} ${name}\n`);
    this.redraw();
  }

  /** The final line (`..., done.\n`) for printing elsewhere; ends live drawing. */
  finalLine(): string {
    this.finished = true;
    return `${this.line()}, done.\n`;
  }

  /**
   * Print the final `, done.` line (replacing the live line) once, if anything was counted or
   * `always` is set.
   */
  finish(always = false): void {
    if (this.finished) return;
    this.finished = true;
    if (this.total === 0 && !always) {
      this.clear();
      return;
    }
    const text = `${this.line()}, done.`;
    const pad = this.lastLen > text.length ? ' '.repeat(this.lastLen - text.length) : '';
    this.opts.write(`${this.live ? '\r' : ''}${text}${pad}\n`);
    this.lastLen = 0;
  }
}

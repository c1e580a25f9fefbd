/**
 * git-lfs's transfer meter on stderr: `Downloading LFS objects:  42% (5/12), 3.1 MB | 1.2 MB/s`,
 * redrawn in place at most every 200 ms while `live` (a terminal, GIT_LFS_FORCE_PROGRESS or
 * lfs.forceprogress), then one final line ending `, done.`; plus, when GIT_LFS_PROGRESS names an
 * absolute path, one appended line per update:
 * `<download|upload|checkout> <idx>/<total> <bytesSoFar>/<totalBytes> <name>`.
 *
 * Receives TransferEvents only; never touches process streams itself (the caller passes the
 * write functions). Not safe to share between two concurrent transfers.
 */
import { appendFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { TransferTally, type TransferEvent, type TransferListener } from '../events/TransferEvents.js';
import { formatBytes, formatRate, type SummaryVerb } from './transferSummary.js';

export interface ProgressMeterOptions {
  verb: SummaryVerb;
  /** Redraw a live line (stderr is a terminal, or progress is forced). */
  live: boolean;
  write: (text: string) => void;
  /** GIT_LFS_PROGRESS: an absolute path that gets one line per update. */
  progressFile?: string | undefined;
  now?: () => number;
  intervalMs?: number;
}

export class ProgressMeter {
  private readonly tally = new TransferTally();
  private readonly start: number;
  private lastDraw = 0;
  private lastLen = 0;
  private fileIndex = 0;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly progressFile: string | undefined;
  private finished = false;

  readonly listener: TransferListener = (e) => this.onEvent(e);

  constructor(private readonly opts: ProgressMeterOptions) {
    this.now = opts.now ?? Date.now;
    this.start = this.now();
    this.lastDraw = this.start; // first draw after one interval: quick transfers show only the final line
    this.interval = opts.intervalMs ?? 200;
    this.progressFile = opts.progressFile && isAbsolute(opts.progressFile) ? opts.progressFile : undefined;
  }

  private line(): string {
    const t = this.tally;
    const total = t.queued;
    const done = t.finished;
    const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
    return `${this.opts.verb} LFS objects: ${String(pct).padStart(3)}% (${done}/${total}), ${formatBytes(t.bytesDone)} | ${formatRate(t.bytesDone, this.now() - this.start)}`;
  }

  private draw(force = false): void {
    if (!this.opts.live) return;
    const now = this.now();
    if (!force && now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    const text = this.line();
    const pad = this.lastLen > text.length ? ' '.repeat(this.lastLen - text.length) : '';
    this.lastLen = text.length;
    this.opts.write(`\r${text}${pad}`);
  }

  private onEvent(e: TransferEvent): void {
    this.tally.add(e);
    if (this.progressFile && (e.type === 'progress' || e.type === 'done')) {
      if (e.type === 'done') this.fileIndex++;
      const direction = e.direction;
      const name = e.type === 'done' ? e.name : e.oid;
      const soFar = e.type === 'done' ? e.size : e.bytesSoFar;
      const total = e.type === 'done' ? e.size : soFar;
      try {
        appendFileSync(this.progressFile, `${direction} ${this.fileIndex}/${this.tally.queued} ${soFar}/${total} ${name}\n`);
      } catch {
        /* a broken progress file must not break the transfer */
      }
    }
    this.draw(e.type === 'done' && this.tally.finished === this.tally.queued);
  }

  /**
   * Print the final `, done.` line (replacing the live line) once, if anything was queued or
   * `always` is set.
   */
  finish(always = false): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tally.queued === 0 && !always) return;
    const text = `${this.line()}, done.`;
    const pad = this.lastLen > text.length ? ' '.repeat(this.lastLen - text.length) : '';
    this.opts.write(`${this.opts.live ? '\r' : ''}${text}${pad}\n`);
  }
}

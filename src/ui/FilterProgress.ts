/**
 * A download meter for `filter-process` (git clone / checkout with delayed smudge), where
 * git-lfs shows nothing and the checkout "looks hung at Filtering content" (git-lfs #4696).
 *
 * The filter shares stderr with git, which draws its own progress lines ("Updating files",
 * "Filtering content") with `\r`. To never garble them, the meter is drawn only while git is
 * blocked waiting for this filter (between git's request and our answer, see FilterWaitHooks):
 * git's main thread writes nothing then. The line is drawn in place (`\r` + text) no sooner
 * than one interval into a wait (quick waits show nothing), redrawn every interval, and erased
 * (`\r` + spaces + `\r`) before the answer is written, so git continues on a clean line at
 * column 0. Nothing is ever written to stdout.
 *
 * Counts accumulate over the whole filter run: `Downloading LFS objects:  42% (5/12), ...`.
 */
import type { TransferListener } from '../events/TransferEvents.js';
import { ProgressMeter } from './ProgressMeter.js';

export interface FilterProgressOptions {
  /** Write to stderr; the callback fires once the bytes are handed to the OS. */
  write: (text: string, done: () => void) => void;
  now?: () => number;
  intervalMs?: number;
}

export class FilterProgress {
  private readonly meter: ProgressMeter;
  private timer: ReturnType<typeof setInterval> | null = null;
  private flushed: Promise<void> = Promise.resolve();
  private readonly interval: number;

  constructor(opts: FilterProgressOptions) {
    this.interval = opts.intervalMs ?? 200;
    this.meter = new ProgressMeter({
      verb: 'Downloading',
      live: false,
      write: (s) => {
        this.flushed = new Promise((resolve) => opts.write(s, resolve));
      },
      ...(opts.now ? { now: opts.now } : {}),
      intervalMs: this.interval,
    });
  }

  readonly listener: TransferListener = (e) => this.meter.listener(e);

  /** git is now waiting for us: the line may be drawn (after one interval). */
  waiting(): void {
    if (this.timer) return;
    this.meter.resetThrottle();
    this.meter.setLive(true);
    this.timer = setInterval(() => this.meter.redraw(), this.interval);
    this.timer.unref?.();
  }

  /** We are about to answer git: erase the line and wait until that reached stderr. */
  async resuming(): Promise<void> {
    this.stop();
    await this.flushed;
  }

  /** Erase the line now (before another stderr message, or at the end). */
  clear(): void {
    this.stop();
  }

  /** Whether a line is on screen (tests). */
  get drawn(): boolean {
    return this.meter.drawn;
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.meter.setLive(false);
  }
}

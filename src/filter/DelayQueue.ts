/**
 * Git's delayed checkout (filter-process `can-delay=1`): pathname -> pointer for every smudge
 * answered with status=delayed, plus the fetch running for it in the background.
 *
 * available() implements `list_available_blobs`: it waits until at least one delayed path has
 * settled (fetched or failed), then returns ALL settled, not yet listed paths at once; when
 * nothing is outstanding it returns [] (git then stops asking). Failed paths are listed too, so
 * git re-sends them and gets a proper error for each. Not safe for concurrent available() calls
 * (git sends one command at a time).
 */
import type { Pointer } from '../model/pointer.js';
import type { ObjectFetcher } from './ObjectFetcher.js';

interface Entry {
  pointer: Pointer;
  settled: boolean;
  error: unknown;
}

export class DelayQueue {
  private readonly entries = new Map<string, Entry>();
  /** Settled, not yet listed paths, in settling order (available() hands them out). */
  private readonly settledPaths: string[] = [];
  /** Current entries not settled yet. */
  private outstanding = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly fetcher: ObjectFetcher) {}

  get size(): number {
    return this.entries.size;
  }

  /** Fetches started and not settled yet (including those of replaced entries). */
  private inFlight = 0;

  /** True while some delayed fetch has not settled yet (its transfer needs the event loop). */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /**
   * Start fetching the object for `path` (re-delaying a path replaces its entry). `path` is the
   * key git uses (filter-process passes the raw pathname); `displayPath`, the name progress and
   * messages show, defaults to it.
   */
  delay(path: string, pointer: Pointer, displayPath: string = path): void {
    const e: Entry = { pointer, settled: false, error: undefined };
    const old = this.entries.get(path);
    if (old && !old.settled) this.outstanding--;
    this.entries.set(path, e);
    this.inFlight++;
    this.outstanding++;
    this.fetcher.fetch({ oid: pointer.oid, size: pointer.size, path: displayPath }).then(
      () => this.settle(path, e, undefined),
      (err: unknown) => this.settle(path, e, err ?? new Error('fetch failed')),
    );
  }

  private settle(path: string, e: Entry, err: unknown): void {
    this.inFlight--;
    e.settled = true;
    e.error = err;
    // A replaced entry's result is not listed: the current entry for the path will be.
    if (this.entries.get(path) === e) {
      this.outstanding--;
      this.settledPaths.push(path);
    }
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Cost is proportional to the paths returned, not to the queue's size. */
  async available(): Promise<string[]> {
    for (;;) {
      // Skip paths git already took early (and duplicates from a re-delayed path).
      const ready = [...new Set(this.settledPaths.splice(0))].filter((p) => this.entries.get(p)?.settled);
      if (ready.length > 0 || this.outstanding === 0) return ready;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /**
   * Take the entry for a path git re-requested (with empty content). Returns null for a path
   * that was never delayed; waits for a fetch git asked for early.
   */
  async take(path: string): Promise<{ pointer: Pointer; error: unknown } | null> {
    const e = this.entries.get(path);
    if (!e) return null;
    while (!e.settled) await new Promise<void>((r) => (this.wake = r));
    this.entries.delete(path);
    return { pointer: e.pointer, error: e.error };
  }
}

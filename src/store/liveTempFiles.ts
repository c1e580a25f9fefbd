/**
 * The temp files this process is writing right now, so that an interrupted run (SIGINT,
 * SIGTERM) can tidy up before it exits: a resumable download's bytes are kept as
 * `incomplete/<oid>.part` for the next run's Range request, anything else is deleted. Objects
 * never need this: they only appear by rename after verification.
 */
import { lstatSync, renameSync, unlinkSync } from 'node:fs';

const live = new Map<string, string | null>();

/** `partPath`: where the bytes may be kept for a resume (null: delete them). */
export function registerTempFile(tmpPath: string, partPath: string | null): void {
  live.set(tmpPath, partPath);
}

export function unregisterTempFile(tmpPath: string): void {
  live.delete(tmpPath);
}

/** Synchronous (safe in a signal handler); never throws. Returns how many files were handled. */
export function cleanupLiveTempFilesSync(): number {
  let n = 0;
  for (const [tmp, part] of live) {
    try {
      const st = lstatSync(tmp);
      if (part && st.isFile() && st.size > 0) renameSync(tmp, part);
      else unlinkSync(tmp);
      n++;
    } catch {
      /* already gone */
    }
  }
  live.clear();
  return n;
}

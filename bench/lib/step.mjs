// One timed, verified run of one lane of a measurement.
import { loadavg } from 'node:os';
import { timed, syncDisk } from './proc.mjs';

export const WARMUP = 'warm-up';

/**
 * Run `cmd args` timed and record it under (id, lane) for `rep`, but only if it exited 0 and
 * verify(result) returns nothing (verify returns a reason string, or throws, when the effect is
 * wrong). A failure marks the lane FAILED and later calls for it are skipped. rep === WARMUP
 * runs and verifies without recording. before() runs untimed first (e.g. removing the object
 * a clean will write); sync (default true) flushes the disk before the timed run.
 * Returns true when the run was good.
 */
export function measure(res, id, lane, rep, { cmd, args, opts = {}, before, verify, sync = true }) {
  if (res.isFailed(id, lane)) return false;
  try {
    before?.();
  } catch (e) {
    res.fail(id, lane, rep, `setup before the run failed: ${e.message}`);
    return false;
  }
  if (sync) syncDisk();
  const r = timed(cmd, args, opts);
  if (!r.ok) {
    res.fail(id, lane, rep, r.error);
    return false;
  }
  let why = null;
  try {
    why = verify ? verify(r) ?? null : null;
  } catch (e) {
    why = e.message;
  }
  if (why) {
    res.fail(id, lane, rep, `exit 0 but wrong result: ${why}`);
    return false;
  }
  if (rep !== WARMUP) res.add(id, lane, rep, { ...r, load1: loadavg()[0] });
  return true;
}

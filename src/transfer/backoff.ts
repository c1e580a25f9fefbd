/**
 * Retry settings and delays, as git-lfs: lfs.transfer.maxretries (default 8; <1 means 8),
 * delay 250 ms x 2^(n-1) capped at lfs.transfer.maxretrydelay seconds (default 10; <1 means 10).
 */
import type { Config } from '../config/Config.js';

export interface RetryPolicy {
  maxRetries: number;
  maxRetryDelayMs: number;
}

export const DEFAULT_BATCH_SIZE = 100;
export const DEFAULT_CONCURRENCY = 8;

export function retryPolicyFrom(config: Config): RetryPolicy {
  const r = config.getInt('lfs.transfer.maxretries', 8);
  const d = config.getInt('lfs.transfer.maxretrydelay', 10);
  return { maxRetries: r < 1 ? 8 : r, maxRetryDelayMs: (d < 1 ? 10 : d) * 1000 };
}

export interface QueueSettings extends RetryPolicy {
  batchSize: number;
  concurrency: number;
}

export function queueSettingsFrom(config: Config): QueueSettings {
  const b = config.getInt('lfs.transfer.batchsize', DEFAULT_BATCH_SIZE);
  const c = config.getInt('lfs.concurrenttransfers', DEFAULT_CONCURRENCY);
  return { ...retryPolicyFrom(config), batchSize: b < 1 ? DEFAULT_BATCH_SIZE : b, concurrency: c < 1 ? DEFAULT_CONCURRENCY : c };
}

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, maxDelayMs: number): number {
  const d = 250 * 2 ** Math.max(0, attempt - 1);
  return Math.min(d, maxDelayMs);
}

/** setTimeout as a promise; rejects with the signal's reason when aborted. */
export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

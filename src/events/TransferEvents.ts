/**
 * Typed events the transfer queue emits while it moves objects, and a small pure aggregator
 * that turns them into the totals a progress meter or a final summary line needs. Listeners are
 * called synchronously from the queue; they must not throw and should be cheap.
 */
export type TransferDirection = 'download' | 'upload';

export type ObjectStatus = 'transferred' | 'skipped' | 'failed';

export type TransferEvent =
  /** An object entered the queue (once per oid, however many paths share it). */
  | { type: 'queued'; direction: TransferDirection; oid: string; size: number; name: string }
  /** Bytes moved for one object; bytesSoFar restarts from 0 on a retry. */
  | { type: 'progress'; direction: TransferDirection; oid: string; bytesSoFar: number; bytesSinceLast: number }
  /** An attempt failed and another will be made after delayMs. */
  | { type: 'retry'; direction: TransferDirection; oid: string; attempt: number; delayMs: number; message: string }
  /** The object is finished: transferred, skipped (the other side already had it) or failed. */
  | { type: 'done'; direction: TransferDirection; oid: string; size: number; name: string; status: ObjectStatus; message?: string };

export type TransferListener = (e: TransferEvent) => void;

/** Running totals over TransferEvents (counts by object, bytes by progress). */
export class TransferTally {
  queued = 0;
  finished = 0;
  failed = 0;
  skipped = 0;
  totalBytes = 0;
  bytesDone = 0;
  private readonly perObject = new Map<string, number>();

  readonly listener: TransferListener = (e) => this.add(e);

  add(e: TransferEvent): void {
    switch (e.type) {
      case 'queued':
        this.queued++;
        this.totalBytes += e.size;
        break;
      case 'progress': {
        const before = this.perObject.get(e.oid) ?? 0;
        this.perObject.set(e.oid, e.bytesSoFar);
        this.bytesDone += e.bytesSoFar - before;
        break;
      }
      case 'retry':
        break;
      case 'done': {
        this.finished++;
        if (e.status === 'failed') this.failed++;
        if (e.status === 'skipped') this.skipped++;
        if (e.status === 'transferred') {
          const before = this.perObject.get(e.oid) ?? 0;
          this.perObject.set(e.oid, e.size);
          this.bytesDone += e.size - before;
        }
        break;
      }
    }
  }
}

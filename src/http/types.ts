/**
 * The shapes src/http produces for the transfer layer. They mirror src/transfer/types.ts
 * (Batcher, BatchReply, TransferAdapter, ...) structurally, because http/ (L1) may not import
 * from transfer/ (L2); TypeScript checks the match where the transfer layer plugs them in.
 */
export type Direction = 'download' | 'upload';

export interface HttpTransferItem {
  oid: string;
  size: number;
  name: string;
}

export interface HttpAction {
  href: string;
  header?: Record<string, string>;
  /** Epoch ms at which the action expires (isExpired() in batchReply.ts applies git-lfs's 5 s margin). */
  expiresAt?: number;
  /** The batch object said `"authenticated": true`: send no credentials with this action. */
  authenticated?: boolean;
}

export interface HttpBatchObjectReply {
  oid: string;
  action: HttpAction | null;
  verify?: HttpAction | null;
  skip?: boolean;
  error?: { code: number; message: string };
  /** `"authenticated": true`: storage requests go without credentials. */
  authenticated?: boolean;
}

export interface HttpBatchReply {
  transfer: string;
  objects: HttpBatchObjectReply[];
}

export interface HttpAdapterRequest extends HttpTransferItem {
  direction: Direction;
  action: HttpAction | null;
  verify?: HttpAction | null;
}

export interface HttpByteSink {
  write(chunk: Buffer): Promise<void>;
  /** Bytes of the object the sink already holds (a resumed part file); absent or 0: none. */
  readonly offset?: number;
}

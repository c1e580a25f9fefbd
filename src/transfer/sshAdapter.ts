/**
 * The pure SSH transfer protocol's batch step and adapter ("ssh"), over a SshTransferPool
 * (reference 4.5; git-lfs docs/proposals/ssh_adapter.md).
 *
 * batch: `batch`, args `transfer=ssh`, `hash-algo=sha256`, `refname=<ref>`, a delim, one
 * `<oid> <size>` line per object, a flush. Reply lines `<oid> <size> <action> [id= token=
 * expires-in= expires-at=]` are validated against what was asked: unknown oids are ignored,
 * a different size or an unknown action fails that object. Upload `noop`: the server has it
 * (skip); download `noop`: the object does not exist (404).
 *
 * download: `get-object <oid>` with size/id/token; the reply's `size=` must be the object's size;
 * data packets go straight into the store's writer (hashed there; nothing is buffered), at most
 * `size` bytes. A partial download kept from an earlier attempt (out.offset) skips that many
 * bytes of the stream (the protocol has no ranges). Non-2xx: retriable, with the server's text.
 * upload: `put-object <oid>` streams the store file; then `verify-object <oid>` (always, as
 * git-lfs does). 403 and 429 are retriable. Any protocol error marks the connection broken (the
 * pool replaces it) and is retriable.
 *
 * Locking over SSH (lock, list-lock, unlock) uses the same connections: src/lock/SshLockTransport.ts.
 */
import { createReadStream } from 'node:fs';
import { TransferError } from '../errors/TslfsError.js';
import type { TransferDirection } from '../events/TransferEvents.js';
import type { SshPktConnection } from '../ssh/SshPktConnection.js';
import { printable } from '../ssh/sshAuthenticate.js';
import type { AdapterRequest, BatchObjectReply, BatchReply, ByteSink, ProgressFn, TransferAction, TransferAdapter, TransferItem } from './types.js';

export const SSH_ADAPTER = 'ssh';

/** A batch action of the SSH protocol: the opaque id/token the server wants back. */
export interface SshAction extends TransferAction {
  id?: string;
  token?: string;
}

/** What SshBatcher and SshAdapter need of SshTransferPool. */
export interface ConnectionLender {
  use<T>(fn: (c: SshPktConnection) => Promise<T>): Promise<T>;
}

const VALUE = /^[A-Za-z0-9\-_.,?\\/{}[\]()<>!@#$%^&*+=:;]{1,4096}$/;

/** Parse the lines of a batch reply (pure). */
export function parseSshBatchLines(lines: readonly string[], asked: readonly TransferItem[], direction: TransferDirection, now: number): BatchObjectReply[] {
  const sizes = new Map(asked.map((o) => [o.oid, o.size]));
  const byOid = new Map<string, BatchObjectReply>();
  for (const line of lines) {
    const f = line.split(' ');
    if (f.length < 3) throw new TransferError(`batch response: malformed line ${JSON.stringify(printable(line.slice(0, 200)))}`, { code: 'EBATCH' });
    const [oid, sizeText, action] = f as [string, string, string];
    const want = sizes.get(oid);
    if (want === undefined) continue; // not asked: ignored
    let reply = byOid.get(oid);
    if (!reply) {
      reply = { oid, action: null };
      byOid.set(oid, reply);
    }
    if (reply.error) continue;
    if (!/^\d{1,16}$/.test(sizeText) || Number(sizeText) !== want) {
      reply.error = { code: 422, message: `the server reported size ${printable(sizeText.slice(0, 20))} for an object of ${want} bytes` };
      continue;
    }
    const a: SshAction = { href: '' };
    for (const kv of f.slice(3)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) continue;
      const k = kv.slice(0, eq);
      const v = kv.slice(eq + 1);
      if (k === 'id' || k === 'token') {
        if (!VALUE.test(v)) {
          reply.error = { code: 422, message: `the server sent an invalid ${k}` };
          break;
        }
        a[k] = v;
      } else if (k === 'expires-in' && /^-?\d{1,12}$/.test(v)) a.expiresAt = now + Number(v) * 1000;
      else if (k === 'expires-at' && !Number.isNaN(Date.parse(v))) a.expiresAt = Date.parse(v);
    }
    if (reply.error) continue;
    if (action === 'noop') {
      if (direction === 'upload') reply.skip = true;
      else reply.error = { code: 404, message: 'Object does not exist on the server' };
    } else if (action === direction) {
      reply.action = a;
      delete reply.skip;
    } else if (action === 'verify' && direction === 'upload') {
      reply.verify = a;
    } else {
      reply.error = { code: 422, message: `the server answered with an unexpected action ${JSON.stringify(printable(action.slice(0, 40)))}` };
    }
  }
  for (const r of byOid.values()) {
    if (!r.error && !r.skip && !r.action) r.error = { code: 422, message: 'the server sent no action for this object' };
  }
  return [...byOid.values()];
}

export class SshBatcher {
  constructor(
    private readonly pool: ConnectionLender,
    private readonly refName: string | null,
  ) {}

  async batch(direction: TransferDirection, objects: readonly TransferItem[]): Promise<BatchReply> {
    if (objects.length === 0) return { transfer: SSH_ADAPTER, objects: [] };
    const args = ['transfer=ssh', 'hash-algo=sha256'];
    if (this.refName && !/[\x00-\x20\x7f]/.test(this.refName)) args.push(`refname=${this.refName}`);
    const r = await this.pool.use(async (c) => {
      await c.sendCommand('batch', args, objects.map((o) => `${o.oid} ${o.size}`));
      return c.readStatus();
    });
    if (r.status !== 200) {
      const msg = r.lines[0] ?? r.args[0] ?? 'no message provided';
      throw new TransferError(`batch response: status ${r.status} from server (${printable(msg.slice(0, 500))})`, { status: r.status, code: 'EBATCH', retriable: r.status === 429 });
    }
    for (const a of r.args) {
      if (a.startsWith('hash-algo=') && a !== 'hash-algo=sha256') {
        throw new TransferError(`batch response: unsupported hash algorithm: ${JSON.stringify(printable(a.slice(10, 50)))}`, { code: 'EBATCH' });
      }
    }
    return { transfer: SSH_ADAPTER, objects: parseSshBatchLines(r.lines, objects, direction, Date.now()) };
  }
}

function transferArgs(req: AdapterRequest, a: SshAction | null | undefined): string[] {
  const args = [`size=${req.size}`];
  if (a?.id) args.push(`id=${a.id}`);
  if (a?.token) args.push(`token=${a.token}`);
  return args;
}

export class SshAdapter implements TransferAdapter {
  readonly name = SSH_ADAPTER;

  constructor(private readonly pool: ConnectionLender) {}

  download(req: AdapterRequest, out: ByteSink, onProgress: ProgressFn, signal?: AbortSignal): Promise<void> {
    return this.pool.use(async (c) => {
      const onAbort = () => c.kill();
      signal?.addEventListener('abort', onAbort, { once: true });
      // Any exit before the reply was read to its flush leaves the connection unusable.
      let clean = false;
      try {
        await c.sendCommand(`get-object ${req.oid}`, transferArgs(req, req.action as SshAction | null));
        const head = await c.readStatusWithData();
        if (head.status < 200 || head.status > 299) {
          const text = head.ended ? '' : await c.drainData();
          clean = true;
          throw new TransferError(`got status ${head.status} when fetching OID ${req.oid}${text ? `: ${printable(text.trim().slice(0, 500))}` : ''}`, {
            status: head.status,
            code: 'ESSHOBJECT',
            retriable: true,
          });
        }
        if (head.ended) {
          c.kill();
          throw new TransferError('SSH protocol error: get-object reply without data', { code: 'ESSHPROTOCOL', retriable: true });
        }
        const sizes = head.args.filter((a) => a.startsWith('size='));
        if (sizes.length !== 1 || sizes[0] !== `size=${req.size}`) {
          c.kill();
          throw new TransferError(`SSH protocol error: expected size=${req.size} for ${req.oid}, got ${JSON.stringify(printable(sizes.join(' ').slice(0, 60)))}`, { code: 'ESSHPROTOCOL', retriable: true });
        }
        let skip = out.offset ?? 0;
        let got = 0;
        for (;;) {
          const d = await c.readDataPacket();
          if (d === null) break;
          got += d.length;
          if (got > req.size) {
            c.kill();
            throw new TransferError(`the server sent more than ${req.size} bytes for ${req.oid}`, { code: 'ESSHPROTOCOL', retriable: true });
          }
          let chunk = d;
          if (skip > 0) {
            const k = Math.min(skip, chunk.length);
            chunk = chunk.subarray(k);
            skip -= k;
          }
          if (chunk.length) await out.write(chunk);
          onProgress(got);
        }
        clean = true;
        if (got !== req.size) throw new TransferError(`the server sent ${got} of ${req.size} bytes for ${req.oid}`, { code: 'ESSHSHORT', retriable: true });
      } finally {
        if (!clean) c.kill();
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  upload(req: AdapterRequest, localPath: string, onProgress: ProgressFn, signal?: AbortSignal): Promise<void> {
    return this.pool.use(async (c) => {
      const onAbort = () => c.kill();
      signal?.addEventListener('abort', onAbort, { once: true });
      let clean = false;
      try {
        const args = transferArgs(req, req.action as SshAction | null);
        let sent = 0;
        const file = createReadStream(localPath, { highWaterMark: 64 * 1024 });
        try {
          await c.sendData(`put-object ${req.oid}`, args, file, (n) => onProgress((sent += n)));
        } finally {
          file.destroy();
        }
        const r = await c.readStatus();
        clean = true;
        if (r.status < 200 || r.status > 299) {
          const msg = r.lines[0] ?? '';
          throw new TransferError(`got status ${r.status} when uploading OID ${req.oid}${msg ? `: ${printable(msg.slice(0, 500))}` : ''}`, {
            status: r.status,
            code: 'ESSHOBJECT',
            retriable: r.status === 403 || r.status === 429 || r.status >= 500,
          });
        }
        clean = false;
        await c.sendCommand(`verify-object ${req.oid}`, transferArgs(req, (req.verify ?? req.action) as SshAction | null));
        const v = await c.readStatus();
        clean = true;
        if (v.status < 200 || v.status > 299) {
          const msg = v.lines[0] ?? '';
          throw new TransferError(`got status ${v.status} when verifying upload OID ${req.oid}${msg ? `: ${printable(msg.slice(0, 500))}` : ''}`, { status: v.status, code: 'ESSHVERIFY' });
        }
      } finally {
        if (!clean) c.kill();
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }
}

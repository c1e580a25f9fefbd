import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError, TransferError, TslfsError } from '../../src/errors/TslfsError.js';
import { TransferTally, type TransferEvent } from '../../src/events/TransferEvents.js';
import { backoffDelay, queueSettingsFrom } from '../../src/transfer/backoff.js';
import { TransferQueue, type QueueStore } from '../../src/transfer/TransferQueue.js';
import type { AdapterRequest, BatchReply, Batcher, ByteSink, TransferAdapter, TransferItem } from '../../src/transfer/types.js';
import { Config } from '../../src/config/Config.js';
import { rng } from '../support/rng.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Obj extends TransferItem {
  data: Buffer;
}
function makeObjs(n: number, sizeOf: (i: number) => number = (i) => (i % 17) + 1): Obj[] {
  const out: Obj[] = [];
  for (let i = 0; i < n; i++) {
    const tag = Buffer.from(`obj${i}:`);
    const data = Buffer.concat([tag, Buffer.alloc(Math.max(0, sizeOf(i) - tag.length), 'x')]);
    out.push({ oid: sha(data), size: data.length, name: `f${i}.bin`, data });
  }
  return out;
}

/** An in-memory store whose writers hash and verify like ObjectWriter. */
class MemStore implements QueueStore {
  readonly objects = new Map<string, Buffer>();
  async newWriter() {
    const chunks: Buffer[] = [];
    const objects = this.objects;
    return {
      async write(c: Buffer) {
        chunks.push(Buffer.from(c));
      },
      async commit(expect?: { oid: string; size: number }) {
        const all = Buffer.concat(chunks);
        const oid = sha(all);
        if (expect && (expect.oid !== oid || expect.size !== all.length)) throw new IntegrityError(`expected OID ${expect.oid}, got ${oid} after ${all.length} bytes written`);
        objects.set(oid, all);
        return { oid, size: all.length };
      },
      async abort() {},
    };
  }
  objectPath(oid: string) {
    return `/mem/${oid}`;
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

class FakeRemote implements Batcher, TransferAdapter {
  readonly name = 'fake';
  readonly batches: string[][] = [];
  readonly started: string[] = [];
  readonly uploads: string[] = [];
  active = 0;
  maxActive = 0;
  failures = new Map<string, Array<Error | null>>();
  remoteHas = new Set<string>();
  batchReply?: (objs: readonly TransferItem[]) => BatchReply;
  constructor(readonly data: Map<string, Buffer>, readonly delayTicks: (oid: string) => number = () => 1) {}

  async batch(direction: 'download' | 'upload', objects: readonly TransferItem[]): Promise<BatchReply> {
    this.batches.push(objects.map((o) => o.oid));
    if (this.batchReply) return this.batchReply(objects);
    return {
      transfer: 'fake',
      objects: objects.map((o) => (direction === 'upload' && this.remoteHas.has(o.oid) ? { oid: o.oid, action: null, skip: true } : { oid: o.oid, action: null })),
    };
  }
  private async work(oid: string): Promise<void> {
    this.started.push(oid);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      for (let i = 0; i < this.delayTicks(oid); i++) await tick();
      const plan = this.failures.get(oid);
      const next = plan?.shift();
      if (next) throw next;
    } finally {
      this.active--;
    }
  }
  async download(req: AdapterRequest, out: ByteSink, onProgress: (n: number) => void) {
    await this.work(req.oid);
    const d = this.data.get(req.oid)!;
    await out.write(d);
    onProgress(d.length);
  }
  async upload(req: AdapterRequest, localPath: string, onProgress: (n: number) => void) {
    expect(localPath).toBe(`/mem/${req.oid}`);
    await this.work(req.oid);
    this.uploads.push(req.oid);
    onProgress(req.size);
  }
}

function setup(objs: Obj[], opts: Partial<ConstructorParameters<typeof TransferQueue>[0]> & { delayTicks?: (oid: string) => number } = {}) {
  const remote = new FakeRemote(new Map(objs.map((o) => [o.oid, o.data])), opts.delayTicks);
  const store = new MemStore();
  const sleeps: number[] = [];
  const events: TransferEvent[] = [];
  const q = new TransferQueue({
    direction: 'download',
    batcher: remote,
    adapterFor: () => remote,
    store,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onEvent: (e) => events.push(e),
    ...opts,
  });
  return { q, remote, store, sleeps, events };
}

describe('TransferQueue', () => {
  it('batches by batchSize, each batch largest first, and downloads everything through the writer', async () => {
    const objs = makeObjs(250, (i) => (i * 7919) % 301 + 10);
    const { q, remote, store } = setup(objs);
    for (const o of objs) void q.add(o);
    const res = await q.finish();
    expect(remote.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    const sizeOf = new Map(objs.map((o) => [o.oid, o.size]));
    for (const b of remote.batches) {
      const sizes = b.map((oid) => sizeOf.get(oid)!);
      expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
    }
    expect(res.every((r) => r.status === 'transferred')).toBe(true);
    expect(store.objects.size).toBe(250);
    for (const o of objs) expect(store.objects.get(o.oid)!.equals(o.data)).toBe(true);
  });

  it('gathers objects added one at a time into full batches with gatherMs (delayed smudge)', async () => {
    const objs = makeObjs(250);
    const fed = setup(objs, { gatherMs: 40 });
    // One object per macrotask, as git's delayed smudge requests arrive.
    for (const o of objs) {
      void fed.q.add(o);
      await tick();
    }
    await fed.q.finish();
    expect(fed.remote.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    // Without a gather window the same feeding makes many small batches.
    const eager = setup(objs);
    for (const o of objs) {
      void eager.q.add(o);
      await tick();
    }
    await eager.q.finish();
    expect(eager.remote.batches.length).toBeGreaterThan(3);
  });

  it('honours a configured batch size', async () => {
    const objs = makeObjs(7);
    const { q, remote } = setup(objs, { batchSize: 3 });
    for (const o of objs) void q.add(o);
    await q.finish();
    expect(remote.batches.map((b) => b.length)).toEqual([3, 3, 1]);
  });

  it('transfers a duplicated oid once and collects every path (C9)', async () => {
    const [o] = makeObjs(1);
    const { q, remote } = setup([o!]);
    const ps = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => q.add({ oid: o!.oid, size: o!.size, name: `p${i}.bin` }));
    void q.add({ oid: o!.oid, size: o!.size, name: 'p0.bin' });
    const res = await q.finish();
    expect(res).toHaveLength(1);
    expect(remote.started).toEqual([o!.oid]);
    expect(res[0]!.names).toEqual(['p0.bin', 'p1.bin', 'p2.bin', 'p3.bin', 'p4.bin', 'p5.bin', 'p6.bin', 'p7.bin']);
    for (const p of ps) expect((await p).status).toBe('transferred');
  });

  it('starts objects largest first with one worker', async () => {
    const objs = makeObjs(20, (i) => ((i * 13) % 20) + 10);
    const { q, remote } = setup(objs, { concurrency: 1 });
    for (const o of objs) void q.add(o);
    await q.finish();
    const sizeOf = new Map(objs.map((o) => [o.oid, o.size]));
    const sizes = remote.started.map((oid) => sizeOf.get(oid)!);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it('never exceeds the concurrency limit, and uses it (random delays, several seeds)', async () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const delays = new Map<string, number>();
      const objs = makeObjs(120);
      for (const o of objs) delays.set(o.oid, Math.floor(r() * 6));
      const { q, remote } = setup(objs, { concurrency: 8, batchSize: 25, delayTicks: (oid) => delays.get(oid)! });
      for (const o of objs) void q.add(o);
      const res = await q.finish();
      expect(res.filter((x) => x.status === 'transferred')).toHaveLength(120);
      expect(remote.maxActive).toBeLessThanOrEqual(8);
      expect(remote.maxActive).toBe(8);
    }
  });

  it('starts the next download while earlier ones are stored; downloads plus stores stay bounded', async () => {
    const objs = makeObjs(40);
    const { q, remote, store } = setup(objs, { concurrency: 4, batchSize: 40 });
    // Commits that take long (a slow disk): downloads must go on meanwhile, but bounded.
    let committing = 0;
    let maxCommitting = 0;
    let maxInFlight = 0;
    let overlapped = false;
    const inner = store.newWriter.bind(store);
    store.newWriter = async () => {
      const w = await inner();
      return {
        ...w,
        async commit(expect?: { oid: string; size: number }) {
          committing++;
          maxCommitting = Math.max(maxCommitting, committing);
          maxInFlight = Math.max(maxInFlight, committing + remote.active);
          if (remote.active > 0) overlapped = true;
          for (let i = 0; i < 5; i++) await tick();
          committing--;
          return w.commit(expect);
        },
      };
    };
    for (const o of objs) void q.add(o);
    const res = await q.finish();
    expect(res.filter((x) => x.status === 'transferred')).toHaveLength(40);
    expect(store.objects.size).toBe(40);
    expect(overlapped).toBe(true);
    // `concurrency` stores release their slot early; past that a store keeps its slot.
    expect(maxCommitting).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(8);
    expect(remote.maxActive).toBeLessThanOrEqual(4);
  });

  it('retries a retriable failure with 250ms*2^(n-1) backoff through the injected sleep', async () => {
    const objs = makeObjs(3);
    const { q, remote, sleeps, events } = setup(objs);
    const boom = () => new Error('ECONNRESET');
    remote.failures.set(objs[1]!.oid, [boom(), boom(), boom()]);
    for (const o of objs) void q.add(o);
    const res = await q.finish();
    expect(sleeps).toEqual([250, 500, 1000]);
    const r1 = res.find((r) => r.oid === objs[1]!.oid)!;
    expect(r1.status).toBe('transferred');
    expect(r1.attempts).toBe(4);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    // Every retry went through a new batch (fresh actions).
    expect(remote.batches.filter((b) => b.includes(objs[1]!.oid))).toHaveLength(4);
  });

  it('caps the delay at maxRetryDelay and gives up after maxRetries', async () => {
    const [o] = makeObjs(1);
    const { q, remote, sleeps } = setup([o!], { maxRetries: 8, maxRetryDelayMs: 1000 });
    remote.failures.set(o!.oid, Array.from({ length: 20 }, () => new Error('network down')));
    void q.add(o!);
    const [r] = await q.finish();
    expect(sleeps).toEqual([250, 500, 1000, 1000, 1000, 1000, 1000, 1000]);
    expect(r!.status).toBe('failed');
    expect(r!.attempts).toBe(9);
    expect(r!.error!.message).toBe('network down');
  });

  it('honours Retry-After over the backoff', async () => {
    const [o] = makeObjs(1);
    const { q, remote, sleeps } = setup([o!]);
    remote.failures.set(o!.oid, [new TransferError('429', { retriable: true, retryAfterMs: 3000 })]);
    void q.add(o!);
    expect((await q.finish())[0]!.status).toBe('transferred');
    expect(sleeps).toEqual([3000]);
  });

  it('does not retry a non-retriable failure, and the other objects still finish', async () => {
    const objs = makeObjs(10);
    const { q, remote, sleeps } = setup(objs, { concurrency: 2 });
    remote.failures.set(objs[0]!.oid, [new TslfsError('gone for good')]);
    remote.failures.set(objs[5]!.oid, [new TransferError('also gone', { retriable: false })]);
    for (const o of objs) void q.add(o);
    const res = await q.finish();
    expect(sleeps).toEqual([]);
    expect(res.filter((r) => r.status === 'failed').map((r) => r.oid).sort()).toEqual([objs[0]!.oid, objs[5]!.oid].sort());
    expect(res.filter((r) => r.status === 'transferred')).toHaveLength(8);
  });

  it('retries corrupt downloads and never stores wrong bytes', async () => {
    const [o] = makeObjs(1);
    const { q, remote, store, sleeps } = setup([o!], { maxRetries: 2 });
    remote.data.set(o!.oid, Buffer.from('not the right bytes'));
    void q.add(o!);
    const [r] = await q.finish();
    expect(r!.status).toBe('failed');
    expect(r!.error).toBeInstanceOf(IntegrityError);
    expect(sleeps).toEqual([250, 500]);
    expect(store.objects.size).toBe(0);
  });

  it('fails per-object batch errors, unreturned objects and ignores unknown oids (HS6)', async () => {
    const objs = makeObjs(3);
    const { q, remote, store } = setup(objs);
    remote.batchReply = () => ({
      transfer: 'fake',
      objects: [
        { oid: objs[0]!.oid, action: null, error: { code: 404, message: 'Object does not exist' } },
        { oid: '../../../../tmp/pwn', action: null },
        { oid: 'f'.repeat(64), action: null },
        { oid: objs[2]!.oid, action: null },
        { oid: objs[2]!.oid, action: null },
      ],
    });
    for (const o of objs) void q.add(o);
    const res = await q.finish();
    const by = new Map(res.map((r) => [r.oid, r]));
    expect(by.get(objs[0]!.oid)!.error!.message).toBe(`[${objs[0]!.oid}] Object does not exist`);
    expect(by.get(objs[1]!.oid)!.status).toBe('failed');
    expect(by.get(objs[2]!.oid)!.status).toBe('transferred');
    expect(remote.started).toEqual([objs[2]!.oid]);
    expect([...store.objects.keys()]).toEqual([objs[2]!.oid]);
  });

  it('retries a whole batch that failed retriably, and fails it otherwise', async () => {
    const objs = makeObjs(2);
    const { q, remote, sleeps } = setup(objs);
    let calls = 0;
    const orig = remote.batch.bind(remote);
    remote.batch = async (d, o) => {
      if (calls++ === 0) throw new TransferError('rate limited', { retriable: true, retryAfterMs: 1234 });
      return orig(d, o);
    };
    for (const o of objs) void q.add(o);
    const res = await q.finish();
    expect(res.every((r) => r.status === 'transferred')).toBe(true);
    expect(sleeps).toEqual([1234, 1234]);

    const b = setup(objs);
    b.remote.batch = async () => {
      throw new TslfsError('Repository or object not found');
    };
    for (const o of objs) void b.q.add(o);
    expect((await b.q.finish()).map((r) => r.status)).toEqual(['failed', 'failed']);
  });

  it('skips uploads the remote already has and uploads the rest from the store path', async () => {
    const objs = makeObjs(4);
    const { q, remote } = setup(objs, { direction: 'upload' });
    remote.remoteHas.add(objs[1]!.oid);
    for (const o of objs) void q.add(o);
    const res = await q.finish();
    expect(res.find((r) => r.oid === objs[1]!.oid)!.status).toBe('skipped');
    expect(remote.uploads.sort()).toEqual([objs[0]!.oid, objs[2]!.oid, objs[3]!.oid].sort());
  });

  it('rejects invalid oids without calling anything', async () => {
    const { q, remote } = setup([]);
    const r = await q.add({ oid: '../../etc/passwd', size: 1, name: 'x' });
    expect(r.status).toBe('failed');
    const r2 = await q.add({ oid: 'a'.repeat(64), size: -1, name: 'y' });
    expect(r2.status).toBe('failed');
    await q.finish();
    expect(remote.batches).toEqual([]);
  });

  it('accepts objects added while it runs', async () => {
    const objs = makeObjs(5);
    const { q } = setup(objs);
    const first = q.add(objs[0]!);
    await first;
    const later = objs.slice(1).map((o) => q.add(o));
    const res = await q.finish();
    expect(res).toHaveLength(5);
    for (const p of later) expect((await p).status).toBe('transferred');
  });

  it('emits events that tally to the totals', async () => {
    const objs = makeObjs(6);
    const { q, events, remote } = setup(objs);
    remote.failures.set(objs[0]!.oid, [new TslfsError('no')]);
    for (const o of objs) void q.add(o);
    await q.finish();
    const t = new TransferTally();
    for (const e of events) t.add(e);
    expect(t.queued).toBe(6);
    expect(t.finished).toBe(6);
    expect(t.failed).toBe(1);
    expect(t.totalBytes).toBe(objs.reduce((a, o) => a + o.size, 0));
    expect(t.bytesDone).toBe(objs.slice(1).reduce((a, o) => a + o.size, 0));
  });

  it('fails everything still waiting when aborted', async () => {
    const objs = makeObjs(30);
    const ac = new AbortController();
    const { q } = setup(objs, { concurrency: 1, batchSize: 5, signal: ac.signal, delayTicks: () => 3 });
    const ps = objs.map((o) => q.add(o));
    await ps[0];
    ac.abort(new TslfsError('interrupted'));
    const res = await q.finish();
    expect(res.filter((r) => r.status === 'failed').length).toBeGreaterThan(20);
  });
});

describe('transfer settings', () => {
  it('reads git-lfs defaults and fallbacks', () => {
    expect(queueSettingsFrom(new Config([]))).toEqual({ batchSize: 100, concurrency: 8, maxRetries: 8, maxRetryDelayMs: 10_000 });
    const c = new Config([
      ['lfs.transfer.batchSize', '10'],
      ['lfs.concurrenttransfers', '3'],
      ['lfs.transfer.maxretries', '0'],
      ['lfs.transfer.maxretrydelay', '2'],
    ]);
    expect(queueSettingsFrom(c)).toEqual({ batchSize: 10, concurrency: 3, maxRetries: 8, maxRetryDelayMs: 2000 });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 10_000))).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000]);
  });
});

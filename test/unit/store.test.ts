import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/errors/TslfsError.js';
import { EMPTY_OID } from '../../src/model/oid.js';
import { parseAlternates, storeLayoutFor } from '../../src/store/layout.js';
import { LfsStore, objectRelPath } from '../../src/store/LfsStore.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('LfsStore', () => {
  let dir: string;
  let store: LfsStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tslfs-store-'));
    store = new LfsStore(storeLayoutFor(join(dir, 'lfs')));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lays objects out as objects/aa/bb/oid and refuses bad oids', () => {
    const oid = sha('x');
    expect(objectRelPath(oid)).toBe(`${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`);
    for (const bad of ['../../etc/passwd', oid.toUpperCase(), oid.slice(1), `${oid}0`]) expect(() => objectRelPath(bad)).toThrow(/invalid object id/);
  });

  it('streams an insert, hashing as it goes, and renames into place', async () => {
    const data = Buffer.alloc(3 << 20, 7);
    const chunks = [data.subarray(0, 1 << 20), data.subarray(1 << 20)];
    const r = await store.insert(Readable.from(chunks));
    expect(r).toEqual({ oid: sha(data), size: data.length });
    expect(readFileSync(store.objectPath(r.oid)).equals(data)).toBe(true);
    expect(await store.hasLocal(r.oid, data.length)).toBe(true);
    expect(await store.hasLocal(r.oid, data.length - 1)).toBe(false);
    expect(readdirSync(join(dir, 'lfs', 'tmp'))).toEqual([]);
  });

  it('stores nothing when the expected oid or size does not match', async () => {
    const data = Buffer.from('hello');
    await expect(store.insert(Readable.from([data]), { oid: sha('other'), size: 5 })).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.insert(Readable.from([data]), { oid: sha(data), size: 6 })).rejects.toThrow(/expected OID/);
    expect(existsSync(store.objectPath(sha(data)))).toBe(false);
    expect(readdirSync(join(dir, 'lfs', 'tmp'))).toEqual([]);
  });

  it('never stores empty content', async () => {
    const r = await store.insert(Readable.from([]));
    expect(r).toEqual({ oid: EMPTY_OID, size: 0 });
    expect(existsSync(join(dir, 'lfs', 'objects'))).toBe(false);
    expect(await store.hasLocal(EMPTY_OID, 0)).toBe(true);
  });

  it('replaces a wrong-size (corrupt) object with verified bytes', async () => {
    const data = Buffer.from('real content');
    const oid = sha(data);
    mkdirSync(join(dir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4)), { recursive: true });
    writeFileSync(store.objectPath(oid), 'short');
    await store.insert(Readable.from([data]));
    expect(readFileSync(store.objectPath(oid), 'utf8')).toBe('real content');
  });

  it('aborting a writer leaves nothing behind', async () => {
    const w = await store.newWriter();
    await w.write(Buffer.from('partial'));
    await w.abort();
    expect(readdirSync(join(dir, 'lfs', 'tmp'))).toEqual([]);
  });

  it('copies from a reference store only after verifying the hash, never through symlinks', async () => {
    const refObjects = join(dir, 'ref', 'lfs', 'objects');
    const good = Buffer.from('shared object');
    const goodOid = sha(good);
    const put = (oid: string, content: string | Buffer) => {
      mkdirSync(join(refObjects, oid.slice(0, 2), oid.slice(2, 4)), { recursive: true });
      writeFileSync(join(refObjects, objectRelPath(oid)), content);
    };
    put(goodOid, good);
    const liarOid = sha('truth');
    put(liarOid, 'lies!');
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'secret');
    const linkOid = sha('secret');
    mkdirSync(join(refObjects, linkOid.slice(0, 2), linkOid.slice(2, 4)), { recursive: true });
    symlinkSync(secret, join(refObjects, objectRelPath(linkOid)));

    const s = new LfsStore(storeLayoutFor(join(dir, 'lfs'), [refObjects]));
    expect(await s.ensureLocal(goodOid, good.length)).toBe(true);
    expect(readFileSync(s.objectPath(goodOid)).equals(good)).toBe(true);
    expect(await s.ensureLocal(liarOid, 5)).toBe(false);
    expect(await s.ensureLocal(linkOid, 6)).toBe(false);
    expect(existsSync(s.objectPath(linkOid))).toBe(false);
  });

  it('cleans tmp/ of files older than an hour, keeping newer ones', async () => {
    const tmp = join(dir, 'lfs', 'tmp');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'old'), 'x');
    writeFileSync(join(tmp, 'new'), 'x');
    const { utimesSync } = await import('node:fs');
    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(join(tmp, 'old'), twoHoursAgo, twoHoursAgo);
    expect(await store.cleanupTmp()).toBe(1);
    expect(readdirSync(tmp)).toEqual(['new']);
  });

  it('parses alternates files', () => {
    expect(parseAlternates('# comment\n/abs/objects\n../rel/objects\n"/quoted\\tpath"\n\n', '/repo/.git/objects')).toEqual([
      '/abs/objects',
      '/repo/.git/rel/objects',
      '/quoted\tpath',
    ]);
  });
});

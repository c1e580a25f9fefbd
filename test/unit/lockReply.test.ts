/**
 * Pure parts of the lock client: reply parsing (HTTP JSON and SSH list-lock lines), timestamp
 * normalisation, lock ids as URL segments, paging bounds (HS21) over a fake transport, and the
 * output shapes of lock/locks/unlock (table and Go-style JSON).
 */
import { describe, expect, it } from 'vitest';
import { LockClient, MAX_LOCK_PAGES, NoMatchingLockError } from '../../src/lock/LockClient.js';
import { LockConflictError, LockPagingError } from '../../src/lock/lockErrors.js';
import { SshLockTransport } from '../../src/lock/SshLockTransport.js';
import { LockReplyError, lockIdSegment, normaliseLockTime, parseListBody, parseSshListLock, parseSshLockArgs, parseVerifyBody } from '../../src/lock/lockReply.js';
import { cacheableRef } from '../../src/lock/LockCache.js';
import type { Lock, LockListQuery, LockPage, LockTransport, VerifyPage } from '../../src/lock/types.js';
import { lockJson, locksJson, locksTable, unlockJson, verifyJson } from '../../src/ui/locksFormat.js';

const L = (id: string, path: string, owner = 'Jane', at = '2026-01-02T03:04:05Z'): Lock => ({ id, path, owner: { name: owner }, locked_at: at });

describe('normaliseLockTime (Go RFC 3339 output)', () => {
  it.each([
    ['2016-05-17T15:49:06+00:00', '2016-05-17T15:49:06Z'],
    ['2016-05-17T15:49:06-00:00', '2016-05-17T15:49:06Z'],
    ['2016-05-17T15:49:06Z', '2016-05-17T15:49:06Z'],
    ['2016-05-17t15:49:06z', '2016-05-17T15:49:06Z'],
    ['2016-05-17T15:49:06.120000Z', '2016-05-17T15:49:06.12Z'],
    ['2016-05-17T15:49:06.000Z', '2016-05-17T15:49:06Z'],
    ['2016-05-17T15:49:06.123456789123Z', '2016-05-17T15:49:06.123456789Z'],
    ['2016-05-17T15:49:06+02:00', '2016-05-17T15:49:06+02:00'],
    ['yesterday', 'yesterday'],
  ])('%s -> %s', (input, want) => {
    expect(normaliseLockTime(input)).toBe(want);
  });
});

describe('HTTP reply bodies', () => {
  it('list: locks, next_cursor, owner omitted when absent, empty list', () => {
    expect(parseListBody({ locks: [{ id: '1', path: 'a.dat', locked_at: '2016-05-17T15:49:06+00:00', owner: { name: 'Jane' } }], next_cursor: 'c2' })).toEqual({
      locks: [L('1', 'a.dat', 'Jane', '2016-05-17T15:49:06Z')],
      nextCursor: 'c2',
    });
    expect(parseListBody({ locks: [{ id: '1', path: 'a', locked_at: '2016-05-17T15:49:06Z' }] }).locks[0]).toEqual({ id: '1', path: 'a', locked_at: '2016-05-17T15:49:06Z' });
    expect(parseListBody({ locks: [] })).toEqual({ locks: [] });
    expect(parseListBody({ locks: [], next_cursor: '' })).toEqual({ locks: [] });
  });
  it('verify: ours and theirs', () => {
    expect(parseVerifyBody({ ours: [L('1', 'a')], theirs: [L('2', 'b', 'Bob')] })).toEqual({ ours: [L('1', 'a')], theirs: [L('2', 'b', 'Bob')] });
    expect(parseVerifyBody({})).toEqual({ ours: [], theirs: [] });
  });
  it.each([
    ['not an object', []],
    ['locks not an array', { locks: {} }],
    ['lock without id', { locks: [{ path: 'a' }] }],
    ['numeric id', { locks: [{ id: 5, path: 'a' }] }],
    ['id with a newline', { locks: [{ id: 'a\nb', path: 'a' }] }],
    ['id too long', { locks: [{ id: 'x'.repeat(2000), path: 'a' }] }],
    ['path too long', { locks: [{ id: '1', path: 'p'.repeat(5000) }] }],
    ['cursor not a string', { locks: [], next_cursor: 7 }],
  ])('refuses %s', (_what, body) => {
    expect(() => parseListBody(body)).toThrow(LockReplyError);
  });
});

describe('SSH replies', () => {
  it('lock arguments', () => {
    expect(parseSshLockArgs(['id=7', 'path=a b.dat', 'locked-at=2016-05-17T15:49:06+00:00', 'ownername=Jane Doe'])).toEqual(L('7', 'a b.dat', 'Jane Doe', '2016-05-17T15:49:06Z'));
    expect(parseSshLockArgs([])).toBeNull();
    expect(() => parseSshLockArgs(['id=7', 'path=a'])).toThrow(/incomplete/);
  });

  const lines = (id: string, path: string, owner: string, who: string) => [`lock ${id}`, `path ${id} ${path}`, `locked-at ${id} 2016-05-17T15:49:06Z`, `ownername ${id} ${owner}`, `owner ${id} ${who}`];

  it('list-lock: locks in order, ours/theirs, next-cursor, paths with spaces', () => {
    const r = parseSshListLock(['next-cursor=c2'], [...lines('1', 'dir/a b.dat', 'Jane Doe', 'ours'), ...lines('2', 'b.dat', 'Bob', 'theirs')]);
    expect(r.all.map((l) => [l.id, l.path, l.owner?.name])).toEqual([
      ['1', 'dir/a b.dat', 'Jane Doe'],
      ['2', 'b.dat', 'Bob'],
    ]);
    expect(r.ours.map((l) => l.id)).toEqual(['1']);
    expect(r.theirs.map((l) => l.id)).toEqual(['2']);
    expect(r.nextCursor).toBe('c2');
    expect(parseSshListLock([], [])).toEqual({ all: [], ours: [], theirs: [] });
    // Unknown line kinds are ignored.
    expect(parseSshListLock([], [...lines('1', 'a', 'J', 'ours'), 'color 1 blue']).all).toHaveLength(1);
  });
  it.each([
    ['an incomplete lock', ['lock 1', 'path 1 a']],
    ['a line for another lock', ['lock 1', 'path 2 a']],
    ['a line before any lock', ['path 1 a']],
    ['a malformed line', ['lock 1', 'path']],
    ['a lock listed twice', [...['lock 1', 'path 1 a', 'locked-at 1 x', 'ownername 1 j'], 'lock 1']],
  ])('list-lock refuses %s', (_what, ls) => {
    expect(() => parseSshListLock([], ls)).toThrow(LockReplyError);
  });
  it('list-lock refuses two next-cursor arguments', () => {
    expect(() => parseSshListLock(['next-cursor=a', 'next-cursor=b'], [])).toThrow(/multiple/);
  });
});

describe('lock ids and cache refs', () => {
  it.each([
    ['abc', 'abc'],
    ['a/b', 'a%2Fb'],
    ['%2F', '%252F'],
    ['../x', '..%2Fx'],
    ['a?b#c', 'a%3Fb%23c'],
  ])('lock id %s is one URL segment %s', (id, seg) => {
    expect(lockIdSegment(id)).toBe(seg);
    expect(seg).not.toContain('/');
  });
  it.each(['.', '..', '', 'a\nb'])('refuses the lock id %j', (id) => {
    expect(() => lockIdSegment(id)).toThrow();
  });
  it.each([
    ['refs/heads/main', true],
    ['HEAD', true],
    ['refs/heads/../../x', false],
    ['refs/heads//x', false],
    ['/etc/passwd', false],
    ['refs/heads/a b', false],
  ])('cacheableRef(%j) = %s', (ref, ok) => {
    expect(cacheableRef(ref)).toBe(ok);
  });
});

/** A transport serving `pages` for list and verify, recording the queries. */
function fakeTransport(pages: (q: { cursor?: string }) => LockPage & VerifyPage): LockTransport & { queries: LockListQuery[] } {
  const queries: LockListQuery[] = [];
  return {
    queries,
    create: async () => L('1', 'a'),
    list: async (q) => {
      queries.push(q);
      const p = pages(q);
      return { locks: p.locks, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    },
    verify: async (_r, cursor) => {
      const p = pages(cursor ? { cursor } : {});
      return { ours: p.ours, theirs: p.theirs, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
    },
    unlock: async () => null,
    close: async () => {},
  };
}

describe('LockClient paging (HS21)', () => {
  const numbered = (n: number) => (q: { cursor?: string }) => {
    const i = q.cursor ? Number(q.cursor) : 0;
    return { locks: [L(String(i), `f${i}`)], ours: [L(String(i), `f${i}`)], theirs: [], ...(i + 1 < n ? { nextCursor: String(i + 1) } : {}) };
  };
  it('follows next_cursor to the end, with the refspec, and stops at the limit', async () => {
    const t = fakeTransport(numbered(5));
    const c = new LockClient(t, 'refs/heads/main');
    expect((await c.search()).map((l) => l.id)).toEqual(['0', '1', '2', '3', '4']);
    expect(t.queries.map((q) => q.cursor)).toEqual([undefined, '1', '2', '3', '4']);
    expect(t.queries.every((q) => q.refspec === 'refs/heads/main')).toBe(true);
    t.queries.length = 0;
    expect((await c.search({}, 2)).map((l) => l.id)).toEqual(['0', '1']);
    expect(t.queries.map((q) => q.limit)).toEqual([2, 1]);
    expect((await c.verify()).ours).toHaveLength(5);
  });
  it.each([
    ['repeats the same cursor', () => ({ locks: [], ours: [], theirs: [], nextCursor: 'same' })],
    ['cycles between two cursors', (q: { cursor?: string }) => ({ locks: [], ours: [], theirs: [], nextCursor: q.cursor === 'a' ? 'b' : 'a' })],
  ])('a server that %s is stopped with an error', async (_what, pages) => {
    const c = new LockClient(fakeTransport(pages), null);
    await expect(c.search()).rejects.toThrow(LockPagingError);
    await expect(c.verify()).rejects.toThrow(LockPagingError);
  });
  it('a server that never stops paging is cut off after MAX_LOCK_PAGES', async () => {
    const t = fakeTransport((q) => ({ locks: [], ours: [], theirs: [], nextCursor: String(Number(q.cursor ?? 0) + 1) }));
    await expect(new LockClient(t, null).search()).rejects.toThrow(/more than 1000 pages/);
    expect(t.queries).toHaveLength(MAX_LOCK_PAGES);
  });
  it('idForPath looks without refspec and reports a missing lock', async () => {
    const t = fakeTransport(numbered(3));
    const c = new LockClient(t, 'refs/heads/main');
    expect(await c.idForPath('f2')).toBe('2');
    expect(t.queries[0]).toEqual({ path: 'f2' });
    await expect(c.idForPath('nope')).rejects.toThrow(NoMatchingLockError);
  });
});

describe('output shapes (git-lfs 3.3.0)', () => {
  const a = L('cfef9d6f063d1a4c', 'a.dat', 'Test User', '2026-11-21T08:51:49Z');
  const b = L('192e4226b3079cf8', 'sub/b.dat', 'other', '2026-11-21T08:51:49Z');
  it('table: paths and owners padded, O marks with --verify', () => {
    expect(locksTable([a, b])).toBe('a.dat    \tTest User\tID:cfef9d6f063d1a4c\nsub/b.dat\tother    \tID:192e4226b3079cf8\n');
    expect(locksTable([a, b], new Set([a.id]))).toBe('O a.dat    \tTest User\tID:cfef9d6f063d1a4c\n  sub/b.dat\tother    \tID:192e4226b3079cf8\n');
    expect(locksTable([])).toBe('');
    expect(locksTable([b, a])).toBe(locksTable([a, b]));
  });
  it('table: hostile paths and owners cannot forge lines, columns or escapes (HR25)', () => {
    const out = locksTable([L('1', 'a\nO evil.dat\tX\tID:2', 'b\x1b[31mred\x07')]);
    expect(out.split('\n')).toHaveLength(2);
    expect(out.split('\t')).toHaveLength(3);
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\x07');
  });
  it('JSON as Go encodes it', () => {
    expect(lockJson(a)).toBe('{"id":"cfef9d6f063d1a4c","path":"a.dat","owner":{"name":"Test User"},"locked_at":"2026-11-21T08:51:49Z"}');
    expect(lockJson({ id: '1', path: '<&>', locked_at: 'x' })).toBe('{"id":"1","path":"\\u003c\\u0026\\u003e","locked_at":"x"}');
    expect(locksJson([])).toBe('[]\n');
    expect(verifyJson([a], [])).toBe(`{"ours":[${lockJson(a)}],"theirs":[]}\n`);
    expect(unlockJson([{ path: 'a.dat', unlocked: true }, { id: '7', unlocked: false, reason: 'no "lock"' }])).toBe(
      '[{"path":"a.dat","unlocked":true},{"id":"7","unlocked":false,"reason":"no \\"lock\\""}]\n',
    );
  });
});

describe('SshLockTransport requests', () => {
  /** A connection lender that records what was sent and answers with `replies` in turn. */
  function fakeSsh(replies: Array<{ status: number; args?: string[]; lines?: string[] }>) {
    const sent: Array<{ op: string; command: string; args: readonly string[] }> = [];
    const lend = async (op: 'upload' | 'download') => ({
      use: async <T>(fn: (c: never) => Promise<T>): Promise<T> => {
        const c = {
          sendCommand: async (command: string, args: readonly string[]) => void sent.push({ op, command, args }),
          readStatus: async () => {
            const r = replies.shift()!;
            return { status: r.status, args: r.args ?? [], lines: r.lines ?? [] };
          },
        };
        return fn(c as never);
      },
    });
    return { sent, t: new SshLockTransport(lend) };
  }
  const args = ['id=7', 'path=a b.dat', 'locked-at=2016-05-17T15:49:06Z', 'ownername=Jane'];

  it('lock on an upload session with path and refname; 409 is a conflict with the existing lock', async () => {
    const { sent, t } = fakeSsh([{ status: 201, args }, { status: 409, args, lines: ['lock already created'] }]);
    expect(await t.create('a b.dat', 'refs/heads/main')).toEqual(L('7', 'a b.dat', 'Jane', '2016-05-17T15:49:06Z'));
    expect(sent[0]).toEqual({ op: 'upload', command: 'lock', args: ['path=a b.dat', 'refname=refs/heads/main'] });
    const e = await t.create('a b.dat', null).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LockConflictError);
    expect((e as LockConflictError).message).toBe('lock already created');
    expect((e as LockConflictError).lock?.id).toBe('7');
  });
  it('list-lock on a download session; verify and unlock on upload sessions', async () => {
    const { sent, t } = fakeSsh([
      { status: 200, args: ['next-cursor=n'], lines: ['lock 7', 'path 7 a', 'locked-at 7 2016-05-17T15:49:06Z', 'ownername 7 J', 'owner 7 theirs'] },
      { status: 200, lines: ['lock 7', 'path 7 a', 'locked-at 7 2016-05-17T15:49:06Z', 'ownername 7 J', 'owner 7 theirs'] },
      { status: 200, args },
      { status: 403, lines: ['lock 7 is owned by J'] },
    ]);
    expect((await t.list({ path: 'a', limit: 5, refspec: 'refs/heads/main' })).nextCursor).toBe('n');
    expect((await t.verify('refs/heads/main', 'c', undefined)).theirs.map((l) => l.id)).toEqual(['7']);
    expect((await t.unlock('7', true, 'refs/heads/main'))?.id).toBe('7');
    await expect(t.unlock('7', false, null)).rejects.toThrow('lock 7 is owned by J');
    expect(sent).toEqual([
      { op: 'download', command: 'list-lock', args: ['limit=5', 'path=a', 'refspec=refs/heads/main'] },
      { op: 'upload', command: 'list-lock', args: ['cursor=c', 'refspec=refs/heads/main'] },
      { op: 'upload', command: 'unlock 7', args: ['force=true', 'refname=refs/heads/main'] },
      { op: 'upload', command: 'unlock 7', args: [] },
    ]);
  });
  it('refuses values that would break the pkt-line text before sending anything', async () => {
    const { sent, t } = fakeSsh([]);
    await expect(t.create('a\nstatus 200', null)).rejects.toThrow(/line break/);
    await expect(t.unlock('7 x', false, null)).rejects.toThrow(/invalid lock id/);
    expect(sent).toEqual([]);
  });
});

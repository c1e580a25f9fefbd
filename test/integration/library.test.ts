/**
 * The library face for isomorphic-git users (no git binary needed by the code under test):
 * pointers from cleanToPointer byte-identical to `git-lfs clean` (same blob oid as real git +
 * git-lfs stores), content read back with smudgeBlob/readLfsBlob (hash-verified, missing and
 * fetched objects), and materializeLfsFiles after an isomorphic-git checkout of a repository made
 * with real git + git-lfs. Real git and git-lfs are only the oracles here.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { chmodSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanToPointer } from '../../src/api/lfsCleanToPointer.js';
import { isLfsTracked } from '../../src/api/lfsIsTracked.js';
import { materializeLfsFiles } from '../../src/api/lfsMaterialize.js';
import { readLfsBlob } from '../../src/api/lfsReadBlob.js';
import { resolveLfsStore } from '../../src/api/lfsResolveStore.js';
import { smudgeBlob } from '../../src/api/lfsSmudgeBlob.js';
import { IntegrityError, ObjectMissingError } from '../../src/errors/TslfsError.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

let sb: Sandbox;
beforeAll(() => {
  sb = makeSandbox();
});
afterAll(() => sb.cleanup());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const author = { name: 'T', email: 't@e', timestamp: 1700000000, timezoneOffset: 0 };

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function objPath(repo: string, oid: string): string {
  return join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

const POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${'4d'.repeat(32)}\nsize 12\n`;
const corpus: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('x')],
  ['1024 bytes', Buffer.alloc(1024, 'b')],
  ['CRLF text', Buffer.from('line one\r\nline two\r\n'.repeat(20))],
  ['a pointer itself', Buffer.from(POINTER)],
  ['binary 300 KiB', Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7919) & 255))],
];

describe('cleanToPointer: same pointer blobs as git-lfs', () => {
  let iso: string;
  let g: string;
  beforeAll(async () => {
    iso = join(sb.root, 'iso');
    await git.init({ fs, dir: iso, defaultBranch: 'main' });
    g = await sb.initRepo('g', 'git-lfs');
  });

  it.each(corpus)('%s', async (_name, data) => {
    const ours = await cleanToPointer({ dir: iso, content: Readable.from([data]) });
    const theirs = await sb.gitLfs(['clean', '--', 'f.bin'], { cwd: g, input: data });
    expect(theirs.exitCode).toBe(0);
    expect(ours.pointer.equals(theirs.stdoutBuffer)).toBe(true);
    // The same git blob, written by isomorphic-git and hashed by git.
    const blobOid = await git.writeBlob({ fs, dir: iso, blob: ours.pointer });
    const want = await sb.git(['hash-object', '--stdin'], { cwd: g, input: theirs.stdoutBuffer });
    expect(blobOid).toBe(want.stdout.trim());
    if (ours.stored) {
      expect(ours.stored.oid).toBe(sha(data));
      expect(readFileSync(objPath(iso, ours.stored.oid)).equals(data)).toBe(true);
    } else {
      expect(data.length === 0 || data.toString() === POINTER).toBe(true);
    }
  });

  it('takes a file path, refuses a symlink and needs exactly one input', async () => {
    sb.write('iso/from-file.bin', Buffer.alloc(5000, 7));
    const r = await cleanToPointer({ dir: iso, path: 'from-file.bin' });
    expect(r.stored).toEqual({ oid: sha(Buffer.alloc(5000, 7)), size: 5000, extensions: [] });
    symlinkSync('from-file.bin', join(iso, 'link.bin'));
    await expect(cleanToPointer({ dir: iso, path: 'link.bin' })).rejects.toThrow(/not a regular file/);
    await expect(cleanToPointer({ dir: iso })).rejects.toThrow(/exactly one/);
  });

  it('refuses repositories with lfs.extension.* (pointers would differ from git-lfs)', async () => {
    const d = join(sb.root, 'ext');
    await git.init({ fs, dir: d });
    await git.setConfig({ fs, dir: d, path: 'lfs.extension.foo.clean', value: 'foo clean' });
    await expect(cleanToPointer({ dir: d, content: Buffer.from('data') })).rejects.toMatchObject({ code: 'EEXTENSION' });
  });
});

describe('an isomorphic-git repository with LFS files, read by real git + git-lfs', () => {
  let iso: string;
  const big = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) & 255));

  beforeAll(async () => {
    iso = join(sb.root, 'iso2');
    await git.init({ fs, dir: iso, defaultBranch: 'main' });
    sb.write('iso2/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\n');
    sb.write('iso2/big.bin', big);
    sb.write('iso2/readme.txt', 'hello\n');
    await git.add({ fs, dir: iso, filepath: ['.gitattributes', 'readme.txt'] });
    expect(await isLfsTracked({ dir: iso, filepath: 'big.bin' })).toBe(true);
    expect(await isLfsTracked({ dir: iso, filepath: 'readme.txt' })).toBe(false);
    const { pointer } = await cleanToPointer({ dir: iso, path: 'big.bin' });
    const oid = await git.writeBlob({ fs, dir: iso, blob: pointer });
    await git.updateIndex({ fs, dir: iso, filepath: 'big.bin', oid, add: true });
    await git.commit({ fs, dir: iso, message: 'add', author });
  });

  it('is an LFS repository to git-lfs (ls-files, fsck, smudge on checkout)', async () => {
    for (const [k, v] of [['filter.lfs.clean', 'git-lfs clean -- %f'], ['filter.lfs.smudge', 'git-lfs smudge -- %f'], ['filter.lfs.process', 'git-lfs filter-process'], ['filter.lfs.required', 'true']]) {
      await sb.git(['config', k!, v!], { cwd: iso });
    }
    const ls = await sb.gitLfs(['ls-files', '-l'], { cwd: iso });
    expect(ls.stdout).toBe(`${sha(big)} * big.bin\n`);
    const fsck = await sb.gitLfs(['fsck'], { cwd: iso });
    expect(fsck.exitCode).toBe(0);
    // git-lfs smudges the committed pointer back to the content from the store we wrote.
    const blob = await sb.git(['cat-file', 'blob', 'HEAD:big.bin'], { cwd: iso });
    const sm = await sb.gitLfs(['smudge', '--', 'big.bin'], { cwd: iso, input: blob.stdoutBuffer });
    expect(sm.exitCode).toBe(0);
    expect(sm.stdoutBuffer.equals(big)).toBe(true);
    // and git, cleaning the work tree file through git-lfs, sees no change.
    expect((await sb.git(['diff', '--exit-code', '--', 'big.bin'], { cwd: iso })).exitCode).toBe(0);
  });

  it('reads content back with readLfsBlob and smudgeBlob', async () => {
    const r = await readLfsBlob({ dir: iso, filepath: 'big.bin' });
    expect(r.pointer?.oid).toBe(sha(big));
    expect(r.size).toBe(big.length);
    expect((await collect(r.stream)).equals(big)).toBe(true);
    const plain = await readLfsBlob({ dir: iso, filepath: 'readme.txt' });
    expect(plain.pointer).toBeNull();
    expect((await collect(plain.stream)).toString()).toBe('hello\n');
    // smudgeBlob with a reusable context
    const context = await resolveLfsStore({ dir: iso });
    const { blob } = await git.readBlob({ fs, dir: iso, oid: await git.resolveRef({ fs, dir: iso, ref: 'HEAD' }), filepath: 'big.bin' });
    const s = await smudgeBlob({ dir: iso, context, blob, filepath: 'big.bin' });
    expect((await collect(s.stream)).equals(big)).toBe(true);
  });
});

describe('smudgeBlob: missing, fetched and corrupt objects', () => {
  let d: string;
  beforeAll(async () => {
    d = join(sb.root, 'smudge');
    await git.init({ fs, dir: d });
  });
  const content = Buffer.from('the real content of a missing object\n'.repeat(100));
  const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha(content)}\nsize ${content.length}\n`);

  it('throws ObjectMissingError when the object is not local', async () => {
    await expect(smudgeBlob({ dir: d, blob: pointer, filepath: 'x.bin' })).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(smudgeBlob({ dir: d, blob: pointer, fetchMissing: async () => null })).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it('refuses bad bytes from fetchMissing and stores nothing', async () => {
    const bad = Buffer.from(content);
    bad[3] ^= 1;
    await expect(smudgeBlob({ dir: d, blob: pointer, fetchMissing: async () => Readable.from([bad]) })).rejects.toBeInstanceOf(IntegrityError);
    expect(fs.existsSync(objPath(d, sha(content)))).toBe(false);
    expect(fs.readdirSync(join(d, '.git', 'lfs', 'tmp'))).toEqual([]);
  });

  it('stores and serves what fetchMissing supplies', async () => {
    const seen: string[] = [];
    const r = await smudgeBlob({
      dir: d,
      blob: pointer,
      filepath: 'x.bin',
      fetchMissing: async (o) => {
        seen.push(`${o.filepath} ${o.oid} ${o.size}`);
        return Readable.from([content.subarray(0, 10), content.subarray(10)]);
      },
    });
    expect(seen).toEqual([`x.bin ${sha(content)} ${content.length}`]);
    expect((await collect(r.stream)).equals(content)).toBe(true);
    expect(readFileSync(objPath(d, sha(content))).equals(content)).toBe(true);
  });

  it('fails the stream when the stored object is corrupt', async () => {
    const p = objPath(d, sha(content));
    const bad = Buffer.from(content);
    bad[0] ^= 1;
    chmodSync(p, 0o644);
    writeFileSync(p, bad);
    const r = await smudgeBlob({ dir: d, blob: pointer });
    await expect(collect(r.stream)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('passes non-pointers through without opening a repository', async () => {
    const text = Buffer.from('not a pointer\n');
    const r = await smudgeBlob({ dir: join(sb.root, 'no-such-repo'), blob: text });
    expect(r.pointer).toBeNull();
    expect((await collect(r.stream)).equals(text)).toBe(true);
  });
});

describe('materializeLfsFiles after an isomorphic-git checkout of a git + git-lfs repository', () => {
  let r: string;
  const files: Record<string, Buffer> = {
    'a.bin': Buffer.alloc(3000, 1),
    'dir/b.bin': Buffer.from('b content\n'.repeat(500)),
    'dir/deep/c.bin': Buffer.alloc(70_000, 3),
    'run.bin': Buffer.alloc(2000, 4),
    'gone.bin': Buffer.alloc(4000, 5),
    'sym/x.bin': Buffer.alloc(1500, 6),
  };
  const fake = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha(Buffer.alloc(3000, 1))}\nsize 3000\n`;

  beforeAll(async () => {
    r = await sb.initRepo('r', 'git-lfs');
    sb.write('r/.gitattributes', '*.bin filter=lfs diff=lfs merge=lfs -text\nplain/* -filter\n');
    for (const [p, data] of Object.entries(files)) sb.write(`r/${p}`, data);
    chmodSync(join(r, 'run.bin'), 0o755);
    // A pointer-looking file that is not LFS-tracked: must stay as it is.
    sb.write('r/plain/fake.bin', fake);
    expect((await sb.git(['add', '.'], { cwd: r })).exitCode).toBe(0);
    expect((await sb.git(['commit', '-q', '-m', 'lfs files'], { cwd: r })).exitCode).toBe(0);
    // Drop the work tree and let isomorphic-git check it out: it writes the pointers.
    for (const p of [...Object.keys(files), 'plain/fake.bin']) rmSync(join(r, p));
    await git.checkout({ fs, dir: r, ref: 'main', force: true });
    expect(readFileSync(join(r, 'a.bin'), 'utf8')).toMatch(/^version https:\/\/git-lfs/);
    // One object is not local; one directory became a symlink (the write must not follow it).
    rmSync(objPath(r, sha(files['gone.bin']!)));
    const outside = join(sb.root, 'outside');
    mkdirSync(outside);
    fs.renameSync(join(r, 'sym', 'x.bin'), join(outside, 'x.bin'));
    rmSync(join(r, 'sym'), { recursive: true });
    symlinkSync(outside, join(r, 'sym'));
  });

  it('replaces tracked pointers with verified content, safely', async () => {
    const seen: string[] = [];
    const res = await materializeLfsFiles({ dir: r, onFile: (e) => seen.push(e.path) });
    expect(res.written.sort()).toEqual(['a.bin', 'dir/b.bin', 'dir/deep/c.bin', 'run.bin']);
    expect(seen.sort()).toEqual(res.written);
    expect(res.missing).toEqual([{ path: 'gone.bin', oid: sha(files['gone.bin']!), size: 4000 }]);
    expect(res.failed.map((f) => [f.path, f.error.message])).toEqual([['sym/x.bin', expect.stringMatching(/not a directory/)]]);
    for (const p of res.written) expect(readFileSync(join(r, p)).equals(files[p]!)).toBe(true);
    expect(statSync(join(r, 'run.bin')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(r, 'gone.bin'), 'utf8')).toMatch(/^version /);
    expect(readFileSync(join(r, 'plain', 'fake.bin'), 'utf8')).toBe(fake);
    expect(readFileSync(join(sb.root, 'outside', 'x.bin'), 'utf8')).toMatch(/^version /);
    expect(lstatSync(join(r, 'sym')).isSymbolicLink()).toBe(true);
    // No temp files left next to the written files.
    expect(fs.readdirSync(join(r, 'dir')).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('leaves content that git + git-lfs cleans back to the committed pointers', async () => {
    // `git diff` cleans each file through git-lfs and compares blobs: only the sabotaged entry
    // differs. (`git status` would list the written files too, from the stale index sizes that
    // isomorphic-git's checkout recorded for the pointers, without looking at content.)
    const st = await sb.git(['diff', '--name-only'], { cwd: r });
    expect(st.stdout.split('\n').filter(Boolean).sort()).toEqual(['sym/x.bin']);
  });

  it('is idempotent and fetches missing objects through the hook', async () => {
    const res = await materializeLfsFiles({ dir: r, filepaths: ['a.bin', 'gone.bin'], fetchMissing: async () => Readable.from([files['gone.bin']!]) });
    expect(res.written).toEqual(['gone.bin']);
    expect(res.missing).toEqual([]);
    expect(readFileSync(join(r, 'gone.bin')).equals(files['gone.bin']!)).toBe(true);
  });

  it('does not replace a pointer with corrupt store content', async () => {
    const p = objPath(r, sha(files['a.bin']!));
    await git.checkout({ fs, dir: r, ref: 'main', force: true, filepaths: ['a.bin'] });
    const pointerText = readFileSync(join(r, 'a.bin'), 'utf8');
    chmodSync(p, 0o644);
    writeFileSync(p, Buffer.alloc(3000, 9));
    const res = await materializeLfsFiles({ dir: r, filepaths: ['a.bin'] });
    expect(res.written).toEqual([]);
    expect(res.failed[0]?.error).toBeInstanceOf(IntegrityError);
    expect(readFileSync(join(r, 'a.bin'), 'utf8')).toBe(pointerText);
  });

  it('works in a linked worktree (store in the common dir, index in the worktree git dir)', async () => {
    const wt = join(sb.root, 'r-wt');
    writeFileSync(objPath(r, sha(files['a.bin']!)), files['a.bin']!); // undo the corruption above
    const add = await sb.git(['worktree', 'add', '-q', '-b', 'wtb', wt], { cwd: r, env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    expect(add.exitCode).toBe(0);
    expect(readFileSync(join(wt, 'dir', 'b.bin'), 'utf8')).toMatch(/^version /);
    const res = await materializeLfsFiles({ dir: wt });
    expect(res.written.sort()).toEqual(['a.bin', 'dir/b.bin', 'dir/deep/c.bin', 'gone.bin', 'run.bin', 'sym/x.bin']);
    expect(res.failed).toEqual([]);
    for (const p of res.written) expect(readFileSync(join(wt, p)).equals(files[p]!)).toBe(true);
    expect(readFileSync(join(wt, 'plain', 'fake.bin'), 'utf8')).toBe(fake);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { validateRepoPath, isDotGitLookalike, writeUserFile, writeWorktreeFile, type WriteSource } from '../../src/ops/worktreeWriter.js';
import { UnsafePathError } from '../../src/errors/TslfsError.js';

const bufSource = (data: string | Buffer, check = true): WriteSource => {
  const b = Buffer.from(data);
  return { open: () => Readable.from([b]), ...(check ? { size: b.length, oid: createHash('sha256').update(b).digest('hex') } : {}) };
};

/** A source that yields some bytes and then fails (F8: the store object becomes unreadable). */
const failingSource = (): WriteSource => ({
  size: 4 << 20,
  open: () =>
    Readable.from(
      (async function* () {
        yield Buffer.alloc(1 << 20, 0x61);
        yield Buffer.alloc(1 << 20, 0x62);
        throw Object.assign(new Error('EIO: simulated read error'), { code: 'EIO' });
      })(),
    ),
});

describe('validateRepoPath', () => {
  const ok = ['a.dat', 'dir/a.dat', 'd i r/x y.dat', 'a..b', '.gitattributes', '.github/x', 'git~2/x', 'x/.gitignore', 'café.bin', 'ab:c', 'new\nline', 'con-tent.txt', 'auxiliary.c'];
  const bad = [
    '', '/etc/passwd', '\\evil', 'C:x', 'a:b', 'c:\\x', '../x', 'a/../../x', 'a/./b', 'a//b', 'a/', '.', '..',
    '.git/config', '.GIT/config', 'x/.Git/hooks/pre-commit', '.git./x', '.git /x', 'git~1/config', 'GIT~1/x',
    '.g\u200cit/config', '\ufeff.git/x', '.git::$INDEX_ALLOCATION/x', 'a\\..\\b', 'x\\.git\\config',
    'NUL', 'con.dat', 'dir/aux.txt', 'COM1', 'lpt9.log', 'CONIN$', 'trailing.', 'trailing ', 'dir./x', 'a\0b',
  ];
  it.each(ok)('accepts %j', (p) => expect(validateRepoPath(p, { windowsChars: false })).toBe(p));
  it.each(bad)('refuses %j', (p) => expect(() => validateRepoPath(p, { windowsChars: false })).toThrow(UnsafePathError));
  it('applies Windows character rules when asked', () => {
    for (const p of ['ab:c', 'a<b', 'a|b', 'a?b', 'a*b', 'a"b', 'new\nline']) expect(() => validateRepoPath(p, { windowsChars: true })).toThrow(/Windows/);
  });
  it('recognises .git look-alikes (property: any case, trailing dots/spaces, ignorables)', () => {
    const variants = ['.git', '.GIT', '.gIt', '.git.', '.git..', '.git ', '.git . ', '\u200c.git', '.g\u200dit', 'GIT~1', '.git:stream'];
    for (const v of variants) expect(isDotGitLookalike(v)).toBe(true);
    for (const v of ['.gitx', 'x.git', 'git', '.gi', 'git~10']) expect(isDotGitLookalike(v)).toBe(false);
  });
});

describe('writeWorktreeFile', () => {
  let root: string;
  let wt: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'tslfs-wtw-')));
    wt = join(root, 'wt');
    mkdirSync(wt);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const noTemps = (dir: string) => expect(readdirSync(dir).filter((n) => n.includes('.tslfs-'))).toEqual([]);

  it('creates missing parent directories and the file', async () => {
    const r = await writeWorktreeFile({ workTree: wt, path: 'a/b/c.dat', source: bufSource('hello') });
    expect(r).toMatchObject({ written: true, bytes: 5, created: true });
    expect(readFileSync(join(wt, 'a/b/c.dat'), 'utf8')).toBe('hello');
    // The stat returned is the written file's: what an index entry must record for it.
    const st = lstatSync(join(wt, 'a/b/c.dat'), { bigint: true });
    expect(r.written && r.stat && [r.stat.ino, r.stat.mtimeNs, r.stat.ctimeNs, r.stat.size]).toEqual([st.ino, st.mtimeNs, st.ctimeNs, 5n]);
    noTemps(join(wt, 'a/b'));
  });

  it('makes executables executable and keeps existing permission bits', async () => {
    await writeWorktreeFile({ workTree: wt, path: 'x.sh', source: bufSource('#!/bin/sh\n'), executable: true });
    expect(statSync(join(wt, 'x.sh')).mode & 0o111).not.toBe(0);
    writeFileSync(join(wt, 'ro.dat'), 'pointer');
    chmodSync(join(wt, 'ro.dat'), 0o440);
    await writeWorktreeFile({ workTree: wt, path: 'ro.dat', source: bufSource('content') });
    expect(statSync(join(wt, 'ro.dat')).mode & 0o777).toBe(0o440);
    expect(readFileSync(join(wt, 'ro.dat'), 'utf8')).toBe('content');
  });

  it('HR7: refuses a symlinked parent directory and writes nothing outside', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    symlinkSync('../outside', join(wt, 'dir1'));
    await expect(writeWorktreeFile({ workTree: wt, path: 'dir1/a.dat', source: bufSource('x') })).rejects.toThrow(/not a directory/);
    // Dangling link and a link deeper down.
    mkdirSync(join(wt, 'dir2'));
    symlinkSync('../../outside2', join(wt, 'dir2', 'dir3'));
    await expect(writeWorktreeFile({ workTree: wt, path: 'dir2/dir3/dir4/a.dat', source: bufSource('x') })).rejects.toThrow(/not a directory/);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(root, 'outside2'))).toBe(false);
  });

  it('refuses a regular file where a directory should be', async () => {
    writeFileSync(join(wt, 'dir1'), 'file');
    await expect(writeWorktreeFile({ workTree: wt, path: 'dir1/a.dat', source: bufSource('x') })).rejects.toThrow(/not a directory/);
    expect(readFileSync(join(wt, 'dir1'), 'utf8')).toBe('file');
  });

  it('HR8: refuses a symlink at the file path (existing, dangling, to a directory)', async () => {
    writeFileSync(join(root, 'victim'), 'victim');
    symlinkSync('../victim', join(wt, 'a.dat'));
    symlinkSync('../nothing', join(wt, 'b.dat'));
    mkdirSync(join(root, 'vdir'));
    symlinkSync('../vdir', join(wt, 'c.dat'));
    for (const p of ['a.dat', 'b.dat', 'c.dat']) {
      await expect(writeWorktreeFile({ workTree: wt, path: p, source: bufSource('x') })).rejects.toThrow(/not a regular file/);
    }
    expect(readFileSync(join(root, 'victim'), 'utf8')).toBe('victim');
    expect(existsSync(join(root, 'nothing'))).toBe(false);
    expect(readdirSync(join(root, 'vdir'))).toEqual([]);
    expect(lstatSync(join(wt, 'a.dat')).isSymbolicLink()).toBe(true);
  });

  it('HR9: breaks hard links (the other name keeps its bytes)', async () => {
    writeFileSync(join(root, 'link'), 'pointer text');
    linkSync(join(root, 'link'), join(wt, 'a.dat'));
    const before = statSync(join(wt, 'a.dat')).ino;
    await writeWorktreeFile({ workTree: wt, path: 'a.dat', source: bufSource('content') });
    expect(readFileSync(join(root, 'link'), 'utf8')).toBe('pointer text');
    expect(readFileSync(join(wt, 'a.dat'), 'utf8')).toBe('content');
    expect(statSync(join(wt, 'a.dat')).ino).not.toBe(before);
  });

  it('F8: a source failing mid-way leaves the old file intact and no temp file', async () => {
    writeFileSync(join(wt, 'a.dat'), 'old pointer');
    await expect(writeWorktreeFile({ workTree: wt, path: 'a.dat', source: failingSource() })).rejects.toThrow(/simulated read error/);
    expect(readFileSync(join(wt, 'a.dat'), 'utf8')).toBe('old pointer');
    noTemps(wt);
    // A missing file stays missing.
    await expect(writeWorktreeFile({ workTree: wt, path: 'new.dat', source: failingSource() })).rejects.toThrow();
    expect(existsSync(join(wt, 'new.dat'))).toBe(false);
    noTemps(wt);
  });

  it('F8/F12: wrong size or wrong hash is not written', async () => {
    writeFileSync(join(wt, 'a.dat'), 'old');
    const wrongSize: WriteSource = { size: 10, open: () => Readable.from([Buffer.from('short')]) };
    await expect(writeWorktreeFile({ workTree: wt, path: 'a.dat', source: wrongSize })).rejects.toThrow(/expected 10 bytes/);
    const wrongHash: WriteSource = { size: 5, oid: '0'.repeat(64), open: () => Readable.from([Buffer.from('hello')]) };
    await expect(writeWorktreeFile({ workTree: wt, path: 'a.dat', source: wrongHash })).rejects.toThrow(/corrupt/);
    expect(readFileSync(join(wt, 'a.dat'), 'utf8')).toBe('old');
    noTemps(wt);
  });

  it('skips when canReplace says no, and refuses without a work tree or with unsafe paths', async () => {
    writeFileSync(join(wt, 'a.dat'), 'modified');
    expect(await writeWorktreeFile({ workTree: wt, path: 'a.dat', source: bufSource('x'), canReplace: () => false })).toEqual({ written: false, skipped: true });
    expect(readFileSync(join(wt, 'a.dat'), 'utf8')).toBe('modified');
    await expect(writeWorktreeFile({ workTree: null, path: 'etc/passwd', source: bufSource('x') })).rejects.toThrow(/work tree/);
    await expect(writeWorktreeFile({ workTree: wt, path: '../escape', source: bufSource('x') })).rejects.toThrow(UnsafePathError);
    await expect(writeWorktreeFile({ workTree: wt, path: '.git/hooks/x', source: bufSource('x') })).rejects.toThrow(UnsafePathError);
    expect(existsSync(join(root, 'escape'))).toBe(false);
    expect(existsSync(join(wt, '.git'))).toBe(false);
  });

  it('leaves a file alone that the user changed while the content was being written', async () => {
    const target = join(wt, 'a.dat');
    writeFileSync(target, 'pointer');
    const racing: WriteSource = {
      open: () =>
        Readable.from(
          (async function* () {
            yield Buffer.from('con');
            writeFileSync(target, 'user edit, longer');
            yield Buffer.from('tent');
          })(),
        ),
    };
    await expect(writeWorktreeFile({ workTree: wt, path: 'a.dat', source: racing })).rejects.toThrow(/changed while/);
    expect(readFileSync(target, 'utf8')).toBe('user edit, longer');
    noTemps(wt);
  });

  it('streams large content without changing it', async () => {
    const chunks = Array.from({ length: 8 }, (_, i) => Buffer.alloc(1 << 20, i));
    const all = Buffer.concat(chunks);
    const src: WriteSource = { size: all.length, oid: createHash('sha256').update(all).digest('hex'), open: () => Readable.from(chunks) };
    await writeWorktreeFile({ workTree: wt, path: 'big.bin', source: src });
    expect(readFileSync(join(wt, 'big.bin')).equals(all)).toBe(true);
  });
});

describe('writeUserFile (checkout --to)', () => {
  let root: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'tslfs-wuf-')));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('replaces a symlink or hard link at the destination instead of writing through it', async () => {
    writeFileSync(join(root, 'target'), 'target');
    symlinkSync('target', join(root, 'out.txt'));
    writeFileSync(join(root, 'link1'), 'link1');
    linkSync(join(root, 'link1'), join(root, 'hard.txt'));
    await writeUserFile(root, 'out.txt', bufSource('stage'));
    await writeUserFile(root, 'hard.txt', bufSource('stage'));
    expect(lstatSync(join(root, 'out.txt')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(root, 'out.txt'), 'utf8')).toBe('stage');
    expect(readFileSync(join(root, 'target'), 'utf8')).toBe('target');
    expect(readFileSync(join(root, 'link1'), 'utf8')).toBe('link1');
    expect(readFileSync(join(root, 'hard.txt'), 'utf8')).toBe('stage');
  });

  it('creates parent directories, refuses a directory at the destination', async () => {
    const r = await writeUserFile(root, 'a/b/c.txt', bufSource('x'));
    expect(r.path).toBe(join(root, 'a/b/c.txt'));
    mkdirSync(join(root, 'dir'));
    await expect(writeUserFile(root, 'dir', bufSource('x'))).rejects.toThrow(/not a regular file/);
  });
});

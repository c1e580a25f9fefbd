/**
 * File names that are not UTF-8 (git stores names as bytes; HR12). filter-process must echo
 * git's pathname byte for byte: a delayed smudge is named again in list_available_blobs, and a
 * lossy decoding there made git reject the answer, failing every clone of such a repository.
 * `tslfs checkout` and `pull` write such a name under its exact bytes, never under the lossy
 * (U+FFFD) name, with the same symlink checks as any other. ls-files prints such names
 * as git-lfs does: their bytes in text, \ufffd for each bad byte in JSON.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRemoteRepo } from '../support/localRemoteRepo.js';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';

/** A path under `dir` whose last component is `a<byte>.bin`, as bytes. */
function rawName(dir: string, byte: number): Buffer {
  return Buffer.concat([Buffer.from(`${dir}/a`), Buffer.from([byte]), Buffer.from('.bin')]);
}

describe('file names that are not UTF-8', () => {
  let sb: Sandbox;
  let work: string;
  const contents = new Map<number, string>([
    [0xfe, 'content of a\\376\n'],
    [0xff, 'content of a\\377\n'],
  ]);
  beforeAll(async () => {
    sb = makeSandbox();
    work = await localRemoteRepo(sb);
    // Two names that decode to the same string when invalid bytes become U+FFFD.
    for (const [byte, text] of contents) writeFileSync(rawName(work, byte), text);
    sb.write('work/plain.bin', 'plain name\n');
    await sb.git(['add', '.'], { cwd: work });
    const c = await sb.git(['commit', '-qm', 'names'], { cwd: work });
    expect(c.exitCode, c.stderr).toBe(0);
    const p = await sb.git(['push', '-q', 'origin', 'main'], { cwd: work });
    expect(p.exitCode, p.stderr).toBe(0);
  });
  afterAll(() => sb.cleanup());

  it('git clone smudges them through delayed checkout, each with its own content', async () => {
    const r = await sb.git(['clone', '-q', join(sb.root, 'remote.git'), 'clone'], { env: { GIT_TRACE_PACKET: join(sb.root, 'packet.log') } });
    expect(r.exitCode, r.stderr).toBe(0);
    const clone = join(sb.root, 'clone');
    for (const [byte, text] of contents) expect(readFileSync(rawName(clone, byte), 'utf8')).toBe(text);
    expect(readFileSync(join(clone, 'plain.bin'), 'utf8')).toBe('plain name\n');
    const trace = readFileSync(join(sb.root, 'packet.log'), 'latin1');
    // Delayed, then listed as available: the answer git rejected before the fix.
    expect(trace).toContain('status=delayed');
    expect(trace).toContain('command=list_available_blobs');
    const st = await sb.git(['status', '--porcelain'], { cwd: clone });
    expect(st.stdout).toBe('');
  });

  it('ls-files prints them byte for byte as git-lfs does (text, --debug, --all, --json)', async () => {
    const clone = join(sb.root, 'clone');
    for (const args of [[], ['--long', '--size'], ['--debug'], ['--all'], ['--json'], ['--name-only']]) {
      const [a, b] = await Promise.all([sb.gitLfs(['ls-files', ...args], { cwd: clone }), sb.tslfs(['ls-files', ...args], { cwd: clone })]);
      expect(a.exitCode).toBe(0);
      expect(b.exitCode, b.stderr).toBe(0);
      expect(b.stdoutBuffer.equals(a.stdoutBuffer), `ls-files ${args.join(' ')}:\n${b.stdout}\nvs\n${a.stdout}`).toBe(true);
    }
    // Both names are listed, with their own bytes (not merged into one lossy name).
    const text = (await sb.tslfs(['ls-files', '--name-only'], { cwd: clone })).stdoutBuffer;
    expect(text.includes(Buffer.from([0x61, 0xfe, 0x2e]))).toBe(true);
    expect(text.includes(Buffer.from([0x61, 0xff, 0x2e]))).toBe(true);
  });

  it('status and ls-files agree with git-lfs on staged and modified ones, with either core.quotePath', async () => {
    const clone = join(sb.root, 'clone');
    writeFileSync(rawName(clone, 0xfe), 'modified\n');
    writeFileSync(rawName(clone, 0xfd), 'new file\n');
    writeFileSync(join(clone, 'é.bin'), 'accented\n');
    // (git matches `?` against one byte: Node cannot pass the bytes themselves in argv.)
    expect((await sb.git(['add', '--', 'a?.bin', 'é.bin'], { cwd: clone })).exitCode).toBe(0);
    writeFileSync(rawName(clone, 0xff), 'modified, not staged\n');
    for (const quote of ['true', 'false']) {
      await sb.git(['config', 'core.quotePath', quote], { cwd: clone });
      for (const args of [['status', '--porcelain'], ['status', '--json'], ['ls-files'], ['ls-files', '--json'], ['ls-files', '--debug']]) {
        const a = await sb.gitLfs(args, { cwd: clone });
        const b = await sb.tslfs(args, { cwd: clone });
        expect(b.exitCode, b.stderr).toBe(a.exitCode);
        expect(b.stdoutBuffer.equals(a.stdoutBuffer), `${quote} ${args.join(' ')}:\n${b.stdout}\nvs\n${a.stdout}`).toBe(true);
      }
    }
    await sb.git(['config', '--unset', 'core.quotePath'], { cwd: clone });
    // Put the clone back as the later tests expect it.
    await sb.git(['rm', '-q', '--cached', '--', 'é.bin'], { cwd: clone });
    rmSync(join(clone, 'é.bin'));
    expect((await sb.git(['reset', '-q', '--hard'], { cwd: clone })).exitCode).toBe(0);
    expect((await sb.git(['clean', '-qfx'], { cwd: clone })).exitCode).toBe(0);
    expect((await sb.git(['status', '--porcelain'], { cwd: clone })).stdout).toBe('');
  });

  it('tslfs checkout writes them under their own bytes and leaves git status clean', async () => {
    const clone = join(sb.root, 'clone');
    for (const byte of contents.keys()) rmSync(rawName(clone, byte));
    rmSync(join(clone, 'plain.bin'));
    const r = await sb.tslfs(['checkout'], { cwd: clone });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const [byte, text] of contents) expect(readFileSync(rawName(clone, byte), 'utf8')).toBe(text);
    expect(readFileSync(join(clone, 'plain.bin'), 'utf8')).toBe('plain name\n');
    // Nothing appeared under the lossy (U+FFFD) name; the index entries were refreshed.
    expect(existsSync(join(clone, 'a\ufffd.bin'))).toBe(false);
    expect(readdirSync(clone).length).toBe(5);
    const st = await sb.git(['status', '--porcelain'], { cwd: clone });
    expect(st.stdout).toBe('');
  });

  it('tslfs pull of a clone made without smudging fetches and writes them', async () => {
    const r = await sb.git(['clone', '-q', join(sb.root, 'remote.git'), 'bare-clone'], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    expect(r.exitCode, r.stderr).toBe(0);
    const clone = join(sb.root, 'bare-clone');
    // Pointers in the work tree, no objects yet.
    for (const byte of contents.keys()) expect(readFileSync(rawName(clone, byte), 'utf8')).toMatch(/^version https:\/\/git-lfs/);
    const p = await sb.tslfs(['pull'], { cwd: clone });
    expect(p.exitCode, p.stderr).toBe(0);
    for (const [byte, text] of contents) expect(readFileSync(rawName(clone, byte), 'utf8')).toBe(text);
    expect(existsSync(join(clone, 'a\ufffd.bin'))).toBe(false);
    expect((await sb.git(['status', '--porcelain'], { cwd: clone })).stdout).toBe('');
    // fsck finds every object, under every name.
    const f = await sb.tslfs(['fsck'], { cwd: clone });
    expect(f.exitCode, f.stderr).toBe(0);
  });

  it('a name whose directory is not UTF-8 is written there too, and a symlink under such a name is not followed', async () => {
    const clone = join(sb.root, 'bare-clone');
    const dir = Buffer.concat([Buffer.from(`${clone}/d`), Buffer.from([0xe9]), Buffer.from('r')]);
    const file = Buffer.concat([dir, Buffer.from('/inner.bin')]);
    mkdirSync(dir);
    writeFileSync(file, 'inner content\n');
    expect((await sb.git(['add', '.'], { cwd: clone })).exitCode).toBe(0);
    expect((await sb.git(['commit', '-qm', 'dir'], { cwd: clone })).exitCode).toBe(0);
    // The directory becomes a symlink to a directory outside the work tree: never written through.
    const outside = join(sb.root, 'outside');
    mkdirSync(outside);
    rmSync(dir, { recursive: true });
    symlinkSync(outside, dir);
    const r = await sb.tslfs(['checkout'], { cwd: clone });
    expect(r.stderr).toMatch(/not a directory/);
    expect(readdirSync(outside)).toEqual([]);
    // With the link gone, the directory is made under its own bytes and the file written.
    rmSync(dir);
    const r2 = await sb.tslfs(['checkout'], { cwd: clone });
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('inner content\n');
    expect((await sb.git(['status', '--porcelain'], { cwd: clone })).stdout).toBe('');
  });
});

/**
 * File names that are not UTF-8 (git stores names as bytes; HR12). filter-process must echo
 * git's pathname byte for byte: a delayed smudge is named again in list_available_blobs, and a
 * lossy decoding there made git reject the answer, failing every clone of such a repository.
 * `tslfs checkout` cannot write such a name yet: it must say so, never write a file under the
 * lossy (U+FFFD) name, and leave the rest of the checkout working. ls-files prints such names
 * as git-lfs does: their bytes in text, \ufffd for each bad byte in JSON.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('tslfs checkout names them in an error and never writes a file under a lossy name', async () => {
    const clone = join(sb.root, 'clone');
    for (const byte of contents.keys()) rmSync(rawName(clone, byte));
    rmSync(join(clone, 'plain.bin'));
    const r = await sb.tslfs(['checkout'], { cwd: clone });
    // The checkout is incomplete through a limit of tslfs: non-zero, unlike a file skipped for safety.
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('"a\\376.bin" is not valid UTF-8');
    expect(r.stderr).toContain('"a\\377.bin" is not valid UTF-8');
    // The other file is restored; nothing appeared under the U+FFFD name.
    expect(readFileSync(join(clone, 'plain.bin'), 'utf8')).toBe('plain name\n');
    expect(existsSync(join(clone, 'a\ufffd.bin'))).toBe(false);
    expect(readdirSync(clone).sort()).toEqual(['.git', '.gitattributes', 'plain.bin']);
    // git itself restores them through filter-process (the objects are local).
    const g = await sb.git(['checkout', '--', '.'], { cwd: clone });
    expect(g.exitCode, g.stderr).toBe(0);
    for (const [byte, text] of contents) expect(readFileSync(rawName(clone, byte), 'utf8')).toBe(text);
  });
});

/**
 * Shared setup of the SSH integration tests: a sandbox with tslfs installed, the HTTP test LFS
 * server, a real sshd whose git-lfs-authenticate points at it (test/support/sshServer.ts), a
 * private TMPDIR for the client (control sockets), and a helper that makes a committed work repo
 * with LFS files and an ssh:// origin. Registers its own beforeAll/afterAll.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startLfsServer } from './lfsServer/main.js';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { startSshd, type Sshd } from './sshServer.js';

export type LfsServer = Awaited<ReturnType<typeof startLfsServer>>;

export interface SshFixture {
  readonly sb: Sandbox;
  readonly srv: LfsServer;
  readonly sshd: Sshd;
  /** The client's TMPDIR (ssh control socket directories go here). */
  readonly clientTmp: string;
  /** Default LFS files of a work repo. */
  readonly files: Record<string, Buffer>;
  /** A committed work repo root/<name> with `content` as LFS files and origin = remote. */
  workRepo(name: string, remote: string, filter?: 'none' | 'git-lfs', content?: Record<string, Buffer>): Promise<string>;
  /** <bare>/lfs/objects/aa/bb/<oid> (where the git-lfs-transfer test server keeps objects). */
  bareObject(bare: string, oid: string): string;
}

export function useSshFixture(fileCount = 6): SshFixture {
  let sb: Sandbox;
  let srv: LfsServer;
  let sshd: Sshd;
  let clientTmp: string;
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < fileCount; i++) files[`f${i}.bin`] = Buffer.alloc(30_000 + i * 1000, 97 + i);

  beforeAll(async () => {
    sb = makeSandbox();
    srv = await startLfsServer({ root: join(sb.root, 'server') });
    sshd = await startSshd({ dir: join(sb.root, 'sshd'), httpBase: srv.url });
    clientTmp = join(sb.root, 'tmp');
    mkdirSync(clientTmp);
    Object.assign(sb.env, sshd.clientEnv, { TMPDIR: clientTmp });
    expect((await sb.tslfs(['install'])).exitCode).toBe(0);
  });
  afterAll(async () => {
    await sshd?.stop();
    await srv?.stop();
    sb?.cleanup();
  });

  return {
    get sb() {
      return sb;
    },
    get srv() {
      return srv;
    },
    get sshd() {
      return sshd;
    },
    get clientTmp() {
      return clientTmp;
    },
    files,
    async workRepo(name, remote, filter = 'none', content = files) {
      const dir = await sb.initRepo(name, filter);
      sb.write(`${name}/.gitattributes`, '*.bin filter=lfs diff=lfs merge=lfs -text\n');
      for (const [n, d] of Object.entries(content)) sb.write(`${name}/${n}`, d);
      expect((await sb.git(['add', '.'], { cwd: dir })).exitCode).toBe(0);
      expect((await sb.git(['commit', '-qm', 'files'], { cwd: dir })).exitCode).toBe(0);
      await sb.git(['remote', 'add', 'origin', remote], { cwd: dir });
      return dir;
    },
    bareObject: (bare, oid) => join(bare, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid),
  };
}

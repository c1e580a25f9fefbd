/**
 * A real OpenSSH server for tests, on 127.0.0.1 and a random port, with throwaway keys:
 *
 *   const sshd = await startSshd({ dir, httpBase: srv.url });
 *   git clone ssh://root@127.0.0.1:PORT/abs/path/r.git   with env sshd.clientEnv
 *   await sshd.stop();
 *
 * Host and client keys are made by ssh-keygen in `dir`; authorized_keys holds the client key with
 * `command="<dir>/dispatch.sh"`, which logs SSH_ORIGINAL_COMMAND (sshd.commands()) and runs it
 * with `sh -c` and a PATH whose first entry is <dir>/bin, where
 *   git-lfs-transfer      runs test/support/lfsTransferServer (bundled with esbuild into dir),
 *   git-lfs-authenticate  answers {"href": "<httpBase>/<name>.git/info/lfs", "header": ...}
 * so git-upload-pack / git-receive-pack come from the system and `git clone ssh://` works.
 * Switches (files in dir, changed between runs): setAuth(mode) picks the authenticate reply
 * ('ok' | 'missing' (exit 127) | 'gerrit' | 'error' | 'header:<json>'); removeTransfer() /
 * restoreTransfer() make git-lfs-transfer missing; setTransferFault('corrupt' ...) sets
 * LFS_TRANSFER_FAULT for the transfer server.
 *
 * sshd runs in the foreground (-D -e) as a child of the test process; stop() kills it. Root
 * needs the privilege separation directory /run/sshd, created when missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT, shq } from './sandbox.js';

export const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => existsSync(p)) ?? 'sshd';

export interface SshdOptions {
  dir: string;
  /** Base URL of the HTTP LFS server git-lfs-authenticate points at (e.g. srv.url). */
  httpBase?: string;
}

export interface Sshd {
  port: number;
  user: string;
  dir: string;
  /** Private key of the client. */
  keyPath: string;
  /** GIT_SSH_COMMAND for clients. */
  sshCommand: string;
  /** Environment for git/tslfs/git-lfs runs (GIT_SSH_COMMAND). */
  clientEnv: Record<string, string>;
  /** `ssh://user@127.0.0.1:port<absPath>` */
  url(absPath: string): string;
  /** SSH_ORIGINAL_COMMAND of every session so far. */
  commands(): string[];
  /** The transfer server's command log (pid + command per line). */
  transferLog(): string[];
  /** sshd's own log (stderr). */
  log(): string;
  setAuth(mode: string): void;
  setTransferFault(fault: string): void;
  removeTransfer(): void;
  restoreTransfer(): void;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when the port answers with an SSH banner; rejects after `ms`. */
async function waitForBanner(port: number, child: ChildProcess, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      const t = setTimeout(() => {
        sock.destroy();
        resolve(false);
      }, 1000);
      sock.once('data', (d) => {
        clearTimeout(t);
        sock.destroy();
        resolve(d.toString('latin1').startsWith('SSH-'));
      });
      sock.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sshd did not start listening');
}

export async function startSshd(o: SshdOptions): Promise<Sshd> {
  const dir = o.dir;
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    /* not root: sshd then runs for the current user only, without the directory */
  }
  const hostKey = join(dir, 'host_ed25519');
  const keyPath = join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tslfs-test-host', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tslfs-test-client', '-f', keyPath]);
  chmodSync(keyPath, 0o600);

  // The transfer server, bundled once per sshd (esbuild: ~50 ms).
  const serverJs = join(dir, 'lfs-transfer-server.mjs');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['test/support/lfsTransferServer/main.ts'],
    outfile: serverJs,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  const node = process.execPath;
  const cmdLog = join(dir, 'commands.log');
  const transferLog = join(dir, 'transfer.log');
  writeFileSync(cmdLog, '');
  writeFileSync(transferLog, '');
  writeFileSync(join(dir, 'auth-mode'), 'ok');
  writeFileSync(join(dir, 'transfer-fault'), '');
  writeFileSync(join(dir, 'http-base'), o.httpBase ?? 'http://127.0.0.1:9');

  const script = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  const dispatch = script(
    'dispatch.sh',
    [
      `printf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> ${shq(cmdLog)}`,
      `PATH=${shq(bin)}:/usr/local/bin:/usr/bin:/bin`,
      'export PATH',
      'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
    ].join('\n'),
  );
  script(
    'bin/git-lfs-transfer',
    [
      `LFS_TRANSFER_FAULT=$(cat ${shq(join(dir, 'transfer-fault'))} 2>/dev/null)`,
      `LFS_TRANSFER_LOG=${shq(transferLog)}`,
      `LFS_TRANSFER_TIMES=${shq(join(dir, 'times.log'))}`,
      'export LFS_TRANSFER_FAULT LFS_TRANSFER_LOG LFS_TRANSFER_TIMES',
      `exec ${shq(node)} ${shq(serverJs)} "$@"`,
    ].join('\n'),
  );
  script(
    'bin/git-lfs-authenticate',
    [
      `mode=$(cat ${shq(join(dir, 'auth-mode'))})`,
      `base=$(cat ${shq(join(dir, 'http-base'))})`,
      'name=$(basename "$1" .git)',
      'case "$mode" in',
      `  missing) echo "sh: 1: git-lfs-authenticate: not found" >&2; exit 127 ;;`,
      `  gerrit) echo "fatal: git-lfs-authenticate: command not found" >&2; exit 1 ;;`,
      `  error) printf 'access denied for \\033[31mrepo\\n' >&2; exit 3 ;;`,
      `  header:*) printf '{"href":"%s/%s.git/info/lfs","header":%s,"expires_in":3600}\\n' "$base" "$name" "\${mode#header:}" ;;`,
      `  *) printf '{"href":"%s/%s.git/info/lfs","header":{"X-Ssh-Token":"tok-%s"},"expires_in":3600}\\n' "$base" "$name" "$2" ;;`,
      'esac',
    ].join('\n'),
  );
  const user = userInfo().username;
  const pub = readFileSync(`${keyPath}.pub`, 'utf8').trim();
  writeFileSync(join(dir, 'authorized_keys'), `command="${dispatch}",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${pub}\n`);

  let child: ChildProcess | null = null;
  let port = 0;
  let log = '';
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    const conf = join(dir, 'sshd_config');
    writeFileSync(
      conf,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${user}`,
        'MaxSessions 64',
        'MaxStartups 64:30:128',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const c = spawn(SSHD, ['-D', '-e', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d: Buffer) => {
      if (log.length < 1 << 20) log += d.toString('utf8');
    });
    try {
      await waitForBanner(port, c);
      child = c;
    } catch {
      c.kill('SIGKILL');
    }
  }
  if (!child) throw new Error(`could not start sshd:\n${log}`);
  const sshd = child;

  const sshCommand = `ssh -F /dev/null -i ${shq(keyPath)} -p ${port} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10`;
  const lines = (p: string): string[] => readFileSync(p, 'utf8').split('\n').filter(Boolean);
  return {
    port,
    user,
    dir,
    keyPath,
    sshCommand,
    clientEnv: { GIT_SSH_COMMAND: sshCommand },
    url: (absPath) => `ssh://${user}@127.0.0.1:${port}${absPath}`,
    commands: () => lines(cmdLog),
    transferLog: () => lines(transferLog),
    log: () => log,
    setAuth: (mode) => writeFileSync(join(dir, 'auth-mode'), mode),
    setTransferFault: (fault) => writeFileSync(join(dir, 'transfer-fault'), fault),
    removeTransfer: () => {
      if (existsSync(join(bin, 'git-lfs-transfer'))) renameSync(join(bin, 'git-lfs-transfer'), join(dir, 'git-lfs-transfer.off'));
    },
    restoreTransfer: () => {
      if (existsSync(join(dir, 'git-lfs-transfer.off'))) renameSync(join(dir, 'git-lfs-transfer.off'), join(bin, 'git-lfs-transfer'));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (sshd.exitCode !== null || sshd.signalCode !== null) return resolve();
        const t = setTimeout(() => {
          sshd.kill('SIGKILL');
          resolve();
        }, 3000);
        sshd.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        sshd.kill('SIGTERM');
      }),
  };
}

/**
 * A real HTTP proxy for tests: Debian's tinyproxy (apt-get install tinyproxy) in the foreground
 * on 127.0.0.1 and a free port, with its own config and log file in `dir`. Every request it
 * receives is logged (LogLevel Connect) as `Request (file descriptor N): GET http://h:p/x HTTP/1.1`
 * or `CONNECT h:p HTTP/1.1`; requests() returns those request lines. No ConnectPort lines, so
 * CONNECT is allowed to any port (tinyproxy's default config would limit it to 443/563).
 *
 * stop() kills the process it started (SIGTERM to its PID, then SIGKILL after 2 s); a worker that
 * exits without stop() kills it on the way out. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

export interface Tinyproxy {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The request lines it logged so far ("GET http://... HTTP/1.1", "CONNECT h:p HTTP/1.1"). */
  requests(): string[];
  /** The whole log file. */
  log(): string;
  stop(): Promise<void>;
}

export interface TinyproxyOptions {
  dir: string;
  /** Require Basic proxy credentials (tinyproxy's BasicAuth). */
  basicAuth?: { user: string; pass: string };
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      c.destroy();
      resolve(ok);
    };
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
    c.setTimeout(1000, () => done(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

async function startOnce(opts: TinyproxyOptions, port: number, n: number): Promise<Tinyproxy | null> {
  const conf = join(opts.dir, `tinyproxy${n}.conf`);
  const logFile = join(opts.dir, `tinyproxy${n}.log`);
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 60',
    `LogFile "${logFile}"`,
    'LogLevel Connect',
    'MaxClients 64',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
  ];
  if (opts.basicAuth) lines.push(`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.pass}`);
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const child = spawn('tinyproxy', ['-d', '-c', conf], { stdio: 'ignore' });
  let failed = false;
  child.once('error', () => (failed = true));
  // Safety net: a test worker that dies without afterAll must not leave the proxy running.
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !failed && child.exitCode === null) {
    if (await canConnect(port)) {
      const read = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        pid: child.pid!,
        log: read,
        requests: () => [...read().matchAll(/Request \(file descriptor \d+\): (.*)$/gm)].map((m) => m[1]!.trim()),
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000);
          await exited(child);
          clearTimeout(t);
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    await exited(child);
  }
  return null;
}

let counter = 0;

/** Start tinyproxy (retrying on another port if the chosen one was taken meanwhile). */
export async function startTinyproxy(opts: TinyproxyOptions): Promise<Tinyproxy> {
  mkdirSync(opts.dir, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    const p = await startOnce(opts, await freePort(), ++counter);
    if (p) return p;
  }
  throw new Error('tinyproxy did not start (is it installed? apt-get install tinyproxy)');
}

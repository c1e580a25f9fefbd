/**
 * Git smart HTTP through `git http-backend` (CGI): the request body is piped to the child's
 * stdin and its stdout (CGI headers, then the body) is streamed back, never buffered whole.
 * GIT_PROJECT_ROOT is the server root; GIT_HTTP_EXPORT_ALL and REMOTE_USER are set, so every
 * repo under root can be fetched and pushed. Children are tracked (stop() kills them) and
 * killed after CHILD_TIMEOUT_MS or when the client goes away.
 */
import { spawn } from 'node:child_process';
import { sendLfsError } from './httpUtil.js';
import type { RequestView, ServerContext } from './ServerContext.js';

const CHILD_TIMEOUT_MS = 120_000;
const MAX_CGI_HEADER = 64 * 1024;

export function handleGit(ctx: ServerContext, view: RequestView, user: string | undefined): Promise<void> {
  const { req, res, entry } = view;
  return new Promise((resolve) => {
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: ctx.opts.root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_PROJECT_ROOT: ctx.opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(view.url.pathname),
      QUERY_STRING: view.url.search.replace(/^\?/, ''),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      REMOTE_USER: user ?? 'anonymous',
    };
    const h = req.headers;
    if (h['content-type']) env['CONTENT_TYPE'] = h['content-type'];
    if (h['content-length']) env['CONTENT_LENGTH'] = h['content-length'];
    if (h['content-encoding']) env['HTTP_CONTENT_ENCODING'] = h['content-encoding'];
    if (h['git-protocol']) env['GIT_PROTOCOL'] = String(h['git-protocol']);

    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    ctx.children.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('utf8');
    });
    child.stdin.on('error', () => undefined); // the child may exit before reading everything
    req.on('data', (d: Buffer) => (entry.bytesIn += d.length));
    req.pipe(child.stdin);
    res.on('close', () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });

    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (d: Buffer) => {
      if (headersDone) {
        if (!res.write(d)) {
          child.stdout.pause();
          res.once('drain', () => child.stdout.resume());
        }
        return;
      }
      head = Buffer.concat([head, d]);
      let sep = head.indexOf('\r\n\r\n');
      let sepLen = 4;
      const lf = head.indexOf('\n\n');
      if (lf >= 0 && (sep < 0 || lf < sep)) {
        sep = lf;
        sepLen = 2;
      }
      if (sep < 0) {
        if (head.length > MAX_CGI_HEADER) child.kill('SIGKILL');
        return;
      }
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10) || 500;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      const rest = head.subarray(sep + sepLen);
      if (rest.length > 0) res.write(rest);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      ctx.children.delete(child);
      if (!headersDone) {
        if (!res.headersSent && !res.destroyed) sendLfsError(res, 500, `git http-backend failed (${String(code)}): ${stderr.trim()}`);
      } else if (!res.destroyed) {
        res.end();
      }
      resolve();
    });
    child.on('error', () => {
      clearTimeout(timer);
      ctx.children.delete(child);
      if (!res.headersSent && !res.destroyed) sendLfsError(res, 500, 'cannot run git http-backend');
      resolve();
    });
  });
}

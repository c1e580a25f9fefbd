#!/usr/bin/env node
/**
 * A test custom transfer agent (docs/custom-transfers.md) that keeps objects in a folder, laid
 * out as <store>/OID[0:2]/OID[2:4]/OID. Uploads copy the given file in; downloads copy the object
 * to a new file in os.tmpdir() (the TMPDIR the client gave it) and report that path.
 *
 * Options (also usable by git-lfs, which runs it through `sh -c`):
 *   --store DIR        the folder (required)
 *   --log FILE         append every message received, plus {"pid":...} at start, as JSON lines
 *   --fail-oid OID     answer that object with a per-object error (the process carries on)
 *   --crash-on OID     print to stderr and exit 3 when asked for that object
 *   --outside FILE     downloads: write the object to FILE instead (outside the temp dir)
 *   --init-error       answer init with an error
 *   --http             move bytes with the action instead (PUT/GET action.href with its headers);
 *                      downloads still go to a temp file
 */
import { appendFileSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

const opts = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--init-error') opts.initError = true;
  else if (a === '--http') opts.http = true;
  else if (a.startsWith('--')) opts[a.slice(2)] = process.argv[++i];
}
if (!opts.store && !opts.http) {
  process.stderr.write('folderAgent: --store is required\n');
  process.exit(2);
}
const log = (obj) => {
  if (opts.log) appendFileSync(opts.log, JSON.stringify(obj) + '\n');
};
const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const objPath = (oid) => join(opts.store, oid.slice(0, 2), oid.slice(2, 4), oid);

log({ pid: process.pid, tmpdir: tmpdir() });
let n = 0;
/** HTTP mode: PUT the file or GET into a temp file; resolves with the status. */
function viaHttp(msg, file) {
  return new Promise((resolve, reject) => {
    const put = msg.event === 'upload';
    const headers = { ...(msg.action?.header ?? {}) };
    if (put) headers['content-length'] = String(msg.size);
    const req = request(msg.action.href, { method: put ? 'PUT' : 'GET', headers }, (res) => {
      if (put || res.statusCode !== 200) {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        return;
      }
      pipeline(res, createWriteStream(file)).then(() => resolve(200), reject);
    });
    req.on('error', reject);
    if (put) createReadStream(file).pipe(req);
    else req.end();
  });
}

async function handleHttp(msg) {
  const oid = msg.oid;
  const file = msg.event === 'upload' ? msg.path : join(tmpdir(), `dl-${process.pid}-${++n}-${oid.slice(0, 12)}`);
  const status = await viaHttp(msg, file);
  if (status < 200 || status > 299) send({ event: 'complete', oid, error: { code: status, message: `HTTP ${status}` } });
  else if (msg.event === 'upload') send({ event: 'complete', oid });
  else send({ event: 'complete', oid, path: file });
}

let chain = Promise.resolve();
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  chain = chain.then(() => handle(line)).catch((e) => {
    process.stderr.write(`folderAgent: ${e.stack}\n`);
    process.exit(4);
  });
});
rl.on('close', () => chain.then(() => process.exit(0)));

async function handle(line) {
  const msg = JSON.parse(line);
  log(msg);
  if (msg.event === 'init') {
    send(opts.initError ? { error: { code: 32, message: 'init refused by test agent' } } : {});
    return;
  }
  if (msg.event === 'terminate') {
    process.exit(0);
  }
  const oid = msg.oid;
  if (opts['crash-on'] === oid) {
    process.stderr.write(`folderAgent: simulated crash on ${oid}\n`);
    process.exit(3);
  }
  if (opts['fail-oid'] === oid) {
    send({ event: 'complete', oid, error: { code: 2, message: `test agent refuses ${oid.slice(0, 8)}` } });
    return;
  }
  if (opts.http && (msg.event === 'upload' || msg.event === 'download')) return handleHttp(msg);
  if (msg.event === 'upload') {
    const dest = objPath(oid);
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp${process.pid}`;
    copyFileSync(msg.path, tmp);
    renameSync(tmp, dest);
    send({ event: 'progress', oid, bytesSoFar: msg.size, bytesSinceLast: msg.size });
    send({ event: 'complete', oid });
  } else if (msg.event === 'download') {
    const src = objPath(oid);
    if (!existsSync(src)) {
      send({ event: 'complete', oid, error: { code: 404, message: `object ${oid} not found in the folder` } });
      return;
    }
    const out = opts.outside ?? join(tmpdir(), `dl-${process.pid}-${++n}-${oid.slice(0, 12)}`);
    copyFileSync(src, out);
    const size = statSync(out).size;
    send({ event: 'progress', oid, bytesSoFar: size, bytesSinceLast: size });
    send({ event: 'complete', oid, path: out });
  } else {
    send({ event: 'complete', oid, error: { code: 1, message: `unknown event ${msg.event}` } });
  }
}

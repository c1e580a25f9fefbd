/**
 * A `git-lfs-transfer` server for tests: serves a repository's LFS objects over the pure SSH
 * protocol (git-lfs docs/proposals/ssh_adapter.md) on stdin/stdout, as sshd runs it:
 *
 *   git-lfs-transfer <repo path> <upload|download>
 *
 * Objects live in <repo>/lfs/objects/aa/bb/<oid> (a bare repo; <repo>/.git/lfs/objects for a
 * non-bare one), the layout git-lfs uses, so git-lfs and tslfs clients can share it. Uploads are
 * streamed into <repo>/lfs/tmp, hashed, and renamed into place only when oid and size match.
 *
 * Test support only: it shares no code with src/ on purpose (its own pkt-line code), so it stays
 * an independent oracle. Faults come from the LFS_TRANSFER_FAULT environment variable
 * (comma-separated): `no-version` (advertise version=2 only), `corrupt` (flip bytes of
 * get-object data), `get-500` (get-object fails with 500), `short` (send half the data),
 * `lock-cursor-loop` (list-lock always answers next-cursor = the cursor asked for, or "loop").
 * Each command is appended to $LFS_TRANSFER_LOG when set.
 *
 * Locking (`locking` capability): `lock`, `list-lock`, `unlock <id>`, backed by the JSON file
 * <lfs dir>/locks.json (an array of {id, path, locked_at, owner: {name}}, in creation order) so
 * that separate sessions share it; tests may write it directly to seed other users' locks. The
 * session's user is $LFS_TRANSFER_USER (default "Test User"): `owner <id> ours|theirs` compares
 * with it, and unlocking someone else's lock needs `force=true` (else 403). Errors are sent as
 * scutiger does: status, delim, the bare message text, flush. Pages hold at most 3 locks
 * unless `limit` asks for fewer; the cursor is the id of the first lock of the next page.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

const faults = new Set((process.env['LFS_TRANSFER_FAULT'] ?? '').split(',').filter(Boolean));
const logFile = process.env['LFS_TRANSFER_LOG'];
const [repoArg, operation] = process.argv.slice(2);

function log(line: string): void {
  if (logFile) appendFileSync(logFile, `${process.pid} ${line}\n`);
  if (process.env["LFS_TRANSFER_TIMES"]) appendFileSync(process.env["LFS_TRANSFER_TIMES"], `${Date.now()} ${process.pid} ${line}\n`);
}

function die(msg: string): never {
  process.stderr.write(`git-lfs-transfer: ${msg}\n`);
  process.exit(1);
}

if (!repoArg || (operation !== 'upload' && operation !== 'download')) die('usage: git-lfs-transfer <path> <upload|download>');
let repo = repoArg;
if (!existsSync(repo) && existsSync(`${repo}.git`)) repo = `${repo}.git`;
if (!existsSync(repo) || !statSync(repo).isDirectory()) die(`not a repository: ${repoArg}`);
const lfsDir = existsSync(join(repo, '.git')) ? join(repo, '.git', 'lfs') : join(repo, 'lfs');
const objectsDir = join(lfsDir, 'objects');
const tmpDir = join(lfsDir, 'tmp');

const objectPath = (oid: string): string => join(objectsDir, oid.slice(0, 2), oid.slice(2, 4), oid);
const sizeOf = (oid: string): number | undefined => {
  try {
    return statSync(objectPath(oid)).size;
  } catch {
    return undefined;
  }
};

// ---- pkt-line I/O

type Pkt = { t: 'data'; d: Buffer } | { t: 'flush' } | { t: 'delim' };
let buf: Buffer = Buffer.alloc(0);
let ended = false;
let wake: (() => void) | null = null;
process.stdin.on('data', (c: Buffer) => {
  buf = buf.length ? Buffer.concat([buf, c]) : c;
  if (buf.length > 1 << 20) process.stdin.pause();
  wake?.();
});
process.stdin.on('end', () => {
  ended = true;
  wake?.();
});

async function need(n: number): Promise<boolean> {
  while (buf.length < n) {
    if (ended) return false;
    process.stdin.resume();
    await new Promise<void>((r) => (wake = r));
    wake = null;
  }
  return true;
}

async function readPkt(): Promise<Pkt | null> {
  if (!(await need(4))) return null;
  const len = parseInt(buf.subarray(0, 4).toString('latin1'), 16);
  if (Number.isNaN(len) || len === 2 || len === 3 || len > 65520) die('bad packet');
  if (len === 0 || len === 1) {
    buf = buf.subarray(4);
    return { t: len === 0 ? 'flush' : 'delim' };
  }
  if (!(await need(len))) die('truncated packet');
  const d = Buffer.from(buf.subarray(4, len));
  buf = buf.subarray(len);
  if (buf.length < 1 << 19) process.stdin.resume();
  return { t: 'data', d };
}

const text = (p: Pkt): string => (p.t === 'data' ? p.d.toString('utf8').replace(/\n$/, '') : '');

function pkt(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
}
const FLUSH = Buffer.from('0000');
const DELIM = Buffer.from('0001');

function write(b: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(b)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

async function reply(status: number, args: string[] = [], lines?: string[]): Promise<void> {
  const parts = [pkt(`status ${status}\n`), ...args.map((a) => pkt(`${a}\n`))];
  if (lines) parts.push(DELIM, ...lines.map((l) => pkt(`${l}\n`)));
  parts.push(FLUSH);
  await write(Buffer.concat(parts));
}

async function errorReply(status: number, message: string): Promise<void> {
  await reply(status, [], [`message ${message}`]);
}

// ---- commands

interface Request {
  command: string;
  args: Map<string, string>;
  /** Packets after the delim (text lines), when not streamed. */
  lines: string[];
  delim: boolean;
}

/** Read a command and its args; stop at the delim (leaving data for the caller) or the flush. */
async function readRequest(): Promise<Request | null> {
  const first = await readPkt();
  if (first === null) return null;
  if (first.t !== 'data') die('expected a command');
  const req: Request = { command: text(first), args: new Map(), lines: [], delim: false };
  for (;;) {
    const p = await readPkt();
    if (p === null) die('unexpected end of input');
    if (p.t === 'flush') return req;
    if (p.t === 'delim') {
      req.delim = true;
      return req;
    }
    const a = text(p);
    const eq = a.indexOf('=');
    req.args.set(eq < 0 ? a : a.slice(0, eq), eq < 0 ? '' : a.slice(eq + 1));
  }
}

async function readLines(): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const p = await readPkt();
    if (p === null) die('unexpected end of input');
    if (p.t === 'flush') return out;
    if (p.t === 'data') out.push(text(p));
  }
}

const OID = /^[0-9a-f]{64}$/;

async function batch(req: Request): Promise<void> {
  const lines = req.delim ? await readLines() : [];
  const out: string[] = [];
  for (const l of lines) {
    const [oid, sizeText] = l.split(' ');
    if (!oid || !OID.test(oid) || !sizeText || !/^\d+$/.test(sizeText)) {
      await errorReply(422, `invalid object line ${JSON.stringify(l)}`);
      return;
    }
    const size = Number(sizeText);
    const have = sizeOf(oid) === size;
    if (operation === 'download') out.push(`${oid} ${size} ${have ? 'download' : 'noop'}`);
    else out.push(`${oid} ${size} ${have ? 'noop' : 'upload'}`);
  }
  await reply(200, ['hash-algo=sha256'], out);
}

async function getObject(req: Request, oid: string): Promise<void> {
  if (req.delim) await readLines();
  const size = OID.test(oid) ? sizeOf(oid) : undefined;
  if (size === undefined) return errorData(404, 'object not found');
  if (faults.has('get-500')) return errorData(500, 'internal error (fault injected)');
  await write(Buffer.concat([pkt('status 200\n'), pkt(`size=${size}\n`), DELIM]));
  let sent = 0;
  const limit = faults.has('short') ? Math.floor(size / 2) : size;
  for await (const chunk of createReadStream(objectPath(oid), { highWaterMark: 65516 })) {
    let c = chunk as Buffer;
    if (sent + c.length > limit) c = c.subarray(0, limit - sent);
    if (faults.has('corrupt')) c = Buffer.from(c.map((b) => b ^ 0x5a));
    if (c.length) await write(pkt(c));
    sent += c.length;
    if (sent >= limit) break;
  }
  await write(FLUSH);
}

async function errorData(status: number, message: string): Promise<void> {
  await write(Buffer.concat([pkt(`status ${status}\n`), DELIM, pkt(message), FLUSH]));
}

async function putObject(req: Request, oid: string): Promise<void> {
  if (operation !== 'upload') {
    if (req.delim) await readLines();
    return errorReply(403, 'not an upload session');
  }
  if (!req.delim) return errorReply(400, 'put-object without data');
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${oid.replace(/[^0-9a-f]/g, '').slice(0, 64)}-${process.pid}-${Date.now()}`);
  const fh = await open(tmp, 'w');
  const hash = createHash('sha256');
  let n = 0;
  try {
    for (;;) {
      const p = await readPkt();
      if (p === null) die('unexpected end of input in data');
      if (p.t === 'flush') break;
      if (p.t !== 'data') continue;
      hash.update(p.d);
      n += p.d.length;
      await fh.write(p.d);
    }
  } finally {
    await fh.close();
  }
  const want = req.args.get('size');
  const got = hash.digest('hex');
  if (!OID.test(oid) || got !== oid || (want !== undefined && Number(want) !== n)) {
    rmSync(tmp, { force: true });
    return errorReply(400, `object does not match: got ${got} (${n} bytes)`);
  }
  mkdirSync(join(objectsDir, oid.slice(0, 2), oid.slice(2, 4)), { recursive: true });
  renameSync(tmp, objectPath(oid));
  await reply(200);
}

async function verifyObject(req: Request, oid: string): Promise<void> {
  if (req.delim) await readLines();
  const size = OID.test(oid) ? sizeOf(oid) : undefined;
  const want = req.args.get('size');
  if (size === undefined || (want !== undefined && Number(want) !== size)) return errorReply(404, 'object not found or wrong size');
  await reply(200);
}


// ---- locks

interface LockRec {
  id: string;
  path: string;
  locked_at: string;
  owner: { name: string };
}

const me = process.env['LFS_TRANSFER_USER'] || 'Test User';
const locksFile = join(lfsDir, 'locks.json');
const PAGE = 3;

function loadLocks(): LockRec[] {
  try {
    return JSON.parse(readFileSync(locksFile, 'utf8')) as LockRec[];
  } catch {
    return [];
  }
}

function saveLocks(all: LockRec[]): void {
  mkdirSync(lfsDir, { recursive: true });
  const tmp = `${locksFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(all));
  renameSync(tmp, locksFile);
}

const lockArgs = (l: LockRec): string[] => [`id=${l.id}`, `path=${l.path}`, `locked-at=${l.locked_at}`, `ownername=${l.owner.name}`];

async function rawError(status: number, message: string, args: string[] = []): Promise<void> {
  await reply(status, args, [message]);
}

async function lockCmd(req: Request): Promise<void> {
  if (req.delim) await readLines();
  if (operation !== 'upload') return rawError(403, 'locking needs an upload session');
  const path = req.args.get('path');
  if (!path) return rawError(400, 'path is required');
  const all = loadLocks();
  const existing = all.find((l) => l.path === path);
  if (existing) return rawError(409, 'lock already created', lockArgs(existing));
  const lock: LockRec = { id: randomBytes(8).toString('hex'), path, locked_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), owner: { name: me } };
  all.push(lock);
  saveLocks(all);
  await reply(201, lockArgs(lock));
}

async function listLockCmd(req: Request): Promise<void> {
  if (req.delim) await readLines();
  let all = loadLocks();
  const path = req.args.get('path');
  const id = req.args.get('id');
  if (path) all = all.filter((l) => l.path === path);
  if (id) all = all.filter((l) => l.id === id);
  const cursor = req.args.get('cursor');
  const limitText = req.args.get('limit');
  const limit = limitText && /^\d+$/.test(limitText) && Number(limitText) > 0 ? Math.min(Number(limitText), PAGE) : PAGE;
  let start = 0;
  if (cursor && !faults.has('lock-cursor-loop')) {
    start = all.findIndex((l) => l.id === cursor);
    if (start < 0) return rawError(422, `unknown cursor ${cursor}`);
  }
  const page = all.slice(start, start + limit);
  const next = faults.has('lock-cursor-loop') ? (cursor ?? 'loop') : all[start + limit]?.id;
  const lines: string[] = [];
  for (const l of page) {
    lines.push(`lock ${l.id}`, `path ${l.id} ${l.path}`, `locked-at ${l.id} ${l.locked_at}`, `ownername ${l.id} ${l.owner.name}`, `owner ${l.id} ${l.owner.name === me ? 'ours' : 'theirs'}`);
  }
  await reply(200, next ? [`next-cursor=${next}`] : [], lines);
}

async function unlockCmd(req: Request, id: string): Promise<void> {
  if (req.delim) await readLines();
  if (operation !== 'upload') return rawError(403, 'unlocking needs an upload session');
  const all = loadLocks();
  const i = all.findIndex((l) => l.id === id);
  if (i < 0) return rawError(404, `lock ${JSON.stringify(id)} not found`);
  const lock = all[i]!;
  if (lock.owner.name !== me && req.args.get('force') !== 'true') return rawError(403, `lock ${id} is owned by ${lock.owner.name}`);
  all.splice(i, 1);
  saveLocks(all);
  await reply(200, lockArgs(lock));
}

async function main(): Promise<void> {
  log(`start ${operation} ${repoArg}`);
  await write(Buffer.concat([pkt(faults.has('no-version') ? 'version=2\n' : 'version=1\n'), pkt('locking\n'), FLUSH]));
  for (;;) {
    const req = await readRequest();
    if (req === null) break;
    log(req.command);
    const [cmd, arg] = req.command.split(' ', 2) as [string, string | undefined];
    if (cmd === 'version') {
      if (req.delim) await readLines();
      if (arg === '1') await reply(200);
      else await errorReply(400, 'unsupported version');
    } else if (cmd === 'batch') await batch(req);
    else if (cmd === 'get-object' && arg) await getObject(req, arg);
    else if (cmd === 'put-object' && arg) await putObject(req, arg);
    else if (cmd === 'verify-object' && arg) await verifyObject(req, arg.split(' ')[0]!);
    else if (cmd === 'lock') await lockCmd(req);
    else if (cmd === 'list-lock') await listLockCmd(req);
    else if (cmd === 'unlock' && arg) await unlockCmd(req, arg);
    else if (cmd === 'quit') {
      if (req.delim) await readLines();
      await reply(200);
      break;
    } else {
      if (req.delim) await readLines();
      await errorReply(400, `unknown command ${JSON.stringify(req.command.slice(0, 60))}`);
    }
  }
  log('end');
  process.stdout.end(() => process.exit(0));
}

void main();

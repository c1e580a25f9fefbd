/**
 * LFS pointer files: canonical encoding and git-lfs's decoding rules. Pure, no I/O.
 *
 * Decoding follows git-lfs (lfs/pointer.go) where it is safe and is stricter where git-lfs is
 * lax in ways a hostile repository could use: sizes must be plain decimal digits within
 * Number.MAX_SAFE_INTEGER, `version` must come first, and input of POINTER_MAX_SIZE bytes or
 * more is never a pointer.
 */
import { BadPointerError, NotAPointerError } from '../errors/TslfsError.js';
import { EMPTY_OID, isOid } from './oid.js';

export const SPEC_URL = 'https://git-lfs.github.com/spec/v1';
const ACCEPTED_VERSIONS = new Set([SPEC_URL, 'https://hawser.github.com/spec/v1', 'http://git-media.io/v/2']);

/** Blobs or files of this many bytes or more are never pointers (git-lfs's BlobSizeCutoff). */
export const POINTER_MAX_SIZE = 1024;

export interface PointerExtension {
  /** Single digit 0-9; unique within a pointer. */
  priority: number;
  name: string;
  oid: string;
}

export interface Pointer {
  oid: string;
  size: number;
  /** Sorted by priority. */
  extensions: PointerExtension[];
}

export interface DecodedPointer extends Pointer {
  /** True when the input bytes equal encodePointer() of the result. */
  canonical: boolean;
}

const EXT_KEY_RE = /^ext-(\d)-(\w+)$/;
const SIZE_RE = /^\d+$/;

/** The canonical pointer text. A size-0 object's pointer is the empty string. */
export function encodePointer(p: Pointer): string {
  if (p.size === 0) return '';
  let s = `version ${SPEC_URL}\n`;
  const exts = [...p.extensions].sort((a, b) => a.priority - b.priority);
  for (const e of exts) s += `ext-${e.priority}-${e.name} sha256:${e.oid}\n`;
  return s + `oid sha256:${p.oid}\nsize ${p.size}\n`;
}

export function encodePointerBuffer(p: Pointer): Buffer {
  return Buffer.from(encodePointer(p), 'utf8');
}

/** The pointer of empty content, which is the empty file itself. */
export const EMPTY_POINTER: DecodedPointer = Object.freeze({ oid: EMPTY_OID, size: 0, extensions: [], canonical: true }) as DecodedPointer;

function parseOidValue(value: string, what: string): string {
  if (!value.startsWith('sha256:')) throw new BadPointerError(`invalid ${what} oid type: ${JSON.stringify(value.split(':')[0])}`);
  const hex = value.slice(7);
  if (!isOid(hex)) throw new BadPointerError(`invalid ${what} oid: ${JSON.stringify(hex.slice(0, 80))}`);
  return hex;
}

/** A canonical pointer without extensions and of a non-empty object (see decodePointer). */
const CANONICAL_RE = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize ([1-9][0-9]{0,15})\n$/;

/**
 * Decode pointer bytes. Throws NotAPointerError when the input is not a pointer at all and
 * BadPointerError when it is shaped like one but a field is invalid. Callers that pass content
 * through (smudge) treat both the same.
 */
export function decodePointer(data: Uint8Array | string): DecodedPointer {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length === 0) return { ...EMPTY_POINTER, extensions: [] };
  if (buf.length >= POINTER_MAX_SIZE) throw new NotAPointerError(`too large (${buf.length} bytes)`);
  const text = buf.toString('latin1');
  // The common case, exactly what encodePointer writes (a checkout decodes thousands): one
  // match instead of the line-by-line parse below, which decides everything else.
  const m = CANONICAL_RE.exec(text);
  if (m) {
    const size = Number(m[2]);
    if (Number.isSafeInteger(size)) return { oid: m[1]!, size, extensions: [], canonical: true };
  }
  if (!text.includes('git-lfs') && !text.includes('hawser') && !text.includes('git-media')) {
    throw new NotAPointerError('invalid header');
  }
  const lines = text.trim().split('\n');
  const expected = ['version', 'oid', 'size'];
  let version: string | undefined;
  let oid: string | undefined;
  let size: number | undefined;
  const extensions: PointerExtension[] = [];
  for (let raw of lines) {
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.length === 0) continue;
    const sp = raw.indexOf(' ');
    if (sp < 0) throw new NotAPointerError(`invalid line: ${JSON.stringify(raw.slice(0, 80))}`);
    const key = raw.slice(0, sp);
    const value = raw.slice(sp + 1);
    if (expected.length === 0) throw new NotAPointerError('extra line after size');
    if (key === expected[0]) {
      expected.shift();
      if (key === 'version') {
        if (!ACCEPTED_VERSIONS.has(value)) throw new BadPointerError(`invalid version: ${JSON.stringify(value.slice(0, 80))}`);
        version = value;
      } else if (key === 'oid') {
        oid = parseOidValue(value, 'object');
      } else {
        if (!SIZE_RE.test(value)) throw new BadPointerError(`invalid size: ${JSON.stringify(value.slice(0, 40))}`);
        const n = Number(value);
        if (!Number.isSafeInteger(n)) throw new BadPointerError(`size out of range: ${value.slice(0, 40)}`);
        size = n;
      }
      continue;
    }
    const m = EXT_KEY_RE.exec(key);
    if (!m || version === undefined || oid !== undefined) {
      throw new NotAPointerError(`unexpected key: ${JSON.stringify(key.slice(0, 80))}`);
    }
    const priority = Number(m[1]);
    if (extensions.some((e) => e.priority === priority)) throw new BadPointerError(`duplicate extension priority ${priority}`);
    extensions.push({ priority, name: m[2]!, oid: parseOidValue(value, 'extension') });
  }
  if (version === undefined) throw new NotAPointerError('missing version');
  if (oid === undefined) throw new BadPointerError('missing oid');
  if (size === undefined) throw new BadPointerError('missing size');
  extensions.sort((a, b) => a.priority - b.priority);
  const p: Pointer = { oid, size, extensions };
  return { ...p, canonical: buf.toString('latin1') === encodePointer(p) };
}

/** decodePointer that returns null instead of throwing. */
export function tryDecodePointer(data: Uint8Array | string): DecodedPointer | null {
  try {
    return decodePointer(data);
  } catch (e) {
    if (e instanceof NotAPointerError || e instanceof BadPointerError) return null;
    throw e;
  }
}

/** SHA-256 object ids as LFS uses them: exactly 64 lowercase hex characters. Pure. */
const OID_RE = /^[0-9a-f]{64}$/;

/** The oid of empty content; an empty file is its own pointer and is never stored. */
export const EMPTY_OID = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function isOid(s: string): boolean {
  return s.length === 64 && OID_RE.test(s);
}

/**
 * TLS settings for one https origin, as git-lfs reads them (lfshttp/certs.go), in Node's
 * tls.connect terms:
 *   - trust: `GIT_SSL_CAINFO`, else `http.<url>.sslCAInfo` / `http.sslCAInfo`, else
 *     `GIT_SSL_CAPATH`, else `http.sslCAPath` (every file in the directory). The first source
 *     found replaces the default roots, as in git-lfs and curl. Files may hold PEM (any number of
 *     certificates) or one DER certificate.
 *   - verification is off when `GIT_SSL_NO_VERIFY` is true, `http.sslVerify` is false, or the
 *     most specific `http.<url>.sslVerify` is false.
 *   - client certificate: `GIT_SSL_CERT` / `http.<url>.sslCert` and `GIT_SSL_KEY` /
 *     `http.<url>.sslKey` (PEM; without a key file the key is read from the certificate file, as
 *     curl does). An encrypted key (PKCS#8 or traditional "Proc-Type: 4,ENCRYPTED") is decrypted
 *     in memory with a passphrase from a KeyPassphraseSource (git-lfs asks the credential helper
 *     with protocol=cert and the key's path).
 * URL-scoped keys are matched against `https://<host:port>/` (the origin), as git-lfs does.
 * Trust settings are read from the Config, which never holds them from a committed .lfsconfig.
 *
 * Throws TransferError (ETLSCONFIG, not retriable) when a configured file cannot be read or
 * used: a typo must not silently fall back to other trust or to no client certificate.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/Config.js';
import { envTruthy, parseGitBool } from '../config/Config.js';
import { TransferError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { urlConfigValue } from './urlMatch.js';

/** Where an encrypted client key's passphrase comes from (the credential helper). */
export interface KeyPassphraseSource {
  /** The passphrase for the key at `keyPath`, or null when none is available. */
  get(keyPath: string): Promise<string | null>;
  /** Tell the source whether the passphrase worked (approve or reject it). Never throws. */
  report(keyPath: string, passphrase: string, ok: boolean): Promise<void>;
}

/** What the configuration says for an origin (file paths, not yet read). */
export interface TlsSettings {
  verify: boolean;
  caFile?: string;
  caDir?: string;
  certFile?: string;
  keyFile?: string;
}

/** Node tls.connect options (the subset tslfs sets). */
export interface TlsConnectOptions {
  rejectUnauthorized?: boolean;
  ca?: string[];
  cert?: Buffer;
  key?: string | Buffer;
}

function tlsError(message: string, cause?: unknown): TransferError {
  return new TransferError(message, { code: 'ETLSCONFIG', retriable: false, ...(cause ? { cause } : {}) });
}

/** The TLS settings for requests to `origin` (scheme://host:port). Pure. */
export function tlsSettingsFor(config: Config, env: Env, origin: string): TlsSettings {
  const url = `${origin}/`;
  const specific = parseGitBool(urlConfigValue(config, 'http', 'sslverify', url));
  const verify = !envTruthy(env['GIT_SSL_NO_VERIFY']) && config.getBool('http.sslverify', true) && specific !== false;
  const s: TlsSettings = { verify };
  const caFile = env['GIT_SSL_CAINFO'] || urlConfigValue(config, 'http', 'sslcainfo', url);
  const caDir = env['GIT_SSL_CAPATH'] || config.get('http.sslcapath');
  if (caFile) s.caFile = caFile;
  else if (caDir) s.caDir = caDir;
  const cert = env['GIT_SSL_CERT'] || urlConfigValue(config, 'http', 'sslcert', url);
  const key = env['GIT_SSL_KEY'] || urlConfigValue(config, 'http', 'sslkey', url);
  if (cert) {
    s.certFile = cert;
    s.keyFile = key || cert;
  }
  return s;
}

/** Certificates in a file's bytes, as PEM texts: every PEM CERTIFICATE block, or one DER certificate. */
export async function certificatesIn(data: Buffer): Promise<string[]> {
  const text = data.toString('latin1');
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (pems) return pems.map((p) => `${p}\n`);
  try {
    const { X509Certificate } = await import('node:crypto');
    return [new X509Certificate(data).toString()];
  } catch {
    return [];
  }
}

async function readCaFile(path: string, what: string): Promise<string[]> {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw tlsError(`${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, e);
  }
  const certs = await certificatesIn(data);
  if (certs.length === 0) throw tlsError(`${what}: no certificate found in ${path}`);
  return certs;
}

async function readCaDir(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw tlsError(`http.sslCAPath: cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, e);
  }
  const out: string[] = [];
  for (const n of names) {
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
      out.push(...(await certificatesIn(readFileSync(p))));
    } catch {
      /* unreadable or not a certificate: skipped, as git-lfs does */
    }
  }
  if (out.length === 0) throw tlsError(`http.sslCAPath: no certificate found in ${dir}`);
  return out;
}

async function readClientKey(keyFile: string, source: KeyPassphraseSource | undefined): Promise<string | Buffer> {
  let data: Buffer;
  try {
    data = readFileSync(keyFile);
  } catch (e) {
    throw tlsError(`http.sslKey: cannot read ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, e);
  }
  const { createPrivateKey } = await import('node:crypto');
  const text = data.toString('latin1');
  const encrypted = /^Proc-Type:\s*4,ENCRYPTED/m.test(text) || text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
  if (!encrypted) {
    try {
      createPrivateKey({ key: data });
      return data;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // OpenSSL's way of saying "needs a passphrase" in formats the text test above misses.
      if (code !== 'ERR_MISSING_PASSPHRASE' && code !== 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED') {
        throw tlsError(`http.sslKey: ${keyFile} is not a usable PEM private key`, e);
      }
    }
  }
  const passphrase = source ? await source.get(keyFile) : null;
  if (passphrase === null) {
    throw tlsError(`http.sslKey: ${keyFile} is encrypted and no passphrase was given (the credential helper is asked with protocol=cert)`);
  }
  try {
    const key = createPrivateKey({ key: data, passphrase });
    await source?.report(keyFile, passphrase, true);
    return key.export({ type: 'pkcs8', format: 'pem' });
  } catch (e) {
    await source?.report(keyFile, passphrase, false);
    throw tlsError(`http.sslKey: cannot decrypt ${keyFile}: wrong passphrase`, e);
  }
}

/** Read the files named by `s` into tls.connect options. Throws ETLSCONFIG (see module comment). */
export async function loadTlsOptions(s: TlsSettings, passphrases?: KeyPassphraseSource): Promise<TlsConnectOptions> {
  const o: TlsConnectOptions = {};
  if (!s.verify) o.rejectUnauthorized = false;
  if (s.caFile) o.ca = await readCaFile(s.caFile, 'http.sslCAInfo');
  else if (s.caDir) o.ca = await readCaDir(s.caDir);
  if (s.certFile && s.keyFile) {
    try {
      o.cert = readFileSync(s.certFile);
    } catch (e) {
      throw tlsError(`http.sslCert: cannot read ${s.certFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, e);
    }
    o.key = await readClientKey(s.keyFile, passphrases);
  }
  return o;
}

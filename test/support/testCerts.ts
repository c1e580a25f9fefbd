/**
 * Throwaway TLS material for tests, made with the `openssl` command in `dir` (per test run):
 *   self.crt/self.key      self-signed server certificate for 127.0.0.1 and localhost
 *   ca.crt                 a test CA, which signs:
 *   good.crt               server certificate for 127.0.0.1 (key server.key)
 *   wrong.crt              server certificate for wrong.example only (key server.key)
 *   expired.crt            server certificate for 127.0.0.1, valid 2020-01-01..2020-01-02
 *   client.crt/client.key  client certificate (clientAuth)
 *   client-enc.key         client.key encrypted the traditional way (Proc-Type: 4,ENCRYPTED)
 *   client-enc8.key        client.key as encrypted PKCS#8
 * EC P-256 keys (fast to make). Each openssl run is bounded to 20 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  path(name: string): string;
  read(name: string): Buffer;
  passphrase: string;
}

export function makeTestCerts(dir: string, passphrase = 'key pass phrase'): TestCerts {
  mkdirSync(join(dir, 'db'), { recursive: true });
  const ossl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'db', 'index.txt'), '');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = d',
      '[ d ]',
      'database = db/index.txt',
      'new_certs_dir = db',
      'default_md = sha256',
      'policy = p',
      'copy_extensions = copy',
      'rand_serial = yes',
      'unique_subject = no',
      '[ p ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  ossl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tslfs test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const sign = (csr: string, out: string, dates: string[]): void => ossl('ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', csr, '-out', out, ...dates);
  ossl('req', '-new', ...ec, '-keyout', 'server.key', '-out', 'good.csr', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
  ossl('req', '-new', '-key', 'server.key', '-out', 'wrong.csr', '-subj', '/CN=wrong.example', '-addext', 'subjectAltName=DNS:wrong.example');
  ossl('req', '-new', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=tslfs client', '-addext', 'extendedKeyUsage=clientAuth');
  sign('good.csr', 'good.crt', ['-days', '2']);
  sign('wrong.csr', 'wrong.crt', ['-days', '2']);
  sign('good.csr', 'expired.crt', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  sign('client.csr', 'client.crt', ['-days', '2']);
  ossl('ec', '-in', 'client.key', '-aes256', '-passout', `pass:${passphrase}`, '-out', 'client-enc.key');
  ossl('pkcs8', '-topk8', '-v2', 'aes256', '-in', 'client.key', '-passout', `pass:${passphrase}`, '-out', 'client-enc8.key');
  return { dir, path: (n) => join(dir, n), read: (n) => readFileSync(join(dir, n)), passphrase };
}

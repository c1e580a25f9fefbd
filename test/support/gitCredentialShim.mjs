#!/usr/bin/env node
/**
 * Stands in for `git credential fill|approve|reject` of git >= 2.46 (the machine's git 2.39 drops
 * `capability[]`, `authtype`, `credential`, `state[]` and `continue`, so Bearer and multistage
 * helpers cannot be exercised through it). Installed by tests as `git` in a PATH directory by
 * installCredentialShim() in credentialShim.ts: `git credential ...` comes here, everything else
 * goes to the real git.
 *
 * Behaviour (one helper, the executable named by SHIM_CREDENTIAL_HELPER): the input is passed to
 * the helper as is (`get` / `store` / `erase`). For fill, the output is the input's protocol,
 * host, path and username, then every line the helper printed, prefixed by the capabilities the
 * caller announced; exit 128 when the helper gave neither username+password nor
 * authtype+credential (prompts are disabled). approve/reject always exit 0.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const verb = process.argv[3];
const input = readFileSync(0, 'utf8');
const helper = process.env.SHIM_CREDENTIAL_HELPER;
if (!helper) {
  process.stderr.write('shim: SHIM_CREDENTIAL_HELPER not set\n');
  process.exit(128);
}
const action = { fill: 'get', approve: 'store', reject: 'erase' }[verb];
if (!action) process.exit(129);
const r = spawnSync(helper, [action], { input, encoding: 'utf8' });
if (verb !== 'fill') process.exit(0);
const inLines = input.split('\n').filter(Boolean);
const outLines = (r.status === 0 ? r.stdout : '').split('\n').filter((l) => l.includes('='));
const has = (k) => outLines.some((l) => l.startsWith(`${k}=`));
if (!((has('username') && has('password')) || (has('authtype') && has('credential')))) {
  process.stderr.write('fatal: could not read Username: terminal prompts disabled\n');
  process.exit(128);
}
const caps = inLines.filter((l) => l.startsWith('capability[]='));
const keep = inLines.filter((l) => /^(protocol|host|path|username)=/.test(l));
process.stdout.write([...caps, ...keep, ...outLines].join('\n') + '\n');

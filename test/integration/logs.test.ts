/** `tslfs logs` and the reusable crash-log writer, compared with git-lfs 3.3.0's layout. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../support/sandbox.js';
import { formatCrashLog, redactCredentials, writeCrashLog, writeCrashLogForRepo } from '../../src/ops/logs.js';

describe('tslfs logs', () => {
  let sb: Sandbox;
  let dir: string;
  beforeEach(async () => {
    sb = makeSandbox();
    dir = await sb.initRepo('r', 'git-lfs');
  });
  afterEach(() => sb.cleanup());

  it('lists nothing, shows "No logs to show" for last, like git-lfs', async () => {
    for (const args of [['logs'], ['logs', 'last']]) {
      const ours = await sb.tslfs(args, { cwd: dir });
      const theirs = await sb.gitLfs(args, { cwd: dir });
      expect([args, ours.exitCode, ours.stdout]).toEqual([args, 0, theirs.stdout]);
    }
  });

  it('boomtown writes a crash log that logs lists and shows; clear removes them', async () => {
    const boom = await sb.tslfs(['logs', 'boomtown'], { cwd: dir });
    expect(boom.exitCode).toBe(2);
    const m = /^Sample panic message\n\nErrors logged to '(.+\/(\d{8}T\d{6}\.\d{9}\.log))'\.\nUse `tslfs logs last` to view the log\.\n$/.exec(boom.stderr);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(join(dir, '.git/lfs/logs', m![2]!));
    const list = await sb.tslfs(['logs'], { cwd: dir });
    expect(list.stdout).toBe(`${m![2]}\n`);
    const last = await sb.tslfs(['logs', 'last'], { cwd: dir });
    const named = await sb.tslfs(['logs', m![2]!], { cwd: dir });
    expect(last.stdout).toBe(named.stdout);
    expect(last.stdout).toMatch(/^tslfs\/\S+ .*\ngit version .*\n\n\$ tslfs logs boomtown\nSample panic message\n\n/);
    expect(last.stdout).toContain('Sample error message');
    expect(last.stdout).toContain(`LocalGitDir=${join(dir, '.git')}`);
    const clear = await sb.tslfs(['logs', 'clear'], { cwd: dir });
    expect([clear.exitCode, clear.stdout]).toEqual([0, `Cleared ${join(dir, '.git/lfs/logs')}\n`]);
    expect(existsSync(join(dir, '.git/lfs/logs'))).toBe(false);
  });

  it('refuses log names outside the logs directory and unknown logs', async () => {
    writeFileSync(join(sb.root, 'secret.log'), 'secret');
    mkdirSync(join(dir, '.git/lfs/logs'), { recursive: true });
    for (const name of ['../../../secret.log', '/etc/passwd', 'nope.log']) {
      const r = await sb.tslfs(['logs', name], { cwd: dir });
      expect([name, r.exitCode, r.stdout]).toEqual([name, 2, '']);
    }
  });

  it('writeCrashLogForRepo writes into the repository\'s logs and returns null outside one', async () => {
    const base = { env: sb.env, version: 'tslfs/x', argv: ['fsck'], message: 'crashed', error: new Error('bug') };
    const p = await writeCrashLogForRepo({ ...base, cwd: dir });
    expect(p?.startsWith(join(dir, '.git/lfs/logs/'))).toBe(true);
    expect((await sb.tslfs(['logs'], { cwd: dir })).stdout).toBe(`${p!.split('/').pop()}\n`);
    expect(await writeCrashLogForRepo({ ...base, cwd: sb.root })).toBeNull();
  });

  it('the crash-log writer never overwrites, redacts credentials and secret-looking variables', async () => {
    const logs = join(sb.root, 'logs');
    const now = new Date('2026-01-02T03:04:05.678Z');
    const report = {
      version: 'tslfs/x',
      argv: ['push', 'https://user:pw@example.com/r'],
      message: 'failed https://u:tok@host/x',
      error: new Error('boom'),
      env: { GIT_TRACE: '1', GIT_ASKPASS_TOKEN: 'hidden', HOME: '/h' },
      now,
    };
    const a = await writeCrashLog(logs, report);
    const b = await writeCrashLog(logs, report);
    expect(a).not.toBe(b);
    expect(a).toMatch(/20260102T030405\.\d{9}\.log$/);
    const text = formatCrashLog(report);
    expect(text).not.toContain('pw@');
    expect(text).not.toContain('tok@');
    expect(text).not.toContain('hidden');
    expect(text).not.toContain('HOME=');
    expect(text).toContain('GIT_TRACE=1');
    expect(text).toContain('Current time in UTC:\n2026-01-02 03:04:05\n');
    expect(redactCredentials('ssh://git@host/x and http://a:b@c/')).toBe('ssh://host/x and http://c/');
  });
});

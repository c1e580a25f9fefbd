/**
 * The custom agent process wrapper and adapter in-process, with tiny inline agents (node -e):
 * bounded line length, non-JSON output, silence (activity timeout), the process group killed,
 * an init error with concurrent=false failing every waiting object, and the message of an agent
 * that cannot be started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentFailure, AgentProcess } from '../../src/transfer/AgentProcess.js';
import { CustomAgentAdapter } from '../../src/transfer/CustomAgentAdapter.js';
import { shq } from '../support/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'tslfs-agentproc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

/** An AgentProcess running `code` with this node. */
function agent(code: string): AgentProcess {
  return new AgentProcess({ path: process.execPath, args: `-e ${shq(code)}`, cwd: dir, env });
}

async function failureOf(p: Promise<unknown>): Promise<AgentFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AgentFailure) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('AgentProcess', () => {
  it('reads one JSON object per line, including lines written just before exiting', async () => {
    const a = agent(`process.stdout.write('{"a":1}\\n\\n{"b":2}\\n'); process.exit(0)`);
    expect(await a.next(5000)).toEqual({ a: 1 });
    expect(await a.next(5000)).toEqual({ b: 2 });
    const f = await failureOf(a.next(5000));
    expect(f.kind).toBe('exit');
    expect(f.message).toBe('exited with status 0');
  });

  it('refuses a line longer than the bound and kills the agent', async () => {
    const a = agent(`process.stdout.write('x'.repeat(3 << 20)); setInterval(() => {}, 1000)`);
    const f = await failureOf(a.next(10_000));
    expect(f.kind).toBe('protocol');
    expect(f.message).toContain('longer than');
    expect(await waitGone(a.pid!)).toBe(true);
  });

  it('refuses output that is not a JSON object', async () => {
    for (const line of ['hello', '[1,2]', '"str"']) {
      const a = agent(`process.stdout.write(${JSON.stringify(line + '\n')}); setInterval(() => {}, 1000)`);
      const f = await failureOf(a.next(5000));
      expect(f.kind).toBe('protocol');
      expect(await waitGone(a.pid!)).toBe(true);
    }
  });

  it('times out a silent agent and kills its whole process group', async () => {
    const a = agent(`const c = require('child_process').spawn('sleep', ['60'], { stdio: 'ignore' }); process.stderr.write('child ' + c.pid + '\\n'); setInterval(() => {}, 1000)`);
    await new Promise((r) => setTimeout(r, 300));
    const childPid = Number(/child (\d+)/.exec(a.lastStderrLine())?.[1]);
    expect(childPid).toBeGreaterThan(0);
    const f = await failureOf(a.next(500));
    expect(f.kind).toBe('timeout');
    expect(await waitGone(a.pid!)).toBe(true);
    expect(await waitGone(childPid)).toBe(true);
  });
});

describe('CustomAgentAdapter', () => {
  const base = { direction: 'download' as const, remote: 'origin', concurrency: 4, cwd: dir, env, tmpRoot: join(dir, 'tmp') };
  const sink = { write: async () => {} };
  const req = (i: number) => ({ oid: String(i).repeat(64).slice(0, 64), size: 1, name: `f${i}`, direction: 'download' as const, action: null });

  it('concurrent=false with an init error fails every queued object, none left waiting', async () => {
    const code = `require('readline').createInterface({ input: process.stdin }).on('line', () => { process.stdout.write(JSON.stringify({ error: { code: 1, message: 'no way' } }) + '\\n') })`;
    const a = new CustomAgentAdapter({ ...base, spec: { name: 'x', path: process.execPath, args: `-e ${shq(code)}`, concurrent: false, direction: 'both' } });
    const results = await Promise.allSettled([1, 2, 3].map((i) => a.download(req(i), sink, () => {})));
    await a.close();
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason.message)).toContain('custom transfer agent "x" failed to initialise: no way');
    }
  });

  it('stops an agent that goes silent during an object (activity timeout)', async () => {
    const code = `require('readline').createInterface({ input: process.stdin }).on('line', (l) => { if (JSON.parse(l).event === 'init') process.stdout.write('{}\\n') })`;
    const a = new CustomAgentAdapter({ ...base, activityTimeoutMs: 1000, spec: { name: 'quiet', path: process.execPath, args: `-e ${shq(code)}`, concurrent: true, direction: 'both' } });
    await expect(a.download(req(5), sink, () => {})).rejects.toThrow('custom transfer agent "quiet" was stopped: it sent nothing for 1 s');
    await a.close();
  });

  it('names the program when it cannot be started', async () => {
    const a = new CustomAgentAdapter({ ...base, spec: { name: 'missing', path: join(dir, 'no-such-agent'), args: '', concurrent: true, direction: 'both' } });
    await expect(a.download(req(6), sink, () => {})).rejects.toThrow(/custom transfer agent "missing" failed to start: it could not start: .*ENOENT/);
    await a.close();
  });
});

/**
 * The ssh command line for `git-lfs-authenticate` and `git-lfs-transfer` (reference 4.2, 4.5),
 * built so that nothing taken from a URL can reach ssh as an option (CVE-2017-17831, HR17).
 *
 * The program, in git's order: GIT_SSH_COMMAND (a shell command: run as
 * `sh -c '<cmd> "$@"' '<cmd>' <args...>`, as git does), core.sshCommand (same), GIT_SSH (a
 * program, run directly), else `ssh`. git-lfs looks at GIT_SSH before core.sshCommand; we follow
 * git, which runs the clone's ssh the same way.
 *
 * The variant (GIT_SSH_VARIANT, then ssh.variant; `auto` or unset: from the program's base name,
 * `.exe` stripped: plink -> putty, tortoiseplink -> tortoiseplink, anything else -> ssh, as
 * git-lfs does):
 *   ssh:           [-oControlMaster=yes|no -oControlPath=P] [-p PORT] -- USER@HOST COMMAND
 *   putty/plink:   [-P PORT] USER@HOST COMMAND
 *   tortoiseplink: -batch [-P PORT] USER@HOST COMMAND
 *   simple:        USER@HOST COMMAND (no options at all; a port is an error, as in git)
 * A host or user starting with `-` is refused (plink/tortoiseplink: leading dashes of
 * USER@HOST are stripped first, as git-lfs does, then the same check applies). Control
 * characters anywhere are refused; the port must be a decimal number 1-65535. The remote
 * command is one argv element (`git-lfs-transfer <path> <operation>`); the path is single-quoted
 * for the remote shell when it holds anything but plain path characters.
 *
 * Programs named without a slash are looked up in PATH's absolute entries only, never in the
 * current directory (CR12). Pure apart from that lookup (findExecutable).
 */
import { basename } from 'node:path';
import { TslfsError } from '../errors/TslfsError.js';
import type { Env } from '../git/exec.js';
import { whichOnPath } from '../git/whichOnPath.js';

export type SshVariant = 'ssh' | 'simple' | 'putty' | 'tortoiseplink';

/** What git-lfs keeps of an SSH remote (src/http/remoteUrl.ts SshInfo, structurally). */
export interface SshTarget {
  userAndHost: string;
  port?: string;
  path: string;
}

export interface SshProgram {
  /** A shell command (GIT_SSH_COMMAND / core.sshCommand) or a program (GIT_SSH / ssh). */
  kind: 'shell' | 'program';
  /** The shell command text, or the program name/path. */
  command: string;
  variant: SshVariant;
  source: 'GIT_SSH_COMMAND' | 'core.sshCommand' | 'GIT_SSH' | 'default';
}

export interface ConfigLike {
  get(key: string): string | undefined;
}

/** Multiplexing options (OpenSSH only): the first connection is the master. */
export interface MultiplexSpec {
  controlPath: string;
  master: boolean;
}

export interface SshInvocation {
  /** What to spawn (an absolute path once resolved with resolveInvocation). */
  file: string;
  args: string[];
  variant: SshVariant;
  /** True when the ssh options for multiplexing were added. */
  multiplexing: boolean;
}

export class SshCommandError extends TslfsError {
  constructor(message: string) {
    super(message, { code: 'ESSHCOMMAND' });
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Split a command line into words the way git's split_cmdline does (quotes, backslashes). */
export function splitCommandLine(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function variantFromName(program: string): SshVariant {
  let base = basename(program.replace(/\\/g, '/'));
  base = base.replace(/\.exe$/i, '');
  const lower = base.toLowerCase();
  if (lower === 'plink') return 'putty';
  if (lower === 'tortoiseplink') return 'tortoiseplink';
  return 'ssh';
}

function explicitVariant(v: string | undefined): SshVariant | null {
  switch ((v ?? '').trim().toLowerCase()) {
    case 'ssh':
      return 'ssh';
    case 'simple':
      return 'simple';
    case 'putty':
    case 'plink':
      return 'putty';
    case 'tortoiseplink':
      return 'tortoiseplink';
    default:
      return null; // unset, "auto" or unknown: detect from the name
  }
}

/** Which ssh program runs and how (see the file comment for the order). */
export function sshProgram(env: Env, config: ConfigLike): SshProgram {
  let prog: Omit<SshProgram, 'variant'> & { name: string };
  const envCmd = env['GIT_SSH_COMMAND'];
  const cfgCmd = config.get('core.sshCommand');
  const gitSsh = env['GIT_SSH'];
  if (envCmd && envCmd.trim()) prog = { kind: 'shell', command: envCmd, source: 'GIT_SSH_COMMAND', name: splitCommandLine(envCmd)[0] ?? 'ssh' };
  else if (cfgCmd && cfgCmd.trim()) prog = { kind: 'shell', command: cfgCmd, source: 'core.sshCommand', name: splitCommandLine(cfgCmd)[0] ?? 'ssh' };
  else if (gitSsh) prog = { kind: 'program', command: gitSsh, source: 'GIT_SSH', name: gitSsh };
  else prog = { kind: 'program', command: 'ssh', source: 'default', name: 'ssh' };
  const variant = explicitVariant(env['GIT_SSH_VARIANT'] ?? config.get('ssh.variant')) ?? variantFromName(prog.name);
  return { kind: prog.kind, command: prog.command, source: prog.source, variant };
}

/** Single-quote a word for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The repository path as the remote shell should see it: bare when plain, else single-quoted. */
export function remotePathWord(path: string): string {
  if (CONTROL.test(path)) throw new SshCommandError(`refusing an SSH repository path with control characters: ${JSON.stringify(path.slice(0, 200))}`);
  if (path === '') throw new SshCommandError('the SSH remote has no repository path');
  return /^[A-Za-z0-9_./~+@:,=%-]+$/.test(path) && !path.startsWith('-') ? path : shellQuote(path);
}

/** Validate and normalise USER@HOST for a variant (strip dashes for plink; refuse options). */
export function safeUserAndHost(userAndHost: string, variant: SshVariant): string {
  if (CONTROL.test(userAndHost)) throw new SshCommandError(`refusing an SSH host with control characters: ${JSON.stringify(userAndHost.slice(0, 200))}`);
  let uh = userAndHost;
  if (variant === 'putty' || variant === 'tortoiseplink') uh = uh.replace(/^-+/, '');
  const at = uh.lastIndexOf('@');
  const user = at >= 0 ? uh.slice(0, at) : null;
  const host = at >= 0 ? uh.slice(at + 1) : uh;
  if (!host) throw new SshCommandError(`the SSH remote has no host: ${JSON.stringify(userAndHost.slice(0, 200))}`);
  if (host.startsWith('-') || (user !== null && user.startsWith('-')) || uh.startsWith('-')) {
    throw new SshCommandError(`strange SSH host or user ${JSON.stringify(userAndHost.slice(0, 200))} blocked: it would be read as an ssh option`);
  }
  if (/\s/.test(uh)) throw new SshCommandError(`refusing an SSH host with whitespace: ${JSON.stringify(userAndHost.slice(0, 200))}`);
  return uh;
}

/** A port as ssh gets it: decimal 1-65535, or an error. */
export function safePort(port: string): string {
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new SshCommandError(`invalid SSH port ${JSON.stringify(port.slice(0, 40))}`);
  }
  return String(Number(port));
}

export interface SshArgvOptions {
  program: SshProgram;
  target: SshTarget;
  /** `git-lfs-authenticate` or `git-lfs-transfer`. */
  remoteCommand: string;
  operation: string;
  /** Multiplexing wanted (OpenSSH variant only; ignored for the others). */
  multiplex?: MultiplexSpec | null;
}

/** The argv (program not yet resolved) for one ssh run. Throws SshCommandError on unsafe input. */
export function buildSshArgv(o: SshArgvOptions): SshInvocation {
  const { program, target } = o;
  const v = program.variant;
  if (!/^[a-z-]+$/.test(o.remoteCommand) || !/^[a-z]+$/.test(o.operation)) throw new SshCommandError('invalid remote command');
  const host = safeUserAndHost(target.userAndHost, v);
  const remote = `${o.remoteCommand} ${remotePathWord(target.path)} ${o.operation}`;
  const sshArgs: string[] = [];
  let multiplexing = false;
  if (v === 'tortoiseplink') sshArgs.push('-batch');
  if (v === 'ssh' && o.multiplex) {
    if (CONTROL.test(o.multiplex.controlPath)) throw new SshCommandError('invalid control path');
    sshArgs.push(o.multiplex.master ? '-oControlMaster=yes' : '-oControlMaster=no', `-oControlPath=${o.multiplex.controlPath}`);
    multiplexing = true;
  }
  if (target.port !== undefined && target.port !== '') {
    const port = safePort(target.port);
    if (v === 'simple') throw new SshCommandError("ssh variant 'simple' does not support setting port");
    sshArgs.push(v === 'putty' || v === 'tortoiseplink' ? '-P' : '-p', port);
  }
  if (v === 'ssh') sshArgs.push('--');
  sshArgs.push(host, remote);
  if (program.kind === 'shell') {
    // As git: the command is shell text, our arguments follow as positional parameters.
    return { file: '/bin/sh', args: ['-c', `${program.command} "$@"`, program.command, ...sshArgs], variant: v, multiplexing };
  }
  return { file: program.command, args: sshArgs, variant: v, multiplexing };
}

/**
 * The absolute path of a program: names with a slash are used as they are; bare names are
 * looked up in PATH's absolute entries (empty and relative entries, which mean the current
 * directory, are skipped: CR12). Throws when nothing executable is found.
 */
export function findExecutable(name: string, env: Env): string {
  if (!name) throw new SshCommandError('empty ssh program name');
  if (name.includes('/')) return name;
  const found = whichOnPath(name, env);
  if (found) return found;
  throw new SshCommandError(`cannot run ssh: "${name}" was not found in PATH`);
}

/** buildSshArgv with the program resolved to an absolute path. */
export function sshInvocation(o: SshArgvOptions, env: Env): SshInvocation {
  const inv = buildSshArgv(o);
  return { ...inv, file: findExecutable(inv.file, env) };
}

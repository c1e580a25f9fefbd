/**
 * `env`: git-lfs's diagnostic `key=value` listing, line for line (scripts and tests parse it):
 * version, git version, a blank line, endpoints, local dirs, transfer/fetch/prune settings,
 * every environment variable whose name contains GIT_, then the three filter commands git will
 * run. tslfs adds one line, `TslfsFilterCommand=`, the command prefix `tslfs install` would write
 * here. Returns the lines; prints nothing. Works outside a repository (empty dirs, like git-lfs).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/Config.js';
import { envTruthy } from '../config/Config.js';
import { loadConfig } from '../config/load.js';
import { git, type Env } from '../git/exec.js';
import { findEndpoint, type Endpoint } from '../http/endpoint.js';
import { urlConfigValue } from '../http/urlMatch.js';
import { goQuote } from '../model/goQuote.js';
import { tryOpenRepo, type RepoContext } from '../ops/repoContext.js';
import { tslfsCommand, type TslfsSelf } from '../ops/tslfsCommand.js';
import { versionString } from '../version.js';

export interface EnvOptions {
  cwd: string;
  env: Env;
  self: TslfsSelf;
}

/** Remote names that have a URL or an LFS URL, sorted (git-lfs's env order). */
function envRemoteNames(config: Config): string[] {
  const names = new Set<string>();
  for (const k of config.keysWithPrefix('remote.')) {
    const m = /^remote\.(.+)\.(url|lfsurl)$/.exec(k);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

/** git-lfs's "current remote": remote.lfsdefault, the branch's remote, the only remote, or origin. */
async function defaultRemote(config: Config, ctx: RepoContext | null, remotes: string[]): Promise<string> {
  const d = config.get('remote.lfsdefault');
  if (d) return d;
  if (ctx) {
    const head = await readFile(join(ctx.repo.gitDir, 'HEAD'), 'utf8').catch(() => '');
    const m = /^ref: refs\/heads\/(.+)\s*$/.exec(head);
    const r = m ? config.get(`branch.${m[1]}.remote`) : undefined;
    if (r) return r;
  }
  if (remotes.length === 1) return remotes[0]!;
  return 'origin';
}

/** The download endpoint of a remote, as env shows it. */
function endpointForRemote(config: Config, remote: string, cwd: string): Endpoint {
  return findEndpoint(config, { operation: 'download', remote, cwd });
}

/** `lfs.<url>.access` for an endpoint, with git's URL matching ('private' is 'basic'). */
function accessModeFor(config: Config, endpointUrl: string): string {
  if (!endpointUrl) return 'none';
  const v = urlConfigValue(config, 'lfs', 'access', endpointUrl)?.toLowerCase();
  return v === 'basic' || v === 'negotiate' ? v : v === 'private' ? 'basic' : 'none';
}

/** A URL with any password removed (the user name is kept, as git-lfs shows it). */
function withoutPassword(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/gi, '$1@');
}

function endpointLines(label: string, ep: Endpoint, config: Config): string[] {
  const lines = [`${label}=${withoutPassword(ep.url)} (auth=${accessModeFor(config, ep.url)})`];
  if (ep.ssh) lines.push(`  SSH=${ep.ssh.userAndHost}:${ep.ssh.path}`);
  return lines;
}

function csv(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function transferNames(config: Config, direction: 'download' | 'upload'): string {
  const names = new Set(['basic', 'lfs-standalone-file', 'ssh']);
  if (direction === 'upload' && config.getBool('lfs.tustransfers', false)) names.add('tus');
  for (const k of config.keysWithPrefix('lfs.customtransfer.')) {
    const m = /^lfs\.customtransfer\.(.+)\.path$/.exec(k);
    if (!m) continue;
    const dir = (config.get(`lfs.customtransfer.${m[1]}.direction`) ?? 'both').toLowerCase();
    if (dir === 'both' || dir === direction) names.add(m[1]!);
  }
  return [...names].sort().join(',');
}

export async function lfsEnv(opts: EnvOptions): Promise<string[]> {
  const ctx = await tryOpenRepo({ cwd: opts.cwd, env: opts.env });
  const config = ctx ? ctx.config : (await loadConfig(null, opts.cwd, opts.env)).config;
  const gitVersion = await git(['version'], { cwd: opts.cwd, env: opts.env, allowFailure: true })
    .then((r) => r.stdout.toString('utf8').trim() || `Error getting Git version: ${r.stderr.trim()}`)
    .catch((e: Error) => `Error getting Git version: ${e.message}`);
  const lines = [versionString(), gitVersion, ''];

  const remotes = envRemoteNames(config);
  const current = await defaultRemote(config, ctx, remotes);
  let shownDefault = '';
  if (current === 'origin') {
    shownDefault = current;
    const ep = endpointForRemote(config, current, opts.cwd);
    if (ep.url) lines.push(...endpointLines('Endpoint', ep, config));
  }
  for (const r of remotes) {
    if (r === shownDefault) continue;
    lines.push(...endpointLines(`Endpoint (${r})`, endpointForRemote(config, r, opts.cwd), config));
  }

  const layout = ctx?.store.layout;
  const access = accessModeFor(config, endpointForRemote(config, current, opts.cwd).url);
  const int = (k: string, d: number) => {
    const v = config.getInt(k, d);
    return String(v);
  };
  const bool = (k: string, d: boolean) => String(config.getBool(k, d));
  const concurrent = config.getInt('lfs.concurrenttransfers', 8);
  lines.push(
    `LocalWorkingDir=${ctx?.repo.workTree ?? ''}`,
    `LocalGitDir=${ctx?.repo.gitDir ?? ''}`,
    `LocalGitStorageDir=${ctx?.repo.commonDir ?? ''}`,
    `LocalMediaDir=${layout ? layout.objectsDir : join('lfs', 'objects')}`,
    `LocalReferenceDirs=${layout ? layout.referenceObjectDirs.join(', ') : ''}`,
    `TempDir=${layout ? layout.tmpDir : join('lfs', 'tmp')}`,
    `ConcurrentTransfers=${concurrent < 1 ? 8 : concurrent}`,
    `TusTransfers=${bool('lfs.tustransfers', false)}`,
    `BasicTransfersOnly=${bool('lfs.basictransfersonly', false)}`,
    `SkipDownloadErrors=${config.getBool('lfs.skipdownloaderrors', false) || envTruthy(opts.env['GIT_LFS_SKIP_DOWNLOAD_ERRORS'])}`,
    `FetchRecentAlways=${bool('lfs.fetchrecentalways', false)}`,
    `FetchRecentRefsDays=${int('lfs.fetchrecentrefsdays', 7)}`,
    `FetchRecentCommitsDays=${int('lfs.fetchrecentcommitsdays', 0)}`,
    `FetchRecentRefsIncludeRemotes=${bool('lfs.fetchrecentremoterefs', true)}`,
    `PruneOffsetDays=${int('lfs.pruneoffsetdays', 3)}`,
    `PruneVerifyRemoteAlways=${bool('lfs.pruneverifyremotealways', false)}`,
    `PruneVerifyUnreachableAlways=${bool('lfs.pruneverifyunreachablealways', false)}`,
    `PruneRemoteName=${config.get('lfs.pruneremotetocheck') || 'origin'}`,
    `LfsStorageDir=${layout ? layout.lfsDir : 'lfs'}`,
    `AccessDownload=${access}`,
    `AccessUpload=${access}`,
    `DownloadTransfers=${transferNames(config, 'download')}`,
    `UploadTransfers=${transferNames(config, 'upload')}`,
  );
  const exclude = csv(config.get('lfs.fetchexclude'));
  if (exclude.length) lines.push(`FetchExclude=${exclude.join(', ')}`);
  const include = csv(config.get('lfs.fetchinclude'));
  if (include.length) lines.push(`FetchInclude=${include.join(', ')}`);
  const exts: Array<[number, string]> = [];
  for (const k of config.keysWithPrefix('lfs.extension.')) {
    const m = /^lfs\.extension\.(.+)\.priority$/.exec(k);
    if (m) exts.push([config.getInt(k, 0), m[1]!]);
  }
  for (const [prio, name] of exts.sort((a, b) => a[0] - b[0])) lines.push(`Extension[${prio}]=${name}`);

  for (const [k, v] of Object.entries(opts.env)) {
    // Values can carry URLs with passwords (GIT_CONFIG_VALUE_n, proxies): never print those.
    if (v !== undefined && k.includes('GIT_')) lines.push(`${k}=${withoutPassword(v)}`);
  }
  lines.push(`TslfsFilterCommand=${tslfsCommand(opts.self, opts.env)}`);
  for (const key of ['filter.lfs.process', 'filter.lfs.smudge', 'filter.lfs.clean']) {
    lines.push(`git config ${key} = ${goQuote(config.get(key) ?? '')}`);
  }
  return lines;
}

/** tslfs's version; a unit test keeps it equal to package.json's. */
export const VERSION = '0.1.0';

/** The version line (`tslfs version`, first line of `tslfs env`, the HTTP User-Agent). */
export function versionString(platform: string = process.platform, arch: string = process.arch, node: string = process.version): string {
  return `tslfs/${VERSION} (tslfs; ${platform} ${arch}; node ${node.replace(/^v/, '')})`;
}

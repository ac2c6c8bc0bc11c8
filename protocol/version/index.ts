import { compareDpkgVersions, parseDpkgVersion } from './dpkg.ts'
import { compareRpmVersions, parseRpmEvr } from './rpm.ts'
import type { DpkgVersion } from './dpkg.ts'
import type { RpmEvr } from './rpm.ts'

export { compareDpkgVersions, parseDpkgVersion, compareRpmVersions, parseRpmEvr }
export type { DpkgVersion, RpmEvr }

/** The package families whose versions we can order. */
export type VersionFamily = 'deb' | 'rpm'

/** Orders two package versions of one family: -1 when a < b, 0 when equal, 1 when a > b. Throws FormatError ERR_BAD_VERSION. */
export function compareVersions (family: VersionFamily, a: string, b: string): -1 | 0 | 1 {
  return family === 'deb' ? compareDpkgVersions(a, b) : compareRpmVersions(a, b)
}

/** Parses one version of a family, throwing FormatError ERR_BAD_VERSION where it cannot be ordered. */
export function parseVersion (family: 'deb', version: string): DpkgVersion
export function parseVersion (family: 'rpm', version: string): RpmEvr
export function parseVersion (family: VersionFamily, version: string): DpkgVersion | RpmEvr
export function parseVersion (family: VersionFamily, version: string): DpkgVersion | RpmEvr {
  return family === 'deb' ? parseDpkgVersion(version) : parseRpmEvr(version)
}

import type { PackageTarget } from './package-manifest-types.ts'

/** What a computer is, as far as package targets ask. */
export interface TargetedComputer {
  site: string
  tags: readonly string[]
  /** os-release ID, e.g. debian. */
  os: string
}

/** True when a package targets the computer: every list the target gives must match (no target: every computer). */
export function isTargeted (target: PackageTarget | undefined, computer: TargetedComputer): boolean {
  if (target == null) return true
  if (target.sites != null && !target.sites.includes(computer.site)) return false
  if (target.os != null && !target.os.includes(computer.os)) return false
  if (target.tags != null && !target.tags.some(tag => computer.tags.includes(tag))) return false
  return true
}

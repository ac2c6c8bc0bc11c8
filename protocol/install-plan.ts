import { isManifestExpired } from './package-manifest.ts'
import { isTargeted } from './package-target.ts'
import type { Deployment, ManifestPatch, PackageManifest } from './package-manifest-types.ts'
import type { TargetedComputer } from './package-target.ts'

/** Where a package's deployment stands: before `available`, from `available` (inside the window, if any), from `deadline` (whatever the window). */
export type DeploymentState = 'waiting' | 'available' | 'due'

/** Why a patch a package names is not installed. */
export type WithheldReason = 'retracted'

export interface WithheldPatch {
  /** The catalog's patch id. */
  id: string
  reason: WithheldReason
}

/** One package as this computer would install it. */
export interface PackagePlan {
  name: string
  version: number
  state: DeploymentState
  /** Times, maintenance window and whether servers may reboot, as the manifest gives them. */
  deployment: Deployment
  /** The patches to install, in install order. */
  patches: ManifestPatch[]
  /** Patches the package names but this computer must not install, each with the reason. */
  withheld: WithheldPatch[]
}

/** What a computer would install at `at`: one entry per package that targets it and has not expired, by name. */
export interface InstallPlan {
  at: string
  computer: TargetedComputer
  packages: PackagePlan[]
}

/**
 * The install plan of `computer` at `now` from the accepted manifests a node holds (pending ones are
 * never installed: the caller leaves them out). Only the newest version of each package counts, so a
 * retraction withholds its patch even where an older version listed it; an expired newest version
 * gives nothing rather than bringing the older one back.
 */
export function installPlan (manifests: readonly PackageManifest[], computer: TargetedComputer, now: Date): InstallPlan {
  const packages = [...newestByName(manifests).values()]
    .filter(manifest => !isManifestExpired(manifest, now.getTime()) && isTargeted(manifest.target, computer))
    .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    .map(manifest => ({
      name: manifest.name,
      version: manifest.version,
      state: deploymentState(manifest.deployment, now),
      deployment: manifest.deployment,
      patches: livePatches(manifest),
      withheld: manifest.retracted.map(id => ({ id, reason: 'retracted' as const }))
    }))
  // A copy: the node's computer changes under the plan when a scan reads another os.
  return { at: now.toISOString(), computer: { ...computer, tags: [...computer.tags] }, packages }
}

/** Where a deployment stands at `now`. */
export function deploymentState (deployment: Deployment, now: Date): DeploymentState {
  const ms = now.getTime()
  if (ms >= Date.parse(deployment.deadline)) return 'due'
  return ms >= Date.parse(deployment.available) ? 'available' : 'waiting'
}

/** A manifest's patches that are not retracted (the reader refuses an id in both lists; values built elsewhere might not). */
export function livePatches (manifest: PackageManifest): ManifestPatch[] {
  return manifest.patches.filter(patch => !manifest.retracted.includes(patch.id))
}

function newestByName (manifests: readonly PackageManifest[]): Map<string, PackageManifest> {
  const newest = new Map<string, PackageManifest>()
  for (const manifest of manifests) {
    const held = newest.get(manifest.name)
    if (held === undefined || manifest.version > held.version) newest.set(manifest.name, manifest)
  }
  return newest
}

import type { BlobId } from './blob-id.ts'
import type { RebootBehaviour } from './catalog-types.ts'
import type { InstallerSettings } from './installer-defaults.ts'
import type { MaintenanceWindow } from './maintenance-window.ts'

/** Which computers a package is for; each list present must match the computer (a site, a tag, its os-release ID), absent lists match all. */
export interface PackageTarget {
  sites?: string[]
  tags?: string[]
  os?: string[]
}

/** When targeted computers install: not before `available`; inside `window` when given; at `deadline` whatever the window. */
export interface Deployment {
  available: string
  deadline: string
  window?: MaintenanceWindow
  /** Whether computers that count as servers may reboot by themselves after installing; when false they wait for a person. */
  rebootServers: boolean
}

/** One patch of a package, in install order, with everything a node needs to fetch, check and install it. */
export interface ManifestPatch extends InstallerSettings {
  /** The catalog's patch id. */
  id: string
  blob: BlobId
  /** Id of the blob's chunk index. */
  index: BlobId
  /** Bytes of the whole file. */
  size: number
  /** Plain file name the installer is given (see fileNameProblem). */
  file: string
  kind: string
  reboot: RebootBehaviour
  timeoutSeconds: number
}

/**
 * A package manifest (DESIGN, "Package manifest"). `version` only grows per package name. A retraction
 * is a newer version that leaves the patch out of `patches` and lists its id in `retracted`, so nodes
 * that never saw the older version also know to stop installing it (and reports can say why).
 */
export interface PackageManifest {
  mesh: string
  name: string
  version: number
  created: string
  expires?: string
  target?: PackageTarget
  deployment: Deployment
  patches: ManifestPatch[]
  retracted: string[]
}

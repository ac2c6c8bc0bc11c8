/** Package-manager family of a product; decides the version ordering and how patches detect. */
export type Family = 'deb' | 'rpm' | 'windows'

export type Severity = 'critical' | 'important' | 'moderate' | 'low' | 'unspecified'

/** How a patch's installer behaves about reboots, as the catalog states it. */
export type RebootBehaviour = 'never' | 'may' | 'always'

export interface Product {
  id: string
  name: string
  family: Family
  /** os-release `ID` / `VERSION_ID` pairs this product is detected on. */
  detect: Array<{ os: string, versionId: string }>
}

/** A package whose installed version must be at or above `fixed`. */
export interface PackageFix {
  name: string
  fixed: string
}

export interface Patch {
  id: string
  bulletinId: string
  productId: string
  /** Installer kind, e.g. deb, rpm, msi, msu, exe, sh. */
  kind: string
  reboot: RebootBehaviour
  supersedes: string[]
  /** deb/rpm families detect through packages ... */
  packages: PackageFix[]
  /** ... the windows family through hotfixes. */
  hotfixes: string[]
}

export interface Bulletin {
  id: string
  title: string
  severity: Severity
  /** ISO date as written in the catalog. */
  released: string
  cves: string[]
  patchIds: string[]
}

export interface Catalog {
  id: string
  version: number
  /** ISO timestamps as written in the catalog. */
  published: string
  expires?: string
  products: Product[]
  bulletins: Bulletin[]
  patches: Patch[]
}

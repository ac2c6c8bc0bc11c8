/** One installed copy of a package; a package installed for several architectures appears once per arch. */
export interface InstalledPackage {
  name: string
  version: string
  arch?: string
}

/** What is installed on one computer: the input to a scan. */
export interface Inventory {
  host: string
  /** os-release `ID`, e.g. debian. */
  os: string
  /** os-release `VERSION_ID`, e.g. 12. */
  versionId: string
  packages: InstalledPackage[]
  hotfixes: string[]
}

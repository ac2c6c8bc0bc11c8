import { compareVersions } from './version/index.ts'
import { summarise } from './scan-result.ts'
import type { CompiledCatalog, CompiledPatch } from './compiled-catalog.ts'
import type { Family } from './catalog-types.ts'
import type { InstalledPackage, Inventory } from './inventory-types.ts'
import type { PackageFinding, PatchFinding, PatchState, ScanResult } from './scan-result.ts'

type BaseState = Exclude<PatchState, 'superseded'>

/** Evaluates every patch of a compiled catalog against one inventory (DESIGN, "Patch states"). */
export function evaluateCatalog (catalog: CompiledCatalog, inventory: Inventory, scannedAt: Date = new Date()): ScanResult {
  const installed = indexPackages(inventory.packages)
  const hotfixes = new Set(inventory.hotfixes)
  const productPresent = catalog.products.map(product =>
    product.detect.some(([os, versionId]) => os === inventory.os && versionId === inventory.versionId))

  const findings = catalog.patches.map((patch): PatchFinding => {
    const product = catalog.products[patch.product]
    const bulletin = catalog.bulletins[patch.bulletin]
    const present = productPresent[patch.product] === true
    const family: Family = product?.family ?? 'deb'
    const packages = patch.packages.map(([name, fixed]): PackageFinding => ({
      name,
      fixed,
      installed: present ? (installed.get(name) ?? []).map(copy => copy.arch == null ? { version: copy.version } : { version: copy.version, arch: copy.arch }) : []
    }))
    const missingHotfixes = present ? patch.hotfixes.filter(id => !hotfixes.has(id)) : []
    return {
      id: patch.id,
      state: present ? baseState(family, patch, packages, missingHotfixes) : 'not-applicable',
      bulletin: bulletin?.id ?? '',
      title: bulletin?.title ?? '',
      severity: bulletin?.severity ?? 'unspecified',
      cves: bulletin?.cves ?? [],
      product: product?.id ?? '',
      kind: patch.kind,
      reboot: patch.reboot,
      packages,
      missingHotfixes
    }
  })

  applySupersedence(catalog, findings)
  return {
    host: inventory.host,
    os: inventory.os,
    versionId: inventory.versionId,
    catalog: { id: catalog.id, version: catalog.version },
    scannedAt: scannedAt.toISOString(),
    summary: summarise(findings.map(f => f.state)),
    patches: findings
  }
}

function baseState (family: Family, patch: CompiledPatch, packages: PackageFinding[], missingHotfixes: string[]): BaseState {
  if (family === 'windows') return missingHotfixes.length === 0 ? 'installed' : 'missing'
  let anyInstalled = false
  for (const pkg of packages) {
    for (const copy of pkg.installed) {
      anyInstalled = true
      if (isBelow(family, copy.version, pkg.fixed)) return 'missing'
    }
  }
  return anyInstalled ? 'installed' : 'not-applicable'
}

function isBelow (family: 'deb' | 'rpm', installed: string, fixed: string): boolean {
  try {
    return compareVersions(family, installed, fixed) < 0
  } catch {
    // A version the package manager itself would not order cannot prove the fix is there.
    return true
  }
}

/**
 * A missing patch becomes superseded when a patch superseding it, directly or through a chain,
 * is installed or missing. Walking in supersedence order (newest first) settles each patch once.
 */
function applySupersedence (catalog: CompiledCatalog, findings: PatchFinding[]): void {
  const liveSuperseder = new Array<string | undefined>(findings.length)
  for (const index of catalog.order) {
    const finding = findings[index] as PatchFinding
    const isLive = finding.state === 'missing' || finding.state === 'installed'
    const passDown = isLive ? finding.id : liveSuperseder[index]
    if (passDown == null) continue
    for (const older of catalog.patches[index]?.supersedes ?? []) liveSuperseder[older] ??= passDown
  }
  findings.forEach((finding, index) => {
    const by = liveSuperseder[index]
    if (finding.state === 'missing' && by != null) {
      finding.state = 'superseded'
      finding.supersededBy = by
    }
  })
}

function indexPackages (packages: InstalledPackage[]): Map<string, InstalledPackage[]> {
  const index = new Map<string, InstalledPackage[]>()
  for (const pkg of packages) {
    const copies = index.get(pkg.name)
    if (copies == null) index.set(pkg.name, [pkg])
    else copies.push(pkg)
  }
  return index
}

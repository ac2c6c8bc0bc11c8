import type { Evaluation } from './applicability.ts'
import type { CompiledCatalog } from './compiled-catalog.ts'
import type { InstalledPackage, Inventory } from './inventory-types.ts'

/** The four patch states on one computer (DESIGN, "Patch states"). */
export const PATCH_STATES = ['missing', 'superseded', 'installed', 'not-applicable'] as const
export type PatchState = typeof PATCH_STATES[number]
export type ScanSummary = Record<PatchState, number>

/**
 * A scan as a node stores it: the inventory it read and one letter per catalog patch. Small and
 * quick to write; `describeScan` expands it with the catalog for reports.
 */
export interface ScanRecord {
  inventory: Inventory
  catalog: { id: string, version: number }
  /** ISO timestamp. */
  scannedAt: string
  summary: ScanSummary
  /** One letter per patch index: m(issing), s(uperseded), i(nstalled), n(ot-applicable). */
  states: string
  /** [superseded patch index, index of the patch that supersedes it]. */
  supersededBy: Array<[number, number]>
}

const LETTER: Record<PatchState, string> = { missing: 'm', superseded: 's', installed: 'i', 'not-applicable': 'n' }
const STATE_OF_LETTER: Record<string, PatchState> = { m: 'missing', s: 'superseded', i: 'installed', n: 'not-applicable' }

/** Packs an evaluation into the stored form. */
export function recordScan (catalog: { id: string, version: number }, evaluation: Evaluation, inventory: Inventory, scannedAt: Date): ScanRecord {
  const supersededBy: Array<[number, number]> = []
  evaluation.supersededBy.forEach((by, patch) => { if (by >= 0) supersededBy.push([patch, by]) })
  return {
    inventory,
    catalog: { id: catalog.id, version: catalog.version },
    scannedAt: scannedAt.toISOString(),
    summary: evaluation.summary,
    states: evaluation.states.map(state => LETTER[state]).join(''),
    supersededBy
  }
}

/** The state of patch `index` in a stored scan. */
export function stateAt (record: ScanRecord, index: number): PatchState {
  return STATE_OF_LETTER[record.states[index] ?? 'n'] ?? 'not-applicable'
}

/** What a scan found about one listed package of a patch. */
export interface PackageFinding {
  name: string
  fixed: string
  /** Installed copies, one per architecture; empty when the package is absent. */
  installed: Array<{ version: string, arch?: string }>
}

/** The evaluation of one catalog patch on one computer, with what an administrator needs to act on it. */
export interface PatchFinding {
  id: string
  state: PatchState
  bulletin: string
  title: string
  severity: string
  cves: string[]
  product: string
  kind: string
  reboot: string
  packages: PackageFinding[]
  /** Hotfixes the patch needs that the computer lacks (windows family). */
  missingHotfixes: string[]
  /** For superseded patches: the nearest superseding patch that is installed or missing. */
  supersededBy?: string
}

/** A scan expanded for people and the JSON API (`patchmesh scan --json`, `/api/v1/computers/:id`). */
export interface ScanResult {
  host: string
  os: string
  versionId: string
  catalog: { id: string, version: number }
  scannedAt: string
  summary: ScanSummary
  patches: PatchFinding[]
}

/** Expands a stored scan with the catalog it was made against (same id and version); `include` picks which states to list. */
export function describeScan (catalog: CompiledCatalog, record: ScanRecord, include: (state: PatchState) => boolean = () => true): ScanResult {
  const { inventory } = record
  const installed = new Map<string, InstalledPackage[]>()
  for (const pkg of inventory.packages) installed.set(pkg.name, [...(installed.get(pkg.name) ?? []), pkg])
  const hotfixes = new Set(inventory.hotfixes)
  const supersededBy = new Map(record.supersededBy)
  const patches: PatchFinding[] = []
  catalog.patches.forEach((patch, index) => {
    const state = stateAt(record, index)
    if (!include(state)) return
    const bulletin = catalog.bulletins[patch.bulletin]
    const relevant = state !== 'not-applicable'
    const finding: PatchFinding = {
      id: patch.id,
      state,
      bulletin: bulletin?.id ?? '',
      title: bulletin?.title ?? '',
      severity: bulletin?.severity ?? 'unspecified',
      cves: bulletin?.cves ?? [],
      product: catalog.products[patch.product]?.id ?? '',
      kind: patch.kind,
      reboot: patch.reboot,
      packages: patch.packages.map(([name, fixed]) => ({
        name,
        fixed,
        installed: relevant ? (installed.get(name) ?? []).map(c => c.arch == null ? { version: c.version } : { version: c.version, arch: c.arch }) : []
      })),
      missingHotfixes: relevant ? patch.hotfixes.filter(id => !hotfixes.has(id)) : []
    }
    const by = supersededBy.get(index)
    if (by != null) finding.supersededBy = catalog.patches[by]?.id
    patches.push(finding)
  })
  return {
    host: inventory.host,
    os: inventory.os,
    versionId: inventory.versionId,
    catalog: record.catalog,
    scannedAt: record.scannedAt,
    summary: record.summary,
    patches
  }
}

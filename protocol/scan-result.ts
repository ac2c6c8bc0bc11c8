/** The four patch states on one computer (DESIGN, "Patch states"). */
export const PATCH_STATES = ['missing', 'superseded', 'installed', 'not-applicable'] as const
export type PatchState = typeof PATCH_STATES[number]

/** What a scan found about one listed package of a patch. */
export interface PackageFinding {
  name: string
  fixed: string
  /** Installed copies, one per architecture; empty when the package is absent. */
  installed: Array<{ version: string, arch?: string }>
}

/** The evaluation of one catalog patch on one computer. */
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

export type ScanSummary = Record<PatchState, number>

/** The outcome of evaluating one catalog against one inventory. */
export interface ScanResult {
  host: string
  os: string
  versionId: string
  catalog: { id: string, version: number }
  /** ISO timestamp. */
  scannedAt: string
  summary: ScanSummary
  patches: PatchFinding[]
}

/** Counts of patches per state, every state present. */
export function summarise (states: Iterable<PatchState>): ScanSummary {
  const summary: ScanSummary = { missing: 0, superseded: 0, installed: 0, 'not-applicable': 0 }
  for (const state of states) summary[state]++
  return summary
}

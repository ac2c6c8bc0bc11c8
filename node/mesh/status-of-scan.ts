import { stateAt } from '../../protocol/scan-result.ts'
import { advertisedAddresses } from './addresses.ts'
import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import type { ScanRecord } from '../../protocol/scan-result.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'

export interface StatusContext {
  mesh: string
  node: string
  seq: number
  site: string
  agentVersion: string
  now: Date
  /**
   * Where this node listens, as libp2p reports it (Mesh#addresses); the record carries the ones
   * other computers can dial (see advertisedAddresses), so peers introduce each other. @default []
   */
  addresses?: ReadonlyArray<string>
}

/** The compact status a node gossips for its latest scan: counts and the ids of missing patches. */
export function statusRecordOf (scan: ScanRecord, catalog: CompiledCatalog | undefined, context: StatusContext): StatusRecord {
  const missing: string[] = []
  const missingBySeverity: Record<string, number> = {}
  // Names come from the catalog the scan was made with; a newer catalog means a rescan is on its way.
  if (catalog != null && catalog.id === scan.catalog.id && catalog.version === scan.catalog.version) {
    for (let i = 0; i < scan.states.length; i++) {
      const patch = catalog.patches[i]
      if (patch == null || stateAt(scan, i) !== 'missing') continue
      missing.push(patch.id)
      const severity = catalog.bulletins[patch.bulletin]?.severity ?? 'unspecified'
      missingBySeverity[severity] = (missingBySeverity[severity] ?? 0) + 1
    }
  }
  const { host, os, versionId } = scan.inventory
  return {
    mesh: context.mesh,
    node: context.node,
    seq: context.seq,
    host,
    os,
    versionId,
    site: context.site,
    addresses: advertisedAddresses(context.addresses ?? []),
    agentVersion: context.agentVersion,
    catalog: scan.catalog,
    summary: scan.summary,
    missingBySeverity,
    missing,
    scannedAt: scan.scannedAt,
    publishedAt: context.now.toISOString()
  }
}

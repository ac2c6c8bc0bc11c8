import type { FleetEntry } from '../fleet/fleet-store.ts'
import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'

/** One computer of the fleet as the reports show it, from its newest status record. */
export type FleetComputer = Pick<StatusRecord, 'host' | 'os' | 'versionId' | 'site' | 'agentVersion' | 'catalog' | 'summary' | 'missingBySeverity' | 'scannedAt'> & {
  id: string
  /** When the computer last published its status. */
  lastSeen: string
  /** Not heard from for longer than the stale threshold. */
  stale: boolean
  /** This node's own computer. */
  self: boolean
}

/** A patch that computers of the fleet miss, and how many and where. */
export interface FleetPatch {
  id: string
  bulletin: string
  title: string
  severity: string
  cves: string[]
  missing: number
  /** Computers missing it, per site ('' for computers without a site). */
  sites: Record<string, number>
}

/** The report line of every computer in the fleet view. */
export function fleetComputers (entries: FleetEntry[], selfId: string): FleetComputer[] {
  return entries.map(({ record, stale }) => ({
    id: record.node,
    host: record.host,
    os: record.os,
    versionId: record.versionId,
    site: record.site,
    agentVersion: record.agentVersion,
    catalog: record.catalog,
    summary: record.summary,
    missingBySeverity: record.missingBySeverity,
    scannedAt: record.scannedAt,
    lastSeen: record.publishedAt,
    stale,
    self: record.node === selfId
  }))
}

/** Patches missing anywhere in the fleet, most-missed first; details from the catalog where this node holds it. */
export function fleetPatches (entries: FleetEntry[], catalog: CompiledCatalog | undefined): FleetPatch[] {
  const byId = new Map<string, FleetPatch>()
  const known = new Map(catalog?.patches.map(p => [p.id, p]) ?? [])
  for (const { record } of entries) {
    for (const id of record.missing) {
      let entry = byId.get(id)
      if (entry == null) {
        const patch = known.get(id)
        const bulletin = patch == null ? undefined : catalog?.bulletins[patch.bulletin]
        entry = { id, bulletin: bulletin?.id ?? '', title: bulletin?.title ?? '', severity: bulletin?.severity ?? 'unspecified', cves: bulletin?.cves ?? [], missing: 0, sites: {} }
        byId.set(id, entry)
      }
      entry.missing++
      entry.sites[record.site] = (entry.sites[record.site] ?? 0) + 1
    }
  }
  return [...byId.values()].sort((a, b) => b.missing - a.missing || a.id.localeCompare(b.id))
}

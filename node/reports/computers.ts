import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import type { PatchFinding, ScanRecord } from '../../protocol/scan-result.ts'

/** A stored scan with the catalog it was made against, when the node still holds that catalog. */
export interface ComputerScan {
  id: string
  record: ScanRecord
  catalog?: CompiledCatalog
}

/** Pairs a scan with the held catalog if the scan was made against it. */
export function withCatalog (id: string, record: ScanRecord, held: CompiledCatalog | undefined): ComputerScan {
  const matches = held != null && held.id === record.catalog.id && held.version === record.catalog.version
  return matches ? { id, record, catalog: held } : { id, record }
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, important: 1, moderate: 2, low: 3, unspecified: 4 }
const STATE_RANK: Record<string, number> = { missing: 0, superseded: 1, installed: 2, 'not-applicable': 3 }

/** Orders findings the way an administrator reads them: missing first, most severe first. */
export function byUrgency (a: PatchFinding, b: PatchFinding): number {
  return (STATE_RANK[a.state] ?? 9) - (STATE_RANK[b.state] ?? 9) ||
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    a.id.localeCompare(b.id)
}

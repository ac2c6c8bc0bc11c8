import { evaluate } from './applicability.ts'
import { buildScanIndex } from './scan-index.ts'
import { describeScan, recordScan } from './scan-result.ts'
import type { CompiledCatalog } from './compiled-catalog.ts'
import type { Inventory } from './inventory-types.ts'
import type { ScanResult } from './scan-result.ts'

/** One whole scan, catalog and inventory in, expanded result out: for one-off scans and tests. */
export function scanInventory (catalog: CompiledCatalog, inventory: Inventory, at: Date = new Date()): ScanResult {
  return describeScan(catalog, recordScan(catalog, evaluate(buildScanIndex(catalog), inventory), inventory, at))
}

import type { CompiledCatalog } from './compiled-catalog.ts'
import type { Family } from './catalog-types.ts'

/**
 * Just what applicability needs from a catalog, in flat columns: JSON of number and string arrays
 * loads several times faster than the same data as one object per patch, and a scan allocates
 * nothing per patch. Per-patch lists use offsets: patch i's fixes are fixName/fixVersion
 * [fixStart[i], fixStart[i + 1]).
 */
export interface ScanIndex {
  format: 1
  catalogId: string
  catalogVersion: number
  products: Array<{ family: Family, detect: Array<[os: string, versionId: string]> }>
  patchProduct: number[]
  fixStart: number[]
  fixName: string[]
  fixVersion: string[]
  hotfixStart: number[]
  hotfixId: string[]
  supersedesStart: number[]
  supersedes: number[]
  /** Patch indices, every patch before the patches it supersedes. */
  order: number[]
}

/** Flattens a compiled catalog into its scan index. */
export function buildScanIndex (catalog: CompiledCatalog): ScanIndex {
  const index: ScanIndex = {
    format: 1,
    catalogId: catalog.id,
    catalogVersion: catalog.version,
    products: catalog.products.map(p => ({ family: p.family, detect: p.detect })),
    patchProduct: [],
    fixStart: [0],
    fixName: [],
    fixVersion: [],
    hotfixStart: [0],
    hotfixId: [],
    supersedesStart: [0],
    supersedes: [],
    order: catalog.order
  }
  for (const patch of catalog.patches) {
    index.patchProduct.push(patch.product)
    for (const [name, fixed] of patch.packages) {
      index.fixName.push(name)
      index.fixVersion.push(fixed)
    }
    index.fixStart.push(index.fixName.length)
    index.hotfixId.push(...patch.hotfixes)
    index.hotfixStart.push(index.hotfixId.length)
    index.supersedes.push(...patch.supersedes)
    index.supersedesStart.push(index.supersedes.length)
  }
  return index
}

import { FormatError } from './errors.ts'
import { parseVersion } from './version/index.ts'
import type { Catalog, Family } from './catalog-types.ts'

/**
 * A verified catalog in the form a scan wants: products, bulletins and patches referenced by
 * index, versions already checked, and the supersedence order computed once. It is plain JSON so a
 * node stores it and the next scan skips XML parsing and validation altogether.
 */
export interface CompiledCatalog {
  format: 1
  id: string
  version: number
  published: string
  expires?: string
  products: Array<{ id: string, name: string, family: Family, detect: Array<[os: string, versionId: string]> }>
  bulletins: Array<{ id: string, title: string, severity: string, released: string, cves: string[] }>
  patches: CompiledPatch[]
  /** Patch indices ordered so that every patch comes before the patches it supersedes. */
  order: number[]
}

export interface CompiledPatch {
  id: string
  bulletin: number
  product: number
  kind: string
  reboot: string
  supersedes: number[]
  packages: Array<[name: string, fixed: string]>
  hotfixes: string[]
}

/** Turns a parsed catalog into its compiled form; throws FormatError on versions or references a scan could not use. */
export function compileCatalog (catalog: Catalog, source?: string): CompiledCatalog {
  const productIndex = indexById(catalog.products)
  const bulletinIndex = indexById(catalog.bulletins)
  const patchIndex = indexById(catalog.patches)
  const bulletinOf = new Map<string, string>()
  for (const bulletin of catalog.bulletins) {
    for (const patchId of bulletin.patchIds) bulletinOf.set(patchId, bulletin.id)
  }

  const patches = catalog.patches.map((patch): CompiledPatch => {
    const where = { source, element: `Patch id="${patch.id}"` }
    const product = lookup(productIndex, patch.productId, 'product', where)
    const family = catalog.products[product]?.family ?? 'deb'
    if (family !== 'windows') {
      for (const fix of patch.packages) {
        try {
          parseVersion(family, fix.fixed)
        } catch (err) {
          throw new FormatError('ERR_BAD_VERSION', `package "${fix.name}" has fixed version "${fix.fixed}" that ${family} cannot order: ${(err as Error).message}`, where)
        }
      }
    }
    return {
      id: patch.id,
      bulletin: lookup(bulletinIndex, bulletinOf.get(patch.id) ?? patch.bulletinId, 'bulletin', where),
      product,
      kind: patch.kind,
      reboot: patch.reboot,
      supersedes: patch.supersedes.map(id => lookup(patchIndex, id, 'patch', where)),
      packages: patch.packages.map(fix => [fix.name, fix.fixed]),
      hotfixes: patch.hotfixes
    }
  })

  const compiled: CompiledCatalog = {
    format: 1,
    id: catalog.id,
    version: catalog.version,
    published: catalog.published,
    products: catalog.products.map(p => ({ id: p.id, name: p.name, family: p.family, detect: p.detect.map(d => [d.os, d.versionId]) })),
    bulletins: catalog.bulletins.map(b => ({ id: b.id, title: b.title, severity: b.severity, released: b.released, cves: b.cves })),
    patches,
    order: supersedenceOrder(patches, source)
  }
  if (catalog.expires != null) compiled.expires = catalog.expires
  return compiled
}

/** Kahn's algorithm over "supersedes" edges: superseding patches first, cycles refused. */
function supersedenceOrder (patches: CompiledPatch[], source?: string): number[] {
  const pending = new Array<number>(patches.length).fill(0)
  for (const patch of patches) {
    for (const older of patch.supersedes) pending[older] = (pending[older] ?? 0) + 1
  }
  const order: number[] = []
  for (let i = 0; i < patches.length; i++) if (pending[i] === 0) order.push(i)
  for (let next = 0; next < order.length; next++) {
    for (const older of patches[order[next] as number]?.supersedes ?? []) {
      pending[older] = (pending[older] ?? 0) - 1
      if (pending[older] === 0) order.push(older)
    }
  }
  if (order.length !== patches.length) {
    const stuck = patches.find((_, i) => (pending[i] ?? 0) > 0)
    throw new FormatError('ERR_SUPERSEDES_CYCLE', 'supersedes chain loops back on itself; expected an acyclic chain', { source, element: `Patch id="${stuck?.id ?? '?'}"` })
  }
  return order
}

function indexById (items: Array<{ id: string }>): Map<string, number> {
  return new Map(items.map((item, i) => [item.id, i]))
}

function lookup (index: Map<string, number>, id: string, kind: string, where: { source?: string, element: string }): number {
  const found = index.get(id)
  if (found == null) throw new FormatError('ERR_UNKNOWN_REFERENCE', `refers to unknown ${kind} "${id}"`, where)
  return found
}

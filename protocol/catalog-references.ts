import { duplicateError, schemaError, XmlElement } from './xml.ts'
import type { XmlDocument } from './xml-document.ts'
import type { Bulletin, Patch, Product } from './catalog-types.ts'

/** A catalog's contents, each list with the element numbers it was read from. */
export interface CatalogContents {
  products: Product[]
  productElements: number[]
  bulletins: Bulletin[]
  bulletinElements: number[]
  patches: Patch[]
  patchElements: number[]
}

/** How many ids of a supersedes cycle an error message lists before eliding the rest. */
const CYCLE_IDS_SHOWN = 6

/**
 * The checks that need the whole catalog: unique product, bulletin and patch ids, every patch's
 * product and superseded patches defined, detectors that fit the product's family, no supersedes cycle.
 */
export function checkCatalogReferences (document: XmlDocument, contents: CatalogContents): void {
  const { products, patches } = contents
  const at = (elements: number[], i: number): XmlElement => new XmlElement(document, elements[i] ?? 0)
  const productIndex = indexIds(products, i => at(contents.productElements, i), 'product')
  indexIds(contents.bulletins, i => at(contents.bulletinElements, i), 'bulletin')
  const patchIndex = indexIds(patches, i => at(contents.patchElements, i), 'patch')

  // Supersedes edges in compressed form: patch i supersedes targets[offsets[i] .. offsets[i + 1]).
  const offsets = new Int32Array(patches.length + 1)
  const targets: number[] = []
  patches.forEach((patch, i) => {
    const product = products[productIndex.get(patch.productId) ?? -1]
    if (product === undefined) {
      throw schemaError(at(contents.patchElements, i), `attribute "product" is "${patch.productId}"; no <Product> has that id`, 'ERR_UNKNOWN_REFERENCE')
    }
    const detectors = detectorProblem(patch, product)
    if (detectors !== undefined) throw schemaError(at(contents.patchElements, i), detectors)
    for (const id of patch.supersedes) {
      if (id === patch.id) throw schemaError(at(contents.patchElements, i), `patch "${id}" supersedes itself`, 'ERR_SUPERSEDES_CYCLE')
      const target = patchIndex.get(id)
      if (target === undefined) throw schemaError(at(contents.patchElements, i), `attribute "supersedes" names "${id}"; no <Patch> has that id`, 'ERR_UNKNOWN_REFERENCE')
      targets.push(target)
    }
    offsets[i + 1] = targets.length
  })

  const cycle = findCycle(offsets, Int32Array.from(targets))
  if (cycle !== undefined) {
    const ids = cycle.map(i => patches[i]?.id ?? '')
    const shown = ids.length <= CYCLE_IDS_SHOWN + 1 ? ids : [...ids.slice(0, CYCLE_IDS_SHOWN), `… ${ids.length - 1 - CYCLE_IDS_SHOWN} more`, ids[ids.length - 1]]
    throw schemaError(at(contents.patchElements, cycle[cycle.length - 2] ?? 0), `supersedes cycle: ${shown.join(' → ')}`, 'ERR_SUPERSEDES_CYCLE')
  }
}

function indexIds (items: Array<{ id: string }>, elementOf: (i: number) => XmlElement, what: string): Map<string, number> {
  const index = new Map<string, number>()
  items.forEach((item, i) => {
    const first = index.get(item.id)
    if (first !== undefined) throw duplicateError(elementOf(i), what, item.id, elementOf(first))
    index.set(item.id, i)
  })
  return index
}

/** What is wrong with a patch's detectors for its product's family, or undefined. */
function detectorProblem (patch: Patch, product: Product): string | undefined {
  const windows = product.family === 'windows'
  const expected = windows ? '<Hotfix id/>' : '<Package name fixed/>'
  if ((windows ? patch.packages.length : patch.hotfixes.length) > 0) {
    return `product "${product.id}" is of the ${product.family} family, so the patch must detect only through ${expected} children`
  }
  if ((windows ? patch.hotfixes.length : patch.packages.length) === 0) return `no detectors; expected at least one ${expected} child`
  return undefined
}

/**
 * A supersedes cycle as patch indices, first index repeated at the end, or undefined when there is none.
 * Iterative depth-first search: chains may be 100,000 patches long, far beyond the call stack.
 */
export function findCycle (offsets: Int32Array, targets: Int32Array): number[] | undefined {
  const count = offsets.length - 1
  const ON_PATH = 1
  const DONE = 2
  const state = new Uint8Array(count)
  const path = new Int32Array(count)
  const nextEdge = new Int32Array(count)
  for (let start = 0; start < count; start++) {
    if (state[start] !== 0) continue
    let top = 0
    path[0] = start
    state[start] = ON_PATH
    nextEdge[start] = offsets[start] ?? 0
    while (top >= 0) {
      const node = path[top] ?? 0
      const edge = nextEdge[node] ?? 0
      if (edge < (offsets[node + 1] ?? 0)) {
        nextEdge[node] = edge + 1
        const target = targets[edge] ?? 0
        if (state[target] === ON_PATH) {
          const from = path.subarray(0, top + 1).indexOf(target)
          return [...path.subarray(from, top + 1), target]
        }
        if (state[target] === 0) {
          state[target] = ON_PATH
          nextEdge[target] = offsets[target] ?? 0
          path[++top] = target
        }
      } else {
        state[node] = DONE
        top--
      }
    }
  }
  return undefined
}

import { FAMILY_CODES, stringAt } from './scan-index.ts'
import { compareVersions } from './version/index.ts'
import type { InstalledPackage, Inventory } from './inventory-types.ts'
import type { ScanIndex, ScanProduct } from './scan-index.ts'
import type { PatchState, ScanSummary } from './scan-result.ts'

/** The state of every patch of a catalog on one computer, by patch index. */
export interface Evaluation {
  states: PatchState[]
  /** Each superseded patch's index, to the index of its nearest superseding patch that is installed or missing. */
  supersededBy: Map<number, number>
  summary: ScanSummary
}

/** How a product's patches detect on this computer. */
const ABSENT = 0
const BY_PACKAGES = 1
const BY_HOTFIXES = 2

/** `reached` before a group's package has been looked up, and for a package that is not installed. */
const UNPLACED = -2
const NOT_INSTALLED = -1

/** Evaluates every patch of a catalog's scan index against one inventory (DESIGN, "Patch states"). */
export function evaluate (index: ScanIndex, inventory: Inventory): Evaluation {
  const installed = indexPackages(inventory.packages)
  const hotfixes = new Set(inventory.hotfixes)
  const detection = index.products.map(product => detectionOn(product, inventory))
  const reached = new Int32Array(index.groupName.length).fill(UNPLACED)
  const { patchProduct } = index
  const count = patchProduct.length
  const states = new Array<PatchState>(count)
  // Counted as we go: a fresh process runs this once, mostly before the JIT has optimised it, so every pass counts.
  const summary: ScanSummary = { missing: 0, superseded: 0, installed: 0, 'not-applicable': 0 }
  for (let i = 0; i < count; i++) {
    const how = detection[patchProduct[i] as number]
    const state = how === BY_PACKAGES
      ? packageState(index, i, installed, reached)
      : how === BY_HOTFIXES ? hotfixState(index, i, hotfixes) : 'not-applicable'
    states[i] = state
    if (state === 'missing') summary.missing++
    else if (state === 'installed') summary.installed++
    else summary['not-applicable']++
  }
  const supersededBy = applySupersedence(index, states, summary)
  return { states, supersededBy, summary }
}

function detectionOn (product: ScanProduct, inventory: Inventory): number {
  if (!product.detect.some(([os, versionId]) => os === inventory.os && versionId === inventory.versionId)) return ABSENT
  return product.family === 'windows' ? BY_HOTFIXES : BY_PACKAGES
}

function packageState (index: ScanIndex, patch: number, installed: Map<string, InstalledPackage[]>, reached: Int32Array): PatchState {
  let anyInstalled = false
  const end = index.fixStart[patch + 1] as number
  for (let f = index.fixStart[patch] as number; f < end; f++) {
    const group = index.fixGroup[f] as number
    let at = reached[group] as number
    if (at === UNPLACED) {
      at = placeInstalled(index, group, installed)
      reached[group] = at
    }
    if (at === NOT_INSTALLED) continue
    anyInstalled = true
    if ((index.fixRank[f] as number) >= at) return 'missing'
  }
  return anyInstalled ? 'installed' : 'not-applicable'
}

/**
 * How many of a group's fixed versions every installed copy of its package reaches (the lowest
 * copy decides: any copy below a fix makes it missing), or NOT_INSTALLED.
 */
function placeInstalled (index: ScanIndex, group: number, installed: Map<string, InstalledPackage[]>): number {
  const copies = installed.get(stringAt(index, index.groupName[group] as number))
  if (copies == null) return NOT_INSTALLED
  const family = FAMILY_CODES[index.groupFamily[group] as number] === 'rpm' ? 'rpm' : 'deb'
  const first = index.groupStart[group] as number
  let lowest = Infinity
  for (const copy of copies) {
    // Binary search for the first fixed version above the installed one.
    let low = first
    let high = index.groupStart[group + 1] as number
    while (low < high) {
      const middle = (low + high) >>> 1
      if (isBelow(family, copy.version, stringAt(index, index.groupVersion[middle] as number))) high = middle
      else low = middle + 1
    }
    lowest = Math.min(lowest, low - first)
  }
  return lowest
}

function hotfixState (index: ScanIndex, patch: number, hotfixes: Set<string>): PatchState {
  const end = index.hotfixStart[patch + 1] as number
  for (let h = index.hotfixStart[patch] as number; h < end; h++) {
    if (!hotfixes.has(stringAt(index, index.hotfixId[h] as number))) return 'missing'
  }
  return 'installed'
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
 * is installed or missing. In supersedence order (newest first) every superseding patch comes
 * before the patches it supersedes, so one walk settles each patch as it is reached.
 * Moves those patches from missing to superseded in `summary`.
 */
function applySupersedence (index: ScanIndex, states: PatchState[], summary: ScanSummary): Map<number, number> {
  const { order, supersedesStart, supersedes } = index
  // The nearest installed-or-missing patch that supersedes each patch, -1 while there is none.
  const live = new Int32Array(states.length).fill(-1)
  const supersededBy = new Map<number, number>()
  for (let k = 0; k < order.length; k++) {
    const patch = order[k] as number
    const state = states[patch]
    const by = live[patch] as number
    if (state === 'missing' && by >= 0) {
      states[patch] = 'superseded'
      supersededBy.set(patch, by)
    }
    const passDown = state === 'missing' || state === 'installed' ? patch : by
    if (passDown < 0) continue
    const end = supersedesStart[patch + 1] as number
    for (let s = supersedesStart[patch] as number; s < end; s++) {
      const older = supersedes[s] as number
      if (live[older] === -1) live[older] = passDown
    }
  }
  summary.missing -= supersededBy.size
  summary.superseded += supersededBy.size
  return supersededBy
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

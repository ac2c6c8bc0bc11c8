import { compareVersions } from './version/index.ts'
import type { InstalledPackage, Inventory } from './inventory-types.ts'
import type { ScanIndex } from './scan-index.ts'
import type { PatchState, ScanSummary } from './scan-result.ts'

/** The state of every patch of a catalog on one computer, by patch index. */
export interface Evaluation {
  states: PatchState[]
  /** For superseded patches, the index of the nearest superseding patch that is installed or missing; -1 otherwise. */
  supersededBy: number[]
  summary: ScanSummary
}

/** Evaluates every patch of a catalog's scan index against one inventory (DESIGN, "Patch states"). */
export function evaluate (index: ScanIndex, inventory: Inventory): Evaluation {
  const installed = indexPackages(inventory.packages)
  const hotfixes = new Set(inventory.hotfixes)
  const productPresent = index.products.map(product =>
    product.detect.some(([os, versionId]) => os === inventory.os && versionId === inventory.versionId))
  const count = index.patchProduct.length
  const states = new Array<PatchState>(count)
  for (let i = 0; i < count; i++) {
    const product = index.patchProduct[i] as number
    if (productPresent[product] !== true) {
      states[i] = 'not-applicable'
      continue
    }
    const family = index.products[product]?.family
    states[i] = family === 'windows'
      ? hotfixState(index, i, hotfixes)
      : packageState(index, i, family ?? 'deb', installed)
  }
  const supersededBy = applySupersedence(index, states)
  const summary: ScanSummary = { missing: 0, superseded: 0, installed: 0, 'not-applicable': 0 }
  for (const state of states) summary[state]++
  return { states, supersededBy, summary }
}

function packageState (index: ScanIndex, patch: number, family: 'deb' | 'rpm', installed: Map<string, InstalledPackage[]>): PatchState {
  let anyInstalled = false
  const end = index.fixStart[patch + 1] as number
  for (let f = index.fixStart[patch] as number; f < end; f++) {
    const copies = installed.get(index.fixName[f] as string)
    if (copies == null) continue
    anyInstalled = true
    for (const copy of copies) {
      if (isBelow(family, copy.version, index.fixVersion[f] as string)) return 'missing'
    }
  }
  return anyInstalled ? 'installed' : 'not-applicable'
}

function hotfixState (index: ScanIndex, patch: number, hotfixes: Set<string>): PatchState {
  const end = index.hotfixStart[patch + 1] as number
  for (let h = index.hotfixStart[patch] as number; h < end; h++) {
    if (!hotfixes.has(index.hotfixId[h] as string)) return 'missing'
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
 * is installed or missing. Walking in supersedence order (newest first) settles each patch once.
 */
function applySupersedence (index: ScanIndex, states: PatchState[]): number[] {
  const live = new Array<number>(states.length).fill(-1)
  for (const patch of index.order) {
    const state = states[patch]
    const passDown = state === 'missing' || state === 'installed' ? patch : live[patch] as number
    if (passDown < 0) continue
    const end = index.supersedesStart[patch + 1] as number
    for (let s = index.supersedesStart[patch] as number; s < end; s++) {
      const older = index.supersedes[s] as number
      if (live[older] === -1) live[older] = passDown
    }
  }
  const supersededBy = new Array<number>(states.length).fill(-1)
  for (let i = 0; i < states.length; i++) {
    if (states[i] === 'missing' && (live[i] as number) >= 0) {
      states[i] = 'superseded'
      supersededBy[i] = live[i] as number
    }
  }
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

import { compareVersions } from './version/index.ts'
import type { CompiledCatalog, CompiledPatch } from './compiled-catalog.ts'
import type { Family } from './catalog-types.ts'
import type { VersionFamily } from './version/index.ts'

/**
 * Just what applicability needs from a catalog, in flat typed columns: it stores as a few typed
 * arrays that load without parsing, and a scan allocates nothing per patch.
 *
 * Package fixes are grouped per family and package name. A group lists the distinct fixed versions
 * the catalog names for that package in ascending order, and each fix holds its version's rank in
 * its group, so a scan places each installed package among its group's versions with a binary
 * search and then compares ranks: a few version comparisons per installed package instead of one
 * per fix. Versions that order equal share a rank.
 *
 * Per-patch lists use offsets: patch i's fixes are fixGroup/fixRank [fixStart[i], fixStart[i + 1]).
 * Names, versions and hotfix ids are string ids (see `stringAt`).
 */
/** A column of unsigned integers; the file stores each in the narrowest width its values need. */
export type UintColumn = Uint8Array | Uint16Array | Uint32Array

export interface ScanIndex {
  catalogId: string
  catalogVersion: number
  products: ScanProduct[]
  /** Every string the columns refer to, back to back; stringEnd[i] is where string i ends. */
  stringText: string
  stringEnd: UintColumn
  patchProduct: UintColumn
  /** FAMILY_CODES of the group's family: deb or rpm. */
  groupFamily: UintColumn
  groupName: UintColumn
  /** Group g's versions are groupVersion [groupStart[g], groupStart[g + 1]), ascending. */
  groupStart: UintColumn
  groupVersion: UintColumn
  fixStart: UintColumn
  fixGroup: UintColumn
  /** The fixed version's position in its group's groupVersion range. */
  fixRank: UintColumn
  /** Hotfixes of windows-family patches; packages of deb and rpm ones: what detection reads. */
  hotfixStart: UintColumn
  hotfixId: UintColumn
  supersedesStart: UintColumn
  supersedes: UintColumn
  /** Patch indices, every patch before the patches it supersedes. */
  order: UintColumn
}

export interface ScanProduct {
  family: Family
  detect: Array<[os: string, versionId: string]>
}

/** Families as numbers in the index and its file: append only, never reorder. */
export const FAMILY_CODES: readonly Family[] = ['deb', 'rpm', 'windows']

/** String `id` of a scan index. */
export function stringAt (index: ScanIndex, id: number): string {
  return index.stringText.slice(id === 0 ? 0 : index.stringEnd[id - 1], index.stringEnd[id])
}

/** Flattens a compiled catalog into its scan index, ordering each package's fixed versions once. */
export function buildScanIndex (catalog: CompiledCatalog): ScanIndex {
  const { patches } = catalog
  const families = catalog.products.map(p => p.family)
  let fixes = 0
  let hotfixes = 0
  let supersedes = 0
  for (const patch of patches) {
    if (families[patch.product] === 'windows') hotfixes += patch.hotfixes.length
    else fixes += patch.packages.length
    supersedes += patch.supersedes.length
  }
  const strings = new StringTable()
  // Group ids by family and the string id of the package name.
  const groupOf = { deb: new Map<number, number>(), rpm: new Map<number, number>() }
  const groupFamily: number[] = []
  const groupName: number[] = []
  const fixVersion = new Uint32Array(fixes)
  const index = {
    catalogId: catalog.id,
    catalogVersion: catalog.version,
    products: catalog.products.map(p => ({ family: p.family, detect: p.detect })),
    patchProduct: new Uint32Array(patches.length),
    fixStart: new Uint32Array(patches.length + 1),
    fixGroup: new Uint32Array(fixes),
    fixRank: new Uint32Array(fixes),
    hotfixStart: new Uint32Array(patches.length + 1),
    hotfixId: new Uint32Array(hotfixes),
    supersedesStart: new Uint32Array(patches.length + 1),
    supersedes: new Uint32Array(supersedes),
    order: Uint32Array.from(catalog.order)
  }
  let f = 0
  let h = 0
  let s = 0
  for (let i = 0; i < patches.length; i++) {
    const patch = patches[i] as CompiledPatch
    const family = families[patch.product] ?? 'deb'
    index.patchProduct[i] = patch.product
    if (family === 'windows') {
      for (const hotfix of patch.hotfixes) index.hotfixId[h++] = strings.id(hotfix)
    } else {
      for (const [name, fixed] of patch.packages) {
        const nameId = strings.id(name)
        let group = groupOf[family].get(nameId)
        if (group == null) {
          group = groupName.push(nameId) - 1
          groupFamily.push(FAMILY_CODES.indexOf(family))
          groupOf[family].set(nameId, group)
        }
        index.fixGroup[f] = group
        fixVersion[f++] = strings.id(fixed)
      }
    }
    for (const older of patch.supersedes) index.supersedes[s++] = older
    index.fixStart[i + 1] = f
    index.hotfixStart[i + 1] = h
    index.supersedesStart[i + 1] = s
  }
  const table = strings.finish()
  const { groupStart, groupVersion } = rankFixes(index.fixGroup, fixVersion, index.fixRank, groupFamily, table.strings)
  return {
    ...index,
    stringText: table.text,
    stringEnd: table.ends,
    groupFamily: Uint32Array.from(groupFamily),
    groupName: Uint32Array.from(groupName),
    groupStart,
    groupVersion
  }
}

/**
 * Sorts each group's distinct fixed versions, lists one version per rank (versions that order
 * equal share one), and fills in each fix's rank. Typed arrays keyed by string id, not maps:
 * this runs over every fix of the catalog.
 */
function rankFixes (fixGroup: Uint32Array, fixVersion: Uint32Array, fixRank: Uint32Array, groupFamily: number[], strings: string[]): { groupStart: Uint32Array, groupVersion: Uint32Array } {
  const groups = groupFamily.length
  // Fixes bucketed by group (a counting sort): group g's are byGroup [bucket[g], bucket[g + 1]).
  const bucket = new Uint32Array(groups + 1)
  for (const group of fixGroup) bucket[group + 1] = (bucket[group + 1] as number) + 1
  for (let g = 0; g < groups; g++) bucket[g + 1] = (bucket[g + 1] as number) + (bucket[g] as number)
  const byGroup = new Uint32Array(fixGroup.length)
  const filled = bucket.slice(0, groups)
  fixGroup.forEach((group, fix) => {
    const at = filled[group] as number
    byGroup[at] = fix
    filled[group] = at + 1
  })

  const rankOf = new Int32Array(strings.length)
  const seenIn = new Int32Array(strings.length).fill(-1)
  const groupStart = new Uint32Array(groups + 1)
  const groupVersion: number[] = []
  for (let g = 0; g < groups; g++) {
    const family: VersionFamily = FAMILY_CODES[groupFamily[g] as number] === 'rpm' ? 'rpm' : 'deb'
    const distinct: number[] = []
    for (let b = bucket[g] as number; b < (bucket[g + 1] as number); b++) {
      const version = fixVersion[byGroup[b] as number] as number
      if (seenIn[version] !== g) {
        seenIn[version] = g
        distinct.push(version)
      }
    }
    const compare = (a: number, b: number): number => compareVersions(family, strings[a] as string, strings[b] as string)
    distinct.sort(compare)
    let rank = -1
    distinct.forEach((version, i) => {
      if (i === 0 || compare(distinct[i - 1] as number, version) !== 0) {
        groupVersion.push(version)
        rank++
      }
      rankOf[version] = rank
    })
    groupStart[g + 1] = groupVersion.length
    for (let b = bucket[g] as number; b < (bucket[g + 1] as number); b++) {
      const fix = byGroup[b] as number
      fixRank[fix] = rankOf[fixVersion[fix] as number] as number
    }
  }
  return { groupStart, groupVersion: Uint32Array.from(groupVersion) }
}

/** Interns strings and lays them out back to back. */
class StringTable {
  readonly #ids = new Map<string, number>()
  readonly #strings: string[] = []

  id (value: string): number {
    let id = this.#ids.get(value)
    if (id == null) {
      id = this.#strings.push(value) - 1
      this.#ids.set(value, id)
    }
    return id
  }

  finish (): { strings: string[], text: string, ends: Uint32Array } {
    const ends = new Uint32Array(this.#strings.length)
    let end = 0
    this.#strings.forEach((s, i) => { ends[i] = end += s.length })
    return { strings: this.#strings, text: this.#strings.join(''), ends }
  }
}

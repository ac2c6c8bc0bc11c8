import { FAMILY_CODES } from './scan-index.ts'
import type { FormatError, FormatErrorCode } from './errors.ts'
import type { ScanIndex, UintColumn } from './scan-index.ts'

/** Builds the FormatError a check throws, located by the caller. */
export type Fail = (code: FormatErrorCode, detail: string) => FormatError

/**
 * Checks that every offset and reference of a decoded scan index is in range and that `order`
 * puts every patch before the patches it supersedes: what `evaluate` relies on to be right.
 * (That each group's versions ascend is the checksum's to guard: checking it means ordering them.)
 * The per-patch checks share one loop: a fresh process runs this once, before the JIT has
 * warmed up, and every extra pass over the columns shows in its scan time.
 */
export function checkScanIndex (index: ScanIndex, fail: Fail): void {
  const { patchProduct, fixStart, fixGroup, fixRank, groupStart, hotfixStart, supersedesStart, supersedes } = index
  const patches = patchProduct.length
  const groups = index.groupName.length
  const strings = index.stringEnd.length
  const products = index.products.length

  const position = new Int32Array(patches).fill(-1)
  for (let at = 0; at < patches; at++) {
    const patch = index.order[at] as number
    if (patch >= patches || (position[patch] as number) >= 0) throw fail('ERR_SCHEMA', `column "order" lists patch ${patch} ${patch >= patches ? `of ${patches}` : 'twice'}`)
    position[patch] = at
  }
  for (let g = 0; g < groups; g++) {
    const family = FAMILY_CODES[index.groupFamily[g] as number]
    if (family !== 'deb' && family !== 'rpm') throw fail('ERR_SCHEMA', `group ${g} has family code ${index.groupFamily[g]}; expected deb or rpm`)
  }
  checkBelow(index.groupName, strings, 'groupName', fail)
  checkOffsets(groupStart, index.groupVersion.length, 'groupStart', fail)
  checkBelow(index.groupVersion, strings, 'groupVersion', fail)
  checkBelow(index.hotfixId, strings, 'hotfixId', fail)
  checkEnds(fixStart, fixGroup.length, 'fixStart', fail)
  checkEnds(hotfixStart, index.hotfixId.length, 'hotfixStart', fail)
  checkEnds(supersedesStart, supersedes.length, 'supersedesStart', fail)

  for (let patch = 0; patch < patches; patch++) {
    if ((patchProduct[patch] as number) >= products) throw fail('ERR_SCHEMA', `patch ${patch} refers to product ${patchProduct[patch]} of ${products}`)
    const fixEnd = fixStart[patch + 1] as number
    if (fixEnd < (fixStart[patch] as number)) throw fail('ERR_SCHEMA', `column "fixStart" decreases at ${patch + 1}`)
    for (let f = fixStart[patch] as number; f < fixEnd; f++) {
      const group = fixGroup[f] as number
      if (group >= groups) throw fail('ERR_SCHEMA', `fix ${f} refers to group ${group} of ${groups}`)
      const size = (groupStart[group + 1] as number) - (groupStart[group] as number)
      if ((fixRank[f] as number) >= size) throw fail('ERR_SCHEMA', `fix ${f} has rank ${fixRank[f]} in group ${group} of ${size} versions`)
    }
    if ((hotfixStart[patch + 1] as number) < (hotfixStart[patch] as number)) throw fail('ERR_SCHEMA', `column "hotfixStart" decreases at ${patch + 1}`)
    const supersedesEnd = supersedesStart[patch + 1] as number
    if (supersedesEnd < (supersedesStart[patch] as number)) throw fail('ERR_SCHEMA', `column "supersedesStart" decreases at ${patch + 1}`)
    for (let s = supersedesStart[patch] as number; s < supersedesEnd; s++) {
      const older = supersedes[s] as number
      if (older >= patches) throw fail('ERR_SCHEMA', `patch ${patch} supersedes patch ${older} of ${patches}`)
      if ((position[older] as number) <= (position[patch] as number)) throw fail('ERR_SCHEMA', `column "order" puts patch ${older} before patch ${patch}, which supersedes it`)
    }
  }
}

/** An offsets column: starts at 0, never decreases, ends at the length of what it indexes. */
export function checkOffsets (starts: UintColumn, total: number, name: string, fail: Fail): void {
  checkEnds(starts, total, name, fail)
  for (let i = 1; i < starts.length; i++) {
    if ((starts[i] as number) < (starts[i - 1] as number)) throw fail('ERR_SCHEMA', `column "${name}" decreases at ${i}`)
  }
}

/** An offsets column's first and last values, for columns whose steps are checked elsewhere. */
function checkEnds (starts: UintColumn, total: number, name: string, fail: Fail): void {
  if (starts[0] !== 0 || starts[starts.length - 1] !== total) throw fail('ERR_SCHEMA', `column "${name}" must run from 0 to ${total}`)
}

function checkBelow (column: UintColumn, limit: number, name: string, fail: Fail): void {
  for (let i = 0; i < column.length; i++) {
    if ((column[i] as number) >= limit) throw fail('ERR_SCHEMA', `column "${name}" holds ${column[i]} at ${i}; expected below ${limit}`)
  }
}

import { createHash } from 'node:crypto'

/** A member's weight for a key: the same on every node, unrelated between keys. */
function weightOf (key: string, member: string): string {
  return createHash('sha256').update(key).update('\0').update(member).digest('hex')
}

/**
 * Rendezvous (highest-random-weight) hashing: every member of a site computes the same owner for a
 * chunk from the same member list, with no coordination, and when a member leaves only its chunks
 * move to others.
 */
export function rendezvousOwner (key: string, members: readonly string[]): string | undefined {
  let best: string | undefined
  let bestWeight = ''
  for (const member of members) {
    const weight = weightOf(key, member)
    if (best == null || weight > bestWeight) {
      best = member
      bestWeight = weight
    }
  }
  return best
}

/**
 * Every member, highest weight for `key` first (rendezvousOwner is the first): the same order on
 * every node, and a member leaving only closes its gap, so the first N change by one at most.
 */
export function rendezvousRanking (key: string, members: Iterable<string>): string[] {
  return [...new Set(members)]
    .map(member => ({ member, weight: weightOf(key, member) }))
    .sort((a, b) => a.weight < b.weight ? 1 : a.weight > b.weight ? -1 : 0)
    .map(({ member }) => member)
}

/**
 * This node's share of a blob's chunks under rendezvous hashing, remembered while the members stay
 * the same: the scheduler asks many times a second, the members change rarely.
 */
export class RendezvousShares {
  #key = ''
  #share = new Uint8Array(0)

  /** 1 for each chunk whose owner among `self` and `others` is `self`. */
  of (self: string, others: readonly string[], blobKey: string, chunkCount: number): Uint8Array {
    const members = [self, ...[...others].sort()]
    const key = `${blobKey}\n${chunkCount}\n${members.join('\n')}`
    if (key !== this.#key) {
      this.#key = key
      this.#share = new Uint8Array(chunkCount)
      for (let chunk = 0; chunk < chunkCount; chunk++) if (rendezvousOwner(`${blobKey}/${chunk}`, members) === self) this.#share[chunk] = 1
    }
    return this.#share
  }
}

import { createHash } from 'node:crypto'

/**
 * Rendezvous (highest-random-weight) hashing: every member of a site computes the same owner for a
 * chunk from the same member list, with no coordination, and when a member leaves only its chunks
 * move to others.
 */
export function rendezvousOwner (key: string, members: readonly string[]): string | undefined {
  let best: string | undefined
  let bestWeight = ''
  for (const member of members) {
    const weight = createHash('sha256').update(key).update('\0').update(member).digest('hex')
    if (best == null || weight > bestWeight) {
      best = member
      bestWeight = weight
    }
  }
  return best
}

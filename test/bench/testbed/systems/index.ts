// The systems a scenario compares, in the order they are printed.
import { bittorrent } from './bittorrent.ts'
import { centralHttp } from './central-http.ts'
import { patchmesh } from './patchmesh.ts'
import type { DistributionSystem } from './types.ts'

export interface SystemEntry {
  name: string
  /** Present when the system can run. */
  create?: () => DistributionSystem
  /** Why it cannot, printed in its row. */
  unavailable?: string
}

export const SYSTEMS: SystemEntry[] = [
  { name: 'patchmesh', create: patchmesh },
  { name: 'central-http', create: centralHttp },
  { name: 'bittorrent', create: bittorrent }
]

/** The entries named in a comma-separated list (all when undefined); throws on an unknown name. */
export function selectSystems (list: string | undefined): SystemEntry[] {
  if (list === undefined) return SYSTEMS
  const names = list.split(',').map(s => s.trim()).filter(Boolean)
  for (const name of names) {
    if (!SYSTEMS.some(s => s.name === name)) throw new RangeError(`--systems: unknown system "${name}"; expected some of ${SYSTEMS.map(s => s.name).join(', ')}`)
  }
  return SYSTEMS.filter(s => names.includes(s.name))
}

import { setTimeout as sleep } from 'node:timers/promises'

/** @default 200 ms of spread per computer in the fleet view (10 s at 50 computers). */
export const STATUS_SPREAD_PER_NODE_MS = 200
/** @default 60 s at most, however large the fleet: reports catch up with a new catalog within a minute. */
export const MAX_STATUS_SPREAD_MS = 60_000

/**
 * How long a node waits, at random, before gossiping a status that every node of the fleet has just
 * produced at once: a new catalog makes the whole fleet rescan within seconds. Spread over a window
 * that grows with the fleet, the mesh relays a steady trickle of records instead of the whole
 * fleet's at the same moment, while the catalog itself is still spreading.
 */
export function statusSpreadMs (fleetSize: number, random = Math.random()): number {
  return Math.floor(random * Math.min(MAX_STATUS_SPREAD_MS, fleetSize * STATUS_SPREAD_PER_NODE_MS))
}

/** Waits statusSpreadMs(fleetSize); false when the signal aborted the wait (the node is stopping). */
export async function spreadStatus (fleetSize: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(statusSpreadMs(fleetSize), undefined, { signal })
    return true
  } catch {
    return false
  }
}

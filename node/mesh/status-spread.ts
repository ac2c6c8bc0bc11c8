import { setTimeout as sleep } from 'node:timers/promises'

/**
 * @default 5 s that every node holds back the rescan a new catalog sets off, and so its status: the
 * catalog itself reaches the fleet within a few seconds, and until it has, each node's share of the
 * mesh's work should go to passing it on. In the 50-node benchmark the records of the first nodes to
 * rescan otherwise crossed the mesh while the last nodes still fetched the catalog, and slowed them
 * down; so did the 50 rescans themselves (8 to 15 ms each), run at once on a machine that hosts them all.
 */
export const STATUS_HOLD_MS = 5_000
/** @default 200 ms of spread per computer in the fleet view (10 s at 50 computers), after the hold. */
export const STATUS_SPREAD_PER_NODE_MS = 200
/** @default 60 s at most, however large the fleet: reports catch up with a new catalog within about a minute. */
export const MAX_STATUS_SPREAD_MS = 60_000

/**
 * How long a node waits before the rescan, and the status gossip, that a new catalog sets off on every
 * node of the fleet within seconds. After the hold, spread at random over a window that grows with the
 * fleet, the mesh relays a steady trickle of records instead of the whole fleet's at the same moment.
 */
export function statusSpreadMs (fleetSize: number, random = Math.random()): number {
  return STATUS_HOLD_MS + Math.floor(random * Math.min(MAX_STATUS_SPREAD_MS, fleetSize * STATUS_SPREAD_PER_NODE_MS))
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

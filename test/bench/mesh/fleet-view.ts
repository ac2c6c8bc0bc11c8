// Watching every node's fleet view (/api/v1/computers) until it shows what a phase waits for.
import { getJson, laggards, watchNodes } from './wait.ts'
import type { BenchNode } from './nodes.ts'
import type { Observation, WatchOptions } from './wait.ts'

/** The part of a /api/v1/computers entry the benchmark looks at. */
export interface FleetComputer {
  id: string
  site: string
  /** The record's publishedAt: changes with every status the computer publishes. */
  lastSeen: string
  /** The catalog the computer last scanned with; null before its first scan. */
  catalog: { id: string, version: number } | null
  summary: { missing: number, superseded: number, installed: number, 'not-applicable': number }
}

/** When one node's fleet view first showed what was waited for; `last` is the view at the last poll. */
export type FleetObservation = Observation<FleetComputer[]>

/** Fetches one node's fleet view. */
export async function fleetView (node: BenchNode, signal: AbortSignal): Promise<FleetComputer[]> {
  return (await getJson<{ computers: FleetComputer[] }>(`${node.url}/api/v1/computers`, signal)).computers
}

/** Polls every node's fleet view until `holds` is true for it (see watchNodes for the times' resolution). */
export async function watchFleetViews (nodes: BenchNode[], holds: (computers: FleetComputer[]) => boolean, options: WatchOptions): Promise<FleetObservation[]> {
  return await watchNodes(nodes, fleetView, holds, options)
}

/** Nodes whose fleet view never got there, with how many of the `expected` computers each held. */
export function fleetLaggards (observations: FleetObservation[], expected: number): string {
  return laggards(observations, last => `${last?.length ?? 0}/${expected}`)
}

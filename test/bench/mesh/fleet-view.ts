// Watching every node's fleet view (/api/v1/computers) until it shows what a phase waits for.
import { setTimeout as delay } from 'node:timers/promises'
import { getJson, pollFor } from './wait.ts'
import type { BenchNode } from './nodes.ts'

/** The part of a /api/v1/computers entry the benchmark looks at. */
export interface FleetComputer {
  id: string
  site: string
  /** The record's publishedAt: changes with every status the computer publishes. */
  lastSeen: string
  summary: { missing: number, superseded: number, installed: number, 'not-applicable': number }
}

/** When one node first showed what was waited for, or what it showed last when it never did. */
export interface NodeObservation {
  index: number
  /** ms from the phase's t0 to the poll that first saw it; undefined when the deadline passed first. */
  ms?: number
  /** Computers in its fleet view at the last poll. */
  lastCount: number
  lastError?: string
}

export interface WatchOptions {
  /** performance.now() the times are measured from. */
  t0: number
  intervalMs: number
  deadline: number
  signal: AbortSignal
}

/** Fetches one node's fleet view. */
export async function fleetView (node: BenchNode, signal: AbortSignal): Promise<FleetComputer[]> {
  return (await getJson<{ computers: FleetComputer[] }>(`${node.url}/api/v1/computers`, signal)).computers
}

/**
 * Polls every node's fleet view, each on its own loop so one slow node does not delay the others'
 * readings, until `holds` is true for it; the time recorded is when the answering poll was sent, so
 * each time is late by up to one interval.
 */
export async function watchFleetViews (nodes: BenchNode[], holds: (computers: FleetComputer[]) => boolean, options: WatchOptions): Promise<NodeObservation[]> {
  return await Promise.all(nodes.map(async (node, i) => {
    const seen: NodeObservation = { index: node.index, lastCount: 0 }
    // Staggered, so the loops do not all poll in step with t0 and round every time up to the same grid point.
    await delay(options.intervalMs * i / nodes.length, undefined, { signal: options.signal })
    const at = await pollFor(async () => {
      const asked = performance.now()
      try {
        const computers = await fleetView(node, options.signal)
        seen.lastCount = computers.length
        seen.lastError = undefined
        return holds(computers) ? asked : undefined
      } catch (err) {
        seen.lastError = (err as Error).message
        throw err
      }
    }, options)
    if (at !== undefined) seen.ms = at - options.t0
    return seen
  }))
}

/** A one-line account of nodes that never got there, for the table and the console. */
export function laggards (observations: NodeObservation[], expected: number): string {
  const late = observations.filter(o => o.ms === undefined)
  if (late.length === 0) return ''
  return late.slice(0, 10).map(o => `node ${o.index} held ${o.lastCount}/${expected}${o.lastError === undefined ? '' : ` (${o.lastError})`}`).join('; ') +
    (late.length > 10 ? `; and ${late.length - 10} more` : '')
}

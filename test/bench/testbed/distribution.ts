// One distribution run: build the testbed, let a system serve the file from the seed, start every
// other node at once, wait until each holds the file (or the deadline), and measure: completion per
// node, bytes on every WAN and node link, CPU and memory per node, and every copy against the source.
// The testbed and every process go, whatever happens.
import { mkdir } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { countersSince, readCounters } from './counters.ts'
import { sha256File } from './file.ts'
import { ResourceSampler } from './resources.ts'
import { withTestbed } from './topology.ts'
import type { Flow } from './counters.ts'
import type { SourceFile } from './file.ts'
import type { NamespaceProcesses, StopResult } from './processes.ts'
import type { DistributionSystem, FetchState } from './systems/types.ts'
import type { Testbed, TestbedNode, TopologySpec } from './topology.ts'

/** @default 100 ms between looks at the nodes; completion times come from the systems themselves, not from this. */
export const DEFAULT_POLL_MS = 100

/** What a scenario sees while the run is under way, and what it may do to it (S3's churn). */
export interface LiveRun {
  bed: Testbed
  /** Date.now() when the fetches started. */
  t0: number
  /** Per node other than the seed. */
  states: ReadonlyMap<string, FetchState>
  killed: ReadonlySet<string>
  /** Kills a node's processes outright; it no longer counts as a node that should complete. */
  kill: (node: TestbedNode) => Promise<void>
  /** Notes an event on the run's timeline. */
  mark: (what: string) => void
  /** Ends the run now: the nodes still running count as not complete. */
  giveUp: (reason: string) => void
}

export interface RunOptions {
  spec: TopologySpec
  file: SourceFile
  /** The system's folder for this run. */
  dir: string
  /** From the start of the fetches. */
  deadlineMs: number
  signal: AbortSignal
  onTick?: (live: LiveRun) => Promise<void>
  pollMs?: number
}

export interface NodeResult {
  name: string
  site: string
  /** ms from t0 until it held the whole file. */
  completedMs?: number
  failed?: string
  killed: boolean
  /** Its copy equals the source byte for byte (checked for complete nodes only). */
  identical?: boolean
  /** What crossed its own link. */
  in: Flow
  out: Flow
  cpuMs?: number
  peakRssBytes?: number
}

export interface DistributionResult {
  system: string
  spec: TopologySpec
  fileBytes: number
  deadlineMs: number
  /** ms from t0 until the last surviving node held the file; undefined when one never did. */
  lastMs?: number
  /** ms from t0 until the run stopped waiting: all done, the deadline, or a scenario gave up. */
  endedMs: number
  /** Surviving nodes other than the seed, and how many of them completed. */
  expected: number
  complete: number
  identical: number
  nodes: NodeResult[]
  /** Per site, what crossed its WAN link during the run (HQ included). */
  wan: Array<{ site: string, in: Flow, out: Flow }>
  /** The seed's own link and resources. */
  seed: { in: Flow, out: Flow, cpuMs?: number, peakRssBytes?: number }
  events: Array<{ ms: number, what: string }>
  stopped: StopResult
}

/** Runs one system over a fresh testbed built from spec. */
export async function runDistribution (system: DistributionSystem, options: RunOptions): Promise<DistributionResult> {
  return await withTestbed(options.spec, options.signal, async (bed, processes) => await distribute(system, options, bed, processes))
}

async function distribute (system: DistributionSystem, options: RunOptions, bed: Testbed, processes: NamespaceProcesses): Promise<DistributionResult> {
  const { spec, file, dir, deadlineMs, signal } = options
  const nodeByNs = new Map(bed.nodes.map(n => [n.ns, n.name]))
  const sampler = new ResourceSampler(() => processes.all(), ns => nodeByNs.get(ns))
  try {
    await mkdir(dir, { recursive: true })
    const ctx = { bed, processes, dir, file, signal }
    await system.prepare(ctx)
    sampler.start()
    const before = await readCounters(bed, signal)
    const t0 = Date.now()
    const fetches = []
    for (const node of bed.nodes) if (node !== bed.seed) fetches.push(await system.startNode(node, ctx))

    const states = new Map<string, FetchState>(fetches.map(f => [f.node.name, { state: 'running' }]))
    const killed = new Set<string>()
    const events: DistributionResult['events'] = []
    let gaveUp = false
    const live: LiveRun = {
      bed,
      t0,
      states,
      killed,
      kill: async node => { killed.add(node.name); await processes.killNamespace(node.ns) },
      mark: what => { events.push({ ms: Date.now() - t0, what }) },
      giveUp: reason => { events.push({ ms: Date.now() - t0, what: `gave up: ${reason}` }); gaveUp = true }
    }
    while (true) {
      for (const f of fetches) {
        if (!killed.has(f.node.name) && states.get(f.node.name)?.state === 'running') states.set(f.node.name, await f.state())
      }
      if (options.onTick !== undefined) await options.onTick(live)
      const running = fetches.filter(f => !killed.has(f.node.name) && states.get(f.node.name)?.state === 'running')
      if (running.length === 0 || gaveUp || Date.now() - t0 >= deadlineMs) break
      await delay(options.pollMs ?? DEFAULT_POLL_MS, undefined, { signal })
    }
    const endedMs = Date.now() - t0
    const moved = countersSince(await readCounters(bed, signal), before)
    const resources = await sampler.stop()
    const stopped = await processes.stopAll()

    const nodes: NodeResult[] = []
    for (const f of fetches) {
      const s = states.get(f.node.name) as FetchState
      const isKilled = killed.has(f.node.name)
      const traffic = moved.nodes.get(f.node.name) as { in: Flow, out: Flow }
      nodes.push({
        name: f.node.name,
        site: f.node.site.name,
        completedMs: s.state === 'complete' ? s.at - t0 : undefined,
        failed: s.state === 'failed' && !isKilled ? s.reason : undefined,
        killed: isKilled,
        identical: s.state === 'complete' && !isKilled ? await sha256File(f.outputPath) === file.sha256 : undefined,
        in: traffic.in,
        out: traffic.out,
        ...resources.get(f.node.name)
      })
    }
    const survivors = nodes.filter(n => !n.killed)
    const done = survivors.filter(n => n.completedMs !== undefined)
    return {
      system: system.name,
      spec,
      fileBytes: file.size,
      deadlineMs,
      endedMs,
      lastMs: done.length === survivors.length && done.length > 0 ? Math.max(...done.map(n => n.completedMs as number)) : undefined,
      expected: survivors.length,
      complete: done.length,
      identical: survivors.filter(n => n.identical === true).length,
      nodes,
      wan: [...moved.wan].map(([site, t]) => ({ site, ...t })),
      seed: { ...moved.nodes.get(bed.seed.name) as { in: Flow, out: Flow }, ...resources.get(bed.seed.name) },
      events,
      stopped
    }
  } finally {
    await sampler.stop().catch(() => {})
  }
}

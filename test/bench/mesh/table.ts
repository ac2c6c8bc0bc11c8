// The mesh benchmark's measurements, turned into report rows.
import { mean, percentile } from './wait.ts'
import type { BenchRow } from '../report.ts'
import type { CatalogRound } from './catalog-spread.ts'
import type { StopResult } from './nodes.ts'

/** The issue's goal: a new catalog on all nodes within 3 s p99. */
export const CATALOG_GOAL_P99_MS = 3_000
/** Convergence and status spread have no goal of their own; they are held against the catalog's, for reference. */
export const REFERENCE_P99_MS = CATALOG_GOAL_P99_MS
export const IDLE_TRAFFIC_GOAL_BYTES_PER_S = 2_000
export const MEMORY_GOAL_BYTES = 150_000_000

export interface MeshMeasurements {
  nodes: number
  /** Every node's fleet view is read this often: the resolution of the convergence and spread times. */
  pollMs: number
  startConcurrency: number
  startAllMs: number
  startMs: number[]
  /** ms after the last start at which each node first held every computer; undefined: never within the deadline. */
  convergedMs: Array<number | undefined>
  deadlineMs: number
  changes: Array<{ target: number, publishedMs?: number, shownMs: Array<number | undefined> }>
  /** Each node's held catalog is read this often: the resolution of CatalogRound.seenMs (importedMs is exact). */
  catalogPollMs: number
  catalogs: CatalogRound[]
  idleSeconds: number
  /** The first this many nodes are the bootstrap nodes every other node dials at start. */
  bootstrapNodes: number
  /** Per node, over the idle window. */
  idle: Array<{ payloadBytesPerS: number, wireBytesPerS: number, cpuPercent: number, connections: number }>
  rssAfterConvergence: number[]
  rssAfterIdle: number[]
  stopped: StopResult
}

const s = (ms: number): string => Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(2)} s`
const pair = (values: number[], f: (v: number) => string, a: (v: number[]) => number, b: (v: number[]) => number): string => `${f(a(values))} / ${f(b(values))}`
const p50 = (v: number[]): number => percentile(v, 50)
const p99 = (v: number[]): number => percentile(v, 99)
const max = (v: number[]): number => v.length === 0 ? NaN : Math.max(...v)
const kbps = (v: number): string => `${(v / 1000).toFixed(2)} KB/s`
const mb = (v: number): string => `${(v / 1e6).toFixed(0)} MB`
const defined = (values: Array<number | undefined>): number[] => values.filter((v): v is number => v !== undefined)
const spread = (values: number[]): string => `${s(p50(values))} / ${s(p99(values))} / ${s(max(values))}`

/** Catalog rows: per round and over all rounds, from publish returned (the goal's figure) and from publish invoked. */
function catalogRows (m: MeshMeasurements): BenchRow[] {
  if (m.catalogs.length === 0) return []
  const goal = `< ${s(CATALOG_GOAL_P99_MS)} p99`
  const got = (r: CatalogRound): number[] => defined(r.importedMs)
  // From publish returned, a node may be negative: it imported while the publishing command was still waiting for its answer.
  const afterReturn = (r: CatalogRound): number[] => got(r).map(v => v - r.publishMs)
  const all = (r: CatalogRound): boolean => got(r).length === m.nodes
  const figure = (values: number[], complete: boolean, count: number, of: number): Pick<BenchRow, 'value' | 'met'> => ({
    value: `${count === 0 ? 'none' : spread(values)} (${count}/${of} nodes${complete ? '' : ` within ${s(m.deadlineMs)}`})`,
    met: complete && p99(values) < CATALOG_GOAL_P99_MS
  })
  const rows: BenchRow[] = m.catalogs.flatMap(r => [
    { metric: `new catalog v${r.version} via node ${r.publisher}: publish returned → verified + imported per node (p50 / p99 / max)`, goal, ...figure(afterReturn(r), all(r), got(r).length, m.nodes) },
    { metric: `new catalog v${r.version}: publish invoked → imported (p50 / p99 / max); the publish took ${s(r.publishMs)}`, value: figure(got(r), all(r), got(r).length, m.nodes).value }
  ])
  const pooled = m.catalogs.flatMap(afterReturn)
  const complete = m.catalogs.every(all)
  const seen = m.catalogs.flatMap(r => defined(r.seenMs).map(v => v - r.publishMs))
  const rescanned = m.catalogs.map(r => r.rescannedMs)
  rows.push(
    { metric: `new catalog, all ${m.catalogs.length} rounds: publish returned → imported (p50 / p99 / max)`, goal, ...figure(pooled, complete, pooled.length, m.nodes * m.catalogs.length) },
    { metric: `new catalog: publish returned → first poll that saw it (p50 / p99 / max, polled every ${m.catalogPollMs} ms; a cross-check)`, value: spread(seen) },
    { metric: 'new catalog: publish invoked → every fleet view shows the whole fleet rescanned with it (per round)', value: rescanned.map(v => v === undefined ? `not within ${s(m.deadlineMs)}` : s(v)).join(', ') }
  )
  return rows
}

/** Rows for report(): a figure that some node never reached says how many did, instead of a time. */
export function meshRows (m: MeshMeasurements): BenchRow[] {
  const converged = defined(m.convergedMs)
  const allConverged = converged.length === m.nodes
  const reached = (n: number, of: number): string => `not reached: ${n}/${of} nodes within ${s(m.deadlineMs)}`
  const published = defined(m.changes.map(c => c.publishedMs))
  // Over every (change, other node) pair: the changed node itself is not a receiver.
  const shown = m.changes.flatMap(c => c.shownMs.filter((_, i) => i !== c.target))
  const shownAll = defined(shown)
  const fromPublish = m.changes.flatMap(c => c.publishedMs === undefined ? [] : defined(c.shownMs.filter((_, i) => i !== c.target)).map(v => v - (c.publishedMs as number)))
  const changesComplete = shownAll.length === shown.length && published.length === m.changes.length
  const every = `polled every ${m.pollMs} ms`
  const ref = `p99 ≤ ${s(REFERENCE_P99_MS)} (ref.)`
  const payload = m.idle.map(i => i.payloadBytesPerS)
  const rows: BenchRow[] = [
    { metric: `nodes started, ${m.startConcurrency} at a time`, value: `${m.nodes} in ${s(m.startAllMs)}` },
    { metric: 'start-up per node, spawn → API answers (p50 / p99)', value: pair(m.startMs, s, p50, p99) },
    allConverged
      ? { metric: `fleet view complete on every node, after the last start (${every})`, value: s(max(converged)), goal: `≤ ${s(REFERENCE_P99_MS)} (ref.)`, met: max(converged) <= REFERENCE_P99_MS }
      : { metric: `fleet view complete on every node, after the last start (${every})`, value: reached(converged.length, m.nodes), goal: `≤ ${s(REFERENCE_P99_MS)} (ref.)`, met: false },
    { metric: 'fleet view complete, per node (p50 / p99)', value: allConverged ? pair(converged, s, p50, p99) : 'see above', goal: ref, met: allConverged && p99(converged) <= REFERENCE_P99_MS },
    { metric: `new status (${m.changes.length} changes): dpkg file replaced → published (debounce 2 s + scan), p50 / max`, value: published.length === 0 ? 'never published' : pair(published, s, p50, max) },
    changesComplete
      ? { metric: `new status: published → shown by every other node (p50 / p99, ${every})`, value: pair(fromPublish, s, p50, p99), goal: ref, met: p99(fromPublish) <= REFERENCE_P99_MS }
      : { metric: `new status: published → shown by every other node (${every})`, value: reached(shownAll.length, shown.length), goal: ref, met: false },
    { metric: 'new status: dpkg file replaced → shown by other nodes (p50 / p99)', value: changesComplete ? pair(shownAll, s, p50, p99) : 'see above' },
    ...catalogRows(m),
    { metric: `idle traffic per node over ${m.idleSeconds} s, TCP payload sent + received (mean / max)`, value: pair(payload, kbps, mean, max), goal: `< ${kbps(IDLE_TRAFFIC_GOAL_BYTES_PER_S)}`, met: max(payload) < IDLE_TRAFFIC_GOAL_BYTES_PER_S },
    { metric: 'idle traffic per node, with TCP/IP headers (mean / max)', value: pair(m.idle.map(i => i.wireBytesPerS), kbps, mean, max) },
    { metric: 'idle CPU per node (mean / max)', value: pair(m.idle.map(i => i.cpuPercent), v => `${v.toFixed(1)} %`, mean, max) },
    { metric: 'libp2p connections per node (mean / max)', value: pair(m.idle.map(i => i.connections), v => v.toFixed(1), mean, max) },
    // The bootstrap nodes apart: every node dials them at start, so they carry what the others do not.
    { metric: `idle traffic, the ${m.bootstrapNodes} bootstrap nodes / the others (mean / max)`, value: `${pair(payload.slice(0, m.bootstrapNodes), kbps, mean, max)}; ${pair(payload.slice(m.bootstrapNodes), kbps, mean, max)}` },
    { metric: 'libp2p connections, bootstrap nodes / the others (mean / max)', value: `${pair(m.idle.slice(0, m.bootstrapNodes).map(i => i.connections), v => v.toFixed(1), mean, max)}; ${pair(m.idle.slice(m.bootstrapNodes).map(i => i.connections), v => v.toFixed(1), mean, max)}` },
    { metric: 'memory (RSS) per node after the convergence phase (mean / max)', value: pair(m.rssAfterConvergence, mb, mean, max), goal: `< ${mb(MEMORY_GOAL_BYTES)}`, met: max(m.rssAfterConvergence) < MEMORY_GOAL_BYTES },
    { metric: `memory (RSS) per node after ${m.idleSeconds} s idle (mean / max)`, value: pair(m.rssAfterIdle, mb, mean, max), goal: `< ${mb(MEMORY_GOAL_BYTES)}`, met: max(m.rssAfterIdle) < MEMORY_GOAL_BYTES },
    { metric: 'memory (RSS) after idle, bootstrap nodes / the others (mean / max)', value: `${pair(m.rssAfterIdle.slice(0, m.bootstrapNodes), mb, mean, max)}; ${pair(m.rssAfterIdle.slice(m.bootstrapNodes), mb, mean, max)}` },
    { metric: 'nodes that exited 0 on SIGTERM', value: `${m.stopped.clean}/${m.nodes}${m.stopped.killed > 0 ? `, ${m.stopped.killed} killed` : ''}`, met: m.stopped.clean === m.nodes }
  ]
  return rows
}

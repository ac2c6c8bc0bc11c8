// The testbed scenarios' report: one row per system, side by side, the goals each met, the ratios
// between systems, and the full results as JSON in test/bench/results/.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mean, percentile } from '../mesh/wait.ts'
import { RESULTS_DIR, machine } from '../report.ts'
import { payloadBytes } from './counters.ts'
import type { DistributionResult } from './distribution.ts'

/** A system's row: its result, or why there is none. */
export type SystemOutcome = { system: string, result: DistributionResult } | { system: string, unavailable: string }

export interface Column {
  header: string
  cell: (r: DistributionResult) => string
}

/** A goal from the issue: printed, checked for every system, never asserted. */
export interface Goal {
  /** A few words, shown in a row's "goals" cell when not met. */
  name: string
  text: string
  /** undefined: cannot be told (a figure is missing); null: does not apply to this system. */
  met: (r: DistributionResult, all: SystemOutcome[]) => boolean | undefined | null
}

/** A figure divided between systems in the ratios table. */
export interface RatioMetric {
  name: string
  value: (r: DistributionResult) => number | undefined
}

export const seconds = (ms: number | undefined): string => ms === undefined || Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(1)} s`
export const times = (x: number | undefined): string => x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(2)
export const megabytes = (bytes: number | undefined): string => bytes === undefined || Number.isNaN(bytes) ? 'n/a' : `${(bytes / 1e6).toFixed(0)} MB`

/** The branch sites' WAN traffic in a result. */
export const branchWan = (r: DistributionResult): DistributionResult['wan'] => r.wan.filter(w => w.site !== 'hq')

/** Columns every scenario shows. */
export function commonColumns (): { before: Column[], after: Column[] } {
  const survivors = (r: DistributionResult): DistributionResult['nodes'] => r.nodes.filter(n => !n.killed)
  const cpu = (r: DistributionResult): number[] => survivors(r).map(n => n.cpuMs ?? NaN)
  const rss = (r: DistributionResult): number[] => survivors(r).map(n => n.peakRssBytes ?? NaN)
  return {
    before: [
      { header: 'complete (identical)', cell: r => `${r.complete}/${r.expected} (${r.identical})` },
      { header: 'last node', cell: r => r.lastMs === undefined ? `not all by ${seconds(r.endedMs)}` : seconds(r.lastMs) },
      { header: 'node p50', cell: r => seconds(percentile(survivors(r).flatMap(n => n.completedMs ?? []), 50)) }
    ],
    after: [
      { header: 'CPU/node mean, max', cell: r => `${seconds(mean(cpu(r)))}, ${seconds(Math.max(...cpu(r)))}` },
      { header: 'RSS/node max', cell: r => megabytes(Math.max(...rss(r))) },
      { header: 'seed: sent ÷ F, CPU', cell: r => `${times(payloadBytes(r.seed.out) / r.fileBytes)}, ${seconds(r.seed.cpuMs)}` }
    ]
  }
}

/** Rows as a pipe table, columns padded to their widest cell. */
export function formatTable (headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => '| ' + headers.map((_, i) => (cells[i] ?? '').padEnd(widths[i] ?? 0)).join(' | ') + ' |'
  return [line(headers), '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n')
}

/** The systems table, the goals and the ratios, as printed. */
export function formatReport (outcomes: SystemOutcome[], columns: Column[], goals: Goal[], ratios: RatioMetric[]): string {
  const headers = ['system', ...columns.map(c => c.header), 'goals']
  const rows = outcomes.map(o => {
    if (!('result' in o)) return [o.system, o.unavailable]
    const missed = goals.map(g => ({ g, met: g.met(o.result, outcomes) })).filter(x => x.met !== true && x.met !== null)
    const verdict = missed.length === 0 ? 'all met' : `not met: ${missed.map(x => x.met === undefined ? `${x.g.name}?` : x.g.name).join(', ')}`
    return [o.system, ...columns.map(c => c.cell(o.result)), verdict]
  })
  const out = [formatTable(headers, rows), '', 'goals (the issue\'s, for patchmesh; printed, not asserted):', ...goals.map(g => `  ${g.name}: ${g.text}`)]
  const pairs = outcomes.flatMap((a, i) => outcomes.slice(i + 1).map(b => [b, a] as const))
  if (ratios.length > 0 && pairs.length > 0) {
    const ratio = (x: SystemOutcome, y: SystemOutcome, m: RatioMetric): string => {
      if (!('result' in x)) return `n/a (${x.system} ${x.unavailable})`
      if (!('result' in y)) return `n/a (${y.system} ${y.unavailable})`
      const a = m.value(x.result)
      const b = m.value(y.result)
      return a === undefined || b === undefined || b === 0 ? 'n/a' : times(a / b)
    }
    out.push('', formatTable(['ratio', ...ratios.map(m => m.name)], pairs.map(([x, y]) => [`${x.system} ÷ ${y.system}`, ...ratios.map(m => ratio(x, y, m))])))
  }
  return out.join('\n')
}

/** Writes the scenario's full results; returns the path. */
export async function writeResults (scenario: string, parameters: Record<string, unknown>, outcomes: SystemOutcome[], printed: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true })
  const at = new Date().toISOString()
  const path = join(RESULTS_DIR, `${scenario}-${at.replace(/[:.]/g, '-')}.json`)
  await writeFile(path, JSON.stringify({ scenario, at, machine: machine(), parameters, printed: printed.split('\n'), outcomes }, null, 2) + '\n')
  return path
}

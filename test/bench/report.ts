import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, totalmem } from 'node:os'
import { join } from 'node:path'

/** Where benchmark results are written, one JSON file per run. */
export const RESULTS_DIR = new URL('./results/', import.meta.url).pathname

export interface BenchRow {
  metric: string
  value: string
  goal?: string
  met?: boolean
}

/** The machine a benchmark ran on, recorded with every result. */
export function machine (): Record<string, string | number> {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 1024 ** 3), arch: arch(), node: process.version }
}

/** Prints rows as a table and writes the full result as JSON; returns the JSON path. */
export async function report (scenario: string, rows: BenchRow[], details: Record<string, unknown>): Promise<string> {
  const headers = ['metric', 'value', 'goal', 'met']
  const cells = rows.map(r => [r.metric, r.value, r.goal ?? '', r.met == null ? '' : r.met ? 'yes' : 'NO'])
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map(c => (c[i] ?? '').length)))
  const line = (c: string[]) => '| ' + c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ') + ' |'
  process.stdout.write([line(headers), '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|', ...cells.map(line)].join('\n') + '\n')
  await mkdir(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(path, JSON.stringify({ scenario, at: new Date().toISOString(), machine: machine(), rows, details }, null, 2) + '\n')
  process.stdout.write(`results written to ${path}\n`)
  return path
}

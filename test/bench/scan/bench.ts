// `npm run bench -- scan [--patches N] [--packages N] [--seed N] [--runs N] [--no-oscap]`
// Parse and scan times for a generated catalog, each measured in a fresh process, and OpenSCAP
// evaluating the same applicability as OVAL on the same data, in the same run.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseArgs } from 'node:util'
import { report } from '../report.ts'
import { generateScanData } from './generate.ts'
import { oscapAvailable, prepareFakeRoot, runOscap } from './oscap.ts'
import { writeOvalDefinitions } from './oval.ts'
import type { BenchRow } from '../report.ts'
import type { WorkerResult } from './worker.ts'

const run$ = promisify(execFile)
const WORKER = new URL('./worker.ts', import.meta.url).pathname

async function worker (args: string[]): Promise<WorkerResult> {
  const { stdout } = await run$(process.execPath, [WORKER, ...args], { maxBuffer: 256 * 1024 * 1024 })
  return JSON.parse(stdout) as WorkerResult
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
const seconds = (ms: number): string => `${(ms / 1000).toFixed(3)} s`
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`

export async function run (argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { patches: { type: 'string' }, packages: { type: 'string' }, seed: { type: 'string' }, runs: { type: 'string' }, 'no-oscap': { type: 'boolean' } } })
  const patches = Number(values.patches ?? 100_000)
  const packages = Number(values.packages ?? 3_000)
  const runs = Number(values.runs ?? 3)
  const data = generateScanData({ patches, packages, seed: Number(values.seed ?? 1) })
  const dir = await mkdtemp(join(tmpdir(), 'patchmesh-bench-scan-'))
  try {
    const files = { catalog: join(dir, 'catalog.xml'), status: join(dir, 'status'), osRelease: join(dir, 'os-release'), data: join(dir, 'data') }
    await writeFile(files.catalog, data.catalogXml)
    await writeFile(files.status, data.dpkgStatus)
    await writeFile(files.osRelease, data.osRelease)
    process.stdout.write(`scan benchmark: ${patches} patches over ${packages} packages, catalog ${(data.catalogXml.length / 2 ** 20).toFixed(1)} MiB, ${runs} runs each\n`)

    const parses: WorkerResult[] = []
    for (let i = 0; i < runs; i++) parses.push(await worker(['parse', files.catalog]))
    const imported = await worker(['import', files.catalog, files.data])
    const scans: WorkerResult[] = []
    for (let i = 0; i < runs; i++) scans.push(await worker(['scan', files.data, files.status, files.osRelease]))

    const states = scans[0]?.states ?? {}
    let agreeExpected = 0
    for (const [id, state] of data.expected) if (states[id] === state) agreeExpected++

    const parseMs = median(parses.map(p => p.ms.parse ?? NaN))
    const coldMs = median(scans.map(s => s.ms.scanCold ?? NaN))
    const warmMs = median(scans.map(s => s.ms.scanWarm ?? NaN))
    const peaks = [Math.max(...parses.map(p => p.peakRssKiB)), Math.max(...scans.map(s => s.peakRssKiB)), imported.peakRssKiB]
    const rows: BenchRow[] = [
      { metric: 'parse + verify + compile catalog XML', value: seconds(parseMs), goal: '< 3 s', met: parseMs < 3000 },
      { metric: 'import into the node database', value: seconds(imported.ms.import ?? NaN) },
      { metric: 'scan, catalog stored, fresh process', value: seconds(coldMs), goal: '< 0.3 s', met: coldMs < 300 },
      { metric: 'scan, catalog stored, running node', value: seconds(warmMs), goal: '< 0.3 s', met: warmMs < 300 },
      { metric: 'peak memory: parse / scan / import step', value: `${peaks.map(kib => (kib / 1024).toFixed(0)).join(' / ')} MiB`, goal: '< 500 MiB', met: peaks.every(kib => kib < 500 * 1024) },
      { metric: 'states equal to the generator\'s', value: `${agreeExpected} / ${data.expected.size}`, met: agreeExpected === data.expected.size }
    ]
    const details: Record<string, unknown> = { patches, packages, runs, parses, imported, scans: scans.map(({ ms, peakRssKiB }) => ({ ms, peakRssKiB })) }

    const oscap = values['no-oscap'] === true ? { available: false as const, reason: '--no-oscap' } : await oscapAvailable()
    if (!oscap.available) {
      rows.push({ metric: 'OpenSCAP', value: `not measured: ${oscap.reason}` })
    } else {
      const oval = writeOvalDefinitions(data.catalog)
      const ovalPath = join(dir, 'definitions.xml')
      await writeFile(ovalPath, oval.xml)
      const fakeRoot = await prepareFakeRoot({ dir: join(dir, 'root'), dpkgStatus: data.dpkgStatus, osRelease: data.osRelease })
      process.stdout.write(`running OpenSCAP ${oscap.version} (oscap oval eval) on the same data...\n`)
      const result = await runOscap({ ovalPath, fakeRoot })
      // OVAL "true" is missing before supersedence, which we split into missing and superseded.
      let agreeOscap = 0
      for (const [definition, patchId] of oval.patchIdByDefinition) {
        const ours = states[patchId]
        if ((result.results.get(definition) === 'true') === (ours === 'missing' || ours === 'superseded')) agreeOscap++
      }
      rows.push(
        { metric: `OpenSCAP ${oscap.version} oval eval (same data)`, value: seconds(result.wallMs) },
        { metric: 'OpenSCAP peak memory', value: result.peakRssKiB == null ? 'n/a' : mib(result.peakRssKiB) },
        { metric: 'OpenSCAP ÷ ours (stored, fresh process)', value: `${(result.wallMs / coldMs).toFixed(1)}×`, goal: '≥ 10×', met: result.wallMs / coldMs >= 10 },
        { metric: 'OpenSCAP ÷ ours (from XML: parse + scan)', value: `${(result.wallMs / (parseMs + coldMs)).toFixed(1)}×` },
        { metric: 'missing-or-not equal to OpenSCAP\'s', value: `${agreeOscap} / ${oval.patchIdByDefinition.size}`, met: agreeOscap === oval.patchIdByDefinition.size }
      )
      details.oscap = { version: oscap.version, wallMs: result.wallMs, userMs: result.userMs, systemMs: result.systemMs, peakRssKiB: result.peakRssKiB, exitCode: result.exitCode }
    }
    await report('scan', rows, details)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

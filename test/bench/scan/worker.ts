// One measured step of the scan benchmark, in a process of its own so that its peak memory is its own.
// Usage: node worker.ts parse CATALOG | import CATALOG DATA | scan DATA STATUS OS_RELEASE
import { readFile } from 'node:fs/promises'
import { parseCatalog } from '../../../protocol/catalog.ts'
import { compileCatalog } from '../../../protocol/compiled-catalog.ts'
import { openDatabase } from '../../../node/db/database.ts'
import { DpkgInventoryProvider } from '../../../node/inventory/dpkg.ts'
import { silentLogger } from '../../../node/log.ts'
import { CatalogStore } from '../../../node/scan/catalog-store.ts'
import { ScanStore } from '../../../node/scan/scan-store.ts'
import { Scanner } from '../../../node/scan/scanner.ts'
import { stateAt } from '../../../protocol/scan-result.ts'

/** What a worker prints: timings in ms, peak RSS in KiB, and per-patch states for the agreement check. */
export interface WorkerResult {
  ms: Record<string, number>
  peakRssKiB: number
  states?: Record<string, string>
}

const [step, ...args] = process.argv.slice(2)
const ms: Record<string, number> = {}
const time = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
  const start = performance.now()
  const value = await fn()
  ms[name] = performance.now() - start
  return value
}
let states: Record<string, string> | undefined

if (step === 'parse') {
  const bytes = await readFile(args[0] as string)
  await time('parse', () => compileCatalog(parseCatalog(bytes)))
} else if (step === 'import') {
  const db = await openDatabase(args[1] as string)
  // As a node imports: read inside the timing, and nothing but the import holds the bytes.
  await time('import', async () => await new CatalogStore(db).import(await readFile(args[0] as string), args[0] as string))
  await db.close()
} else if (step === 'scan') {
  const [data, statusPath, osReleasePath] = args as [string, string, string]
  const db = await openDatabase(data)
  const catalogs = new CatalogStore(db)
  const scanner = new Scanner({
    catalogs,
    scans: new ScanStore(db),
    inventory: new DpkgInventoryProvider({ statusPath, osReleasePath }),
    logger: silentLogger()
  })
  // The first scan loads the stored catalog (a fresh process); the second is a running node's scan.
  await time('scanCold', async () => await scanner.scan('manual'))
  const result = await time('scanWarm', async () => await scanner.scan('manual'))
  // Outside the timings: the report form of the catalog names the patches for the agreement check.
  const catalog = await catalogs.newest()
  states = Object.fromEntries(catalog?.patches.map((p, i) => [p.id, stateAt(result, i)]) ?? [])
  await db.close()
} else {
  process.stderr.write(`unknown step ${step ?? ''}\n`)
  process.exit(2)
}
process.stdout.write(JSON.stringify({ ms, peakRssKiB: process.resourceUsage().maxRSS, states } satisfies WorkerResult))

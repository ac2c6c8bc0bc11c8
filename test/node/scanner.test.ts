import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { pino } from 'pino'
import { openDatabase } from '../../node/db/database.ts'
import { DpkgInventoryProvider } from '../../node/inventory/dpkg.ts'
import { CatalogStore } from '../../node/scan/catalog-store.ts'
import { SCAN_INDEX_FILE } from '../../node/scan/scan-index-file.ts'
import { ScanStore } from '../../node/scan/scan-store.ts'
import { Scanner } from '../../node/scan/scanner.ts'
import { smallCatalog, writeScanInputs } from '../helpers/fixtures.ts'
import { tempDir } from '../helpers/temp.ts'
import type { ScanRecord } from '../../protocol/scan-result.ts'
import type { TestContext } from 'node:test'

/** One scan in a process of its own: the database opened, scanned, closed; what was logged at warn. */
async function scanOnce (t: TestContext, dataDir: string, inputs: { status: string, osRelease: string }): Promise<{ result: ScanRecord, warnings: string[] }> {
  const warnings: string[] = []
  const db = await openDatabase(dataDir)
  t.after(async () => { await db.close() })
  const scanner = new Scanner({
    catalogs: new CatalogStore(db),
    scans: new ScanStore(db),
    inventory: new DpkgInventoryProvider({ statusPath: inputs.status, osReleasePath: inputs.osRelease }),
    logger: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } })
  })
  const result = await scanner.scan('manual')
  await db.close()
  return { result, warnings }
}

test('a node whose scan index file was deleted scans as before, rebuilds the file and says so', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1', curl: '7.5-1' })
  const dataDir = join(dir, 'data')
  const db = await openDatabase(dataDir)
  await new CatalogStore(db).import(Buffer.from(smallCatalog()), inputs.catalog)
  await db.close()

  const first = await scanOnce(t, dataDir, inputs)
  assert.deepEqual(first.warnings, [])
  await rm(join(dataDir, SCAN_INDEX_FILE))
  const second = await scanOnce(t, dataDir, inputs)
  assert.equal(second.result.states, first.result.states)
  assert.deepEqual(second.result.summary, first.result.summary)
  assert.equal(second.warnings.length, 1)
  assert.match(second.warnings[0] ?? '', /rebuilt/)
  assert.deepEqual((await scanOnce(t, dataDir, inputs)).warnings, [])
})

test('a scan with no catalog stored fails with ERR_NO_CATALOG', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, {})
  await assert.rejects(scanOnce(t, join(dir, 'data'), inputs), { code: 'ERR_NO_CATALOG' })
})

import assert from 'node:assert/strict'
import { copyFile, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { evaluate } from '../../protocol/applicability.ts'
import { parseCatalog } from '../../protocol/catalog.ts'
import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import { buildScanIndex } from '../../protocol/scan-index.ts'
import { openDatabase, sublevel } from '../../node/db/database.ts'
import { CatalogStore } from '../../node/scan/catalog-store.ts'
import { staleCompiledKeys } from '../../node/scan/compiled-chunks.ts'
import { SCAN_INDEX_FILE } from '../../node/scan/scan-index-file.ts'
import { smallCatalog } from '../helpers/fixtures.ts'
import { tempDir } from '../helpers/temp.ts'
import type { NodeDatabase } from '../../node/db/database.ts'
import type { ScanIndex } from '../../protocol/scan-index.ts'
import type { TestContext } from 'node:test'

const inventory = { host: 'h', os: 'debian', versionId: '12', packages: [{ name: 'openssl', version: '3.0.11-1' }, { name: 'curl', version: '7.5-1' }], hotfixes: [] }
const expected = evaluate(buildScanIndex(compileCatalog(parseCatalog(smallCatalog(2)))), inventory)

/** Opens the data folder's database; `reopen` closes it and opens it again, as a fresh process would. */
async function dataFolder (t: TestContext): Promise<{ dir: string, db: () => NodeDatabase, reopen: () => Promise<CatalogStore> }> {
  const dir = await tempDir(t)
  let db = await openDatabase(dir)
  t.after(async () => { await db.close() })
  return {
    dir,
    db: () => db,
    reopen: async () => {
      await db.close()
      db = await openDatabase(dir)
      return new CatalogStore(db)
    }
  }
}

async function importVersion (store: CatalogStore, version: number): Promise<void> {
  await store.import(Buffer.from(smallCatalog(version)), `catalog-${version}.xml`)
}

function assertScansRight (index: ScanIndex): void {
  assert.deepEqual(evaluate(index, inventory), expected)
}

test('a store opened afresh loads the scan index from its file without rebuilding it', async (t) => {
  const folder = await dataFolder(t)
  await importVersion(new CatalogStore(folder.db()), 2)
  const loaded = await (await folder.reopen()).scanIndex()
  assert.ok(loaded != null)
  assert.equal(loaded.rebuiltBecause, undefined)
  assertScansRight(loaded.index)
})

test('a deleted index file is rebuilt from the stored catalog, and the scan is the same', async (t) => {
  const folder = await dataFolder(t)
  await importVersion(new CatalogStore(folder.db()), 2)
  await rm(join(folder.dir, SCAN_INDEX_FILE))
  const loaded = await (await folder.reopen()).scanIndex()
  assert.match(loaded?.rebuiltBecause ?? '', /missing/)
  assertScansRight(loaded?.index as ScanIndex)
  assert.ok((await stat(join(folder.dir, SCAN_INDEX_FILE))).size > 0, 'the file is written again')
  assert.equal((await (await folder.reopen()).scanIndex())?.rebuiltBecause, undefined)
})

test('a truncated index file is rebuilt, and the scan is the same', async (t) => {
  const folder = await dataFolder(t)
  await importVersion(new CatalogStore(folder.db()), 2)
  const path = join(folder.dir, SCAN_INDEX_FILE)
  await truncate(path, (await stat(path)).size - 3)
  const loaded = await (await folder.reopen()).scanIndex()
  assert.match(loaded?.rebuiltBecause ?? '', /bytes/)
  assertScansRight(loaded?.index as ScanIndex)
})

test('an index file with a flipped byte is rebuilt, and the scan is the same', async (t) => {
  const folder = await dataFolder(t)
  await importVersion(new CatalogStore(folder.db()), 2)
  const path = join(folder.dir, SCAN_INDEX_FILE)
  const bytes = await readFile(path)
  bytes[bytes.length - 2] = (bytes[bytes.length - 2] as number) ^ 0x01
  await writeFile(path, bytes)
  const loaded = await (await folder.reopen()).scanIndex()
  assert.match(loaded?.rebuiltBecause ?? '', /checksum/)
  assertScansRight(loaded?.index as ScanIndex)
})

test('an index file of another catalog version than the one recorded is rebuilt', async (t) => {
  const folder = await dataFolder(t)
  const store = new CatalogStore(folder.db())
  await importVersion(store, 1)
  await copyFile(join(folder.dir, SCAN_INDEX_FILE), join(folder.dir, 'older.bin'))
  await importVersion(store, 2)
  // What a crash between writing the file and recording the catalog would leave, the other way round.
  await copyFile(join(folder.dir, 'older.bin'), join(folder.dir, SCAN_INDEX_FILE))
  const loaded = await (await folder.reopen()).scanIndex()
  assert.match(loaded?.rebuiltBecause ?? '', /version 1, not the stored test-catalog version 2/)
  assert.equal(loaded?.index.catalogVersion, 2)
  assertScansRight(loaded?.index as ScanIndex)
})

test('importing a newer catalog drops the stored chunks of the older one', async (t) => {
  const folder = await dataFolder(t)
  const store = new CatalogStore(folder.db())
  await importVersion(store, 1)
  await importVersion(store, 2)
  assert.deepEqual(await staleCompiledKeys(sublevel(folder.db(), 'catalogs'), 2), [])
  assert.equal((await (await folder.reopen()).newest())?.version, 2)
})

test('a catalog stored in one value, as earlier versions did, is still read and scanned', async (t) => {
  const folder = await dataFolder(t)
  const compiled = compileCatalog(parseCatalog(smallCatalog(2)))
  await sublevel(folder.db(), 'catalogs').batch([
    { type: 'put', key: 'newest-compiled', value: compiled },
    { type: 'put', key: 'newest-record', value: { id: compiled.id, version: 2, published: compiled.published, sha256: '0', patches: 4, importedAt: '2026-01-01T00:00:00Z', source: 'old' } }
  ])
  const store = await folder.reopen()
  assert.deepEqual(await store.newest(), compiled)
  assertScansRight((await store.scanIndex())?.index as ScanIndex)
})

test('a store with no catalog has no scan index and writes no file', async (t) => {
  const folder = await dataFolder(t)
  assert.equal(await new CatalogStore(folder.db()).scanIndex(), undefined)
  await assert.rejects(stat(join(folder.dir, SCAN_INDEX_FILE)), { code: 'ENOENT' })
})

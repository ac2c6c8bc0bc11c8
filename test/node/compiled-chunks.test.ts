import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import { openDatabase, sublevel } from '../../node/db/database.ts'
import { COMPILED_CHUNK_ITEMS, getCompiledCatalog, putCompiledCatalog, staleCompiledKeys } from '../../node/scan/compiled-chunks.ts'
import { tempDir } from '../helpers/temp.ts'
import type { Catalog } from '../../protocol/catalog-types.ts'
import type { Sublevel } from '../../node/db/database.ts'
import type { TestContext } from 'node:test'

/** A compiled catalog whose bulletins and patches each fill more than two chunks. */
function largeCatalog (version: number): ReturnType<typeof compileCatalog> {
  const count = 2 * COMPILED_CHUNK_ITEMS + 1
  const catalog: Catalog = {
    id: 'large',
    version,
    published: '2026-01-01T00:00:00Z',
    products: [{ id: 'debian-12', name: 'Debian 12', family: 'deb', detect: [{ os: 'debian', versionId: '12' }] }],
    bulletins: Array.from({ length: count }, (_, i) => ({ id: `B${i}`, title: `bulletin ${i}`, severity: 'low', released: '2026-01-01', cves: [], patchIds: [`P${i}`] })),
    patches: Array.from({ length: count }, (_, i) => ({ id: `P${i}`, bulletinId: `B${i}`, productId: 'debian-12', kind: 'deb', reboot: 'never', supersedes: i === 0 ? [] : [`P${i - 1}`], packages: [{ name: `pkg${i % 7}`, fixed: `1.${i}` }], hotfixes: [] }))
  }
  return compileCatalog(catalog)
}

async function catalogs (t: TestContext): Promise<Sublevel<unknown>> {
  const db = await openDatabase(await tempDir(t))
  t.after(async () => { await db.close() })
  return sublevel(db, 'catalogs')
}

test('a compiled catalog spread over several chunks reads back whole and in order', async (t) => {
  const db = await catalogs(t)
  const compiled = largeCatalog(3)
  await putCompiledCatalog(db, compiled)
  assert.deepEqual(await getCompiledCatalog(db, 3), compiled)
})

test('a version whose head was never written reads as absent', async (t) => {
  assert.equal(await getCompiledCatalog(await catalogs(t), 3), undefined)
})

test('the chunks of every other version, finished or not, are stale', async (t) => {
  const db = await catalogs(t)
  await putCompiledCatalog(db, largeCatalog(3))
  await putCompiledCatalog(db, largeCatalog(4))
  // An import that stopped after its first chunk.
  await db.put('compiled/5/patches/0', [])
  const stale = await staleCompiledKeys(db, 4)
  assert.ok(stale.includes('compiled/3/head'))
  assert.ok(stale.includes('compiled/5/patches/0'))
  assert.ok(stale.every(key => !key.startsWith('compiled/4/')))
  await db.batch(stale.map(key => ({ type: 'del' as const, key })))
  assert.equal((await getCompiledCatalog(db, 4))?.patches.length, 2 * COMPILED_CHUNK_ITEMS + 1)
})

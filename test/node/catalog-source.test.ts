import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { readCatalogSource } from '../../node/catalogs/catalog-source.ts'
import { smallCatalog } from '../helpers/fixtures.ts'
import { tempDir } from '../helpers/temp.ts'
import type { AddressInfo } from 'node:net'

test('a source folder offers its highest catalog version and skips files that do not parse', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'a.xml'), smallCatalog(3))
  await writeFile(join(dir, 'b.xml'), smallCatalog(7))
  await writeFile(join(dir, 'broken.xml'), '<Catalog')
  await writeFile(join(dir, 'notes.txt'), 'not a catalog')
  const { catalog, origin } = await readCatalogSource(dir)
  assert.equal(catalog.version, 7)
  assert.equal(origin, join(dir, 'b.xml'))
})

test('a source folder with no valid catalog is ERR_CATALOG_SOURCE naming what was wrong', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'broken.xml'), '<Catalog')
  await assert.rejects(readCatalogSource(dir), (err: Error & { code?: string }) => err.code === 'ERR_CATALOG_SOURCE' && /holds no valid catalog/.test(err.message) && /broken\.xml/.test(err.message))
})

test('a missing source folder is ERR_CATALOG_SOURCE', async (t) => {
  const dir = join(await tempDir(t), 'nowhere')
  await assert.rejects(readCatalogSource(dir), { code: 'ERR_CATALOG_SOURCE' })
})

test('a source URL is downloaded and parsed; an error answer is ERR_CATALOG_SOURCE with the status', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/catalog.xml') res.end(smallCatalog(4))
    else { res.statusCode = 404; res.end() }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.close() })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  assert.equal((await readCatalogSource(`${base}/catalog.xml`)).catalog.version, 4)
  await assert.rejects(readCatalogSource(`${base}/missing.xml`), (err: Error & { code?: string }) => err.code === 'ERR_CATALOG_SOURCE' && /404/.test(err.message))
})

import assert from 'node:assert/strict'
import { readdir, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import { FormatError } from '../../protocol/errors.ts'
import { parseCatalog } from '../../protocol/catalog.ts'
import { buildScanIndex } from '../../protocol/scan-index.ts'
import { MAX_SCAN_INDEX_BYTES } from '../../protocol/scan-index-codec.ts'
import { SCAN_INDEX_FILE, readScanIndexFile, writeScanIndexFile } from '../../node/scan/scan-index-file.ts'
import { smallCatalog } from '../helpers/fixtures.ts'
import { tempDir } from '../helpers/temp.ts'

const index = buildScanIndex(compileCatalog(parseCatalog(smallCatalog())))

test('an index file written and read back holds the same index, with no temporary file left', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, SCAN_INDEX_FILE)
  await writeScanIndexFile(path, index)
  const read = await readScanIndexFile(path)
  assert.equal(read.catalogVersion, index.catalogVersion)
  assert.deepEqual(Array.from(read.order), Array.from(index.order))
  assert.deepEqual(await readdir(dir), [SCAN_INDEX_FILE])
})

test('writing replaces an existing index file and a temporary file a crash left behind', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, SCAN_INDEX_FILE)
  await writeFile(path, 'old')
  await writeFile(`${path}.tmp`, 'half-written')
  await writeScanIndexFile(path, index)
  assert.equal((await readScanIndexFile(path)).catalogId, index.catalogId)
  assert.deepEqual(await readdir(dir), [SCAN_INDEX_FILE])
})

test('an index file larger than the limit is refused with ERR_TOO_LARGE without being read', async (t) => {
  const path = join(await tempDir(t), SCAN_INDEX_FILE)
  await writeFile(path, '')
  await truncate(path, MAX_SCAN_INDEX_BYTES + 1)
  await assert.rejects(readScanIndexFile(path), (err: unknown) => err instanceof FormatError && err.code === 'ERR_TOO_LARGE')
})

test('a missing index file is the file system\'s ENOENT', async (t) => {
  await assert.rejects(readScanIndexFile(join(await tempDir(t), SCAN_INDEX_FILE)), { code: 'ENOENT' })
})

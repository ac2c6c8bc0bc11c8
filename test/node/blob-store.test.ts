import assert from 'node:assert/strict'
import { randomFillSync, createHash } from 'node:crypto'
import { open, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { test } from 'node:test'
import { blobIdFromSha256 } from '../../protocol/blob-id.ts'
import { DEFAULT_CHUNK_SIZE, decodeChunkIndex } from '../../protocol/chunk-index.ts'
import { fullHaveMap } from '../../protocol/have-map.ts'
import { chunkOf, expectBlobError, openStore, sampleBlob } from '../helpers/blobs.ts'
import { tempDir } from '../helpers/temp.ts'

const FOUR_CHUNKS = 3 * DEFAULT_CHUNK_SIZE + 1000

test('an imported blob is complete, served chunk by chunk and read back whole', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(FOUR_CHUNKS)
  const result = await store.importBytes(blob.bytes)
  assert.deepEqual(result, { blobId: blob.blobId, indexId: blob.indexId, size: FOUR_CHUNKS, chunkCount: 4, stored: true })
  assert.equal(await store.has(blob.blobId), true)
  assert.deepEqual(await store.haveMap(blob.blobId), fullHaveMap(4))
  assert.deepEqual(await store.missingChunks(blob.blobId), [])
  for (let n = 0; n < 4; n++) assert.deepEqual(await store.readChunk(blob.blobId, n), chunkOf(blob, n))
  assert.deepEqual(new Uint8Array(await buffer(await store.openRead(blob.blobId))), blob.bytes)
  const { indexId, bytes } = await store.chunkIndex(blob.blobId)
  assert.deepEqual(decodeChunkIndex(bytes, indexId), blob.index)
  assert.deepEqual(new Uint8Array(await readFile(join(dir, 'blobs', blob.blobId))), blob.bytes)
})

test('importing the same content twice changes nothing', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(1000)
  let completions = 0
  store.events.on('complete', () => { completions++ })
  await store.importBytes(blob.bytes)
  const again = await store.importBytes(blob.bytes)
  assert.equal(again.stored, false)
  assert.equal(again.blobId, blob.blobId)
  assert.equal(completions, 1)
  assert.equal((await store.list()).length, 1)
  assert.deepEqual(await readdir(join(dir, 'blobs', 'tmp')), [])
})

test('an empty blob imports and reads back as zero bytes', async t => {
  const { store } = await openStore(t, await tempDir(t))
  const result = await store.importBytes(new Uint8Array(0))
  assert.equal(result.chunkCount, 0)
  assert.equal((await buffer(await store.openRead(result.blobId))).byteLength, 0)
})

test('a 64 MiB import streams through a small buffer instead of holding the file', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const path = join(dir, 'patch.bin')
  const whole = createHash('sha256')
  const piece = Buffer.alloc(1024 * 1024)
  const file = await open(path, 'w')
  for (let i = 0; i < 64; i++) {
    randomFillSync(piece)
    whole.update(piece)
    await file.write(piece)
  }
  await file.close()
  const baseline = process.memoryUsage().arrayBuffers
  let peak = baseline
  let reports = 0
  const result = await store.importFile(path, {
    onProgress: ({ bytes, total }) => {
      assert.equal(total, 64 * 1024 * 1024)
      assert.ok(bytes <= total)
      reports++
      peak = Math.max(peak, process.memoryUsage().arrayBuffers)
    }
  })
  assert.equal(result.blobId, blobIdFromSha256(whole.digest()))
  assert.equal(result.chunkCount, 256)
  assert.ok(reports >= 64)
  // 64 MiB held in memory would show here; the import itself reuses one 1 MiB buffer.
  assert.ok(peak - baseline < 16 * 1024 * 1024, `array buffers grew by ${peak - baseline} bytes`)
  assert.deepEqual((await store.verify(result.blobId)).corrupt, [])
})

test('an import that cannot read its file is ERR_IMPORT_SOURCE; one aborted half-way leaves nothing', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  await expectBlobError(store.importFile(join(dir, 'missing.bin')), 'ERR_IMPORT_SOURCE')
  const path = join(dir, 'patch.bin')
  await writeFile(path, new Uint8Array(3 * 1024 * 1024))
  const controller = new AbortController()
  await assert.rejects(store.importFile(path, { signal: controller.signal, onProgress: () => { controller.abort() } }), { name: 'AbortError' })
  assert.deepEqual(await store.list(), [])
  assert.deepEqual(await readdir(join(dir, 'blobs', 'tmp')), [])
})

test('a download stores verified chunks in any order and finishes into a complete blob', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(FOUR_CHUNKS)
  const announced: number[] = []
  store.events.on('chunk', ({ n }) => { announced.push(n) })
  const begun = await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  assert.deepEqual({ held: begun.held, complete: begun.complete, chunkCount: begun.chunkCount }, { held: 0, complete: false, chunkCount: 4 })
  assert.deepEqual(await store.haveMap(blob.blobId), Uint8Array.of(0))
  assert.deepEqual(await store.writeChunk(blob.blobId, 2, chunkOf(blob, 2)), { stored: true, missing: 3 })
  assert.deepEqual(await store.writeChunk(blob.blobId, 2, chunkOf(blob, 2)), { stored: false, missing: 3 })
  assert.deepEqual(await store.haveMap(blob.blobId), Uint8Array.of(0x20))
  assert.deepEqual(await store.readChunk(blob.blobId, 2), chunkOf(blob, 2))
  await expectBlobError(store.readChunk(blob.blobId, 0), 'ERR_NOT_HELD')
  await expectBlobError(store.finish(blob.blobId), 'ERR_INCOMPLETE')
  for (const n of [3, 0, 1]) await store.writeChunk(blob.blobId, n, chunkOf(blob, n))
  assert.deepEqual(announced, [2, 3, 0, 1])
  const done = await store.finish(blob.blobId)
  assert.equal(done.complete, true)
  assert.deepEqual(new Uint8Array(await readFile(join(dir, 'blobs', blob.blobId))), blob.bytes)
  assert.deepEqual(await readdir(join(dir, 'blobs', 'partial')), [])
})

test('chunks written at the same time are all recorded', async t => {
  const { store } = await openStore(t, await tempDir(t))
  const blob = sampleBlob(FOUR_CHUNKS)
  await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  const results = await Promise.all([3, 1, 0, 2, 1].map(async n => await store.writeChunk(blob.blobId, n, chunkOf(blob, n))))
  assert.equal(results.filter(result => result.stored).length, 4)
  assert.deepEqual(await store.missingChunks(blob.blobId), [])
  assert.equal((await store.finish(blob.blobId)).complete, true)
})

test('a corrupt or mis-sized chunk is refused and nothing is stored', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(FOUR_CHUNKS)
  await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  const bad = chunkOf(blob, 1)
  bad[500] = (bad[500] ?? 0) ^ 0xff
  await expectBlobError(store.writeChunk(blob.blobId, 1, bad), 'ERR_CHUNK_CORRUPT')
  await expectBlobError(store.writeChunk(blob.blobId, 1, chunkOf(blob, 1).subarray(1)), 'ERR_CHUNK_CORRUPT')
  await assert.rejects(store.writeChunk(blob.blobId, 4, chunkOf(blob, 3)), { name: 'FormatError', code: 'ERR_SCHEMA' })
  assert.deepEqual(await store.missingChunks(blob.blobId), [0, 1, 2, 3])
  const partial = await readFile(join(dir, 'blobs', 'partial', blob.blobId))
  assert.ok(partial.subarray(DEFAULT_CHUNK_SIZE, 2 * DEFAULT_CHUNK_SIZE).every(byte => byte === 0), 'no byte of the bad chunk was written')
})

test('begin refuses an index that is not the one named, and a second index for the same blob', async t => {
  const { store } = await openStore(t, await tempDir(t))
  const blob = sampleBlob(FOUR_CHUNKS)
  const other = sampleBlob(FOUR_CHUNKS, 7)
  await assert.rejects(store.begin(blob.blobId, blob.indexBytes, other.indexId), { name: 'FormatError', code: 'ERR_DIGEST_MISMATCH' })
  assert.equal(await store.status(blob.blobId), undefined)
  await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  await expectBlobError(store.begin(blob.blobId, other.indexBytes, other.indexId), 'ERR_INDEX_MISMATCH')
})

test('a download resumes after the database is closed and reopened, keeping its chunks', async t => {
  const dir = await tempDir(t)
  const blob = sampleBlob(FOUR_CHUNKS)
  const first = await openStore(t, dir)
  await first.store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  await first.store.writeChunk(blob.blobId, 0, chunkOf(blob, 0))
  await first.store.writeChunk(blob.blobId, 3, chunkOf(blob, 3))
  await first.db.close()
  const { store } = await openStore(t, dir)
  assert.deepEqual(await store.missingChunks(blob.blobId), [1, 2])
  assert.deepEqual(await store.readChunk(blob.blobId, 3), chunkOf(blob, 3))
  for (const n of [1, 2]) await store.writeChunk(blob.blobId, n, chunkOf(blob, n))
  assert.equal((await store.finish(blob.blobId)).complete, true)
})

test('an import finishes a download of the same blob in progress', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(FOUR_CHUNKS)
  await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  await store.writeChunk(blob.blobId, 1, chunkOf(blob, 1))
  assert.equal((await store.importBytes(blob.bytes)).stored, true)
  assert.equal(await store.has(blob.blobId), true)
  assert.deepEqual(await readdir(join(dir, 'blobs', 'partial')), [])
})

test('garbage collection keeps live and recently needed blobs and removes the rest', async t => {
  const dir = await tempDir(t)
  let now = 1_000_000
  const { store } = await openStore(t, dir, () => now)
  const [live, recent, old] = [sampleBlob(100, 1), sampleBlob(100, 2), sampleBlob(FOUR_CHUNKS, 3)]
  await store.importBytes(live.bytes)
  await store.begin(old.blobId, old.indexBytes, old.indexId)
  now += 10_000
  await store.importBytes(recent.bytes)
  const removed: string[] = []
  store.events.on('removed', ({ blobId }) => { removed.push(blobId) })
  const result = await store.collectGarbage(new Set([live.blobId]), { graceMs: 5_000, now: now + 1_000 })
  assert.deepEqual(result.removed, [old.blobId])
  assert.deepEqual(result.kept.sort(), [live.blobId, recent.blobId].sort())
  assert.deepEqual(removed, [old.blobId])
  assert.equal((await store.status(live.blobId))?.lastNeeded, now + 1_000)
  assert.deepEqual(await readdir(join(dir, 'blobs', 'partial')), [])
  const later = await store.collectGarbage(new Set([live.blobId]), { graceMs: 5_000, now: now + 6_000 })
  assert.deepEqual(later.removed, [recent.blobId])
  assert.deepEqual((await store.list()).map(status => status.blobId), [live.blobId])
})

test('remove forgets a blob and its file; unknown and malformed ids are refused', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(1000)
  await store.importBytes(blob.bytes)
  assert.equal(await store.remove(blob.blobId), true)
  assert.equal(await store.remove(blob.blobId), false)
  assert.deepEqual((await readdir(join(dir, 'blobs'))).sort(), ['partial', 'tmp'])
  await expectBlobError(store.readChunk(blob.blobId, 0), 'ERR_UNKNOWN_BLOB')
  await expectBlobError(store.missingChunks(blob.blobId), 'ERR_UNKNOWN_BLOB')
  await expectBlobError(store.openRead(blob.blobId), 'ERR_UNKNOWN_BLOB')
  await assert.rejects(store.readChunk('../../etc/passwd', 0), { name: 'FormatError', code: 'ERR_SCHEMA' })
})

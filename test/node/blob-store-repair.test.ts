import assert from 'node:assert/strict'
import { readdir, rename, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { test } from 'node:test'
import { DEFAULT_CHUNK_SIZE } from '../../protocol/chunk-index.ts'
import { chunkOf, expectBlobError, flipByte, openStore, sampleBlob } from '../helpers/blobs.ts'
import { tempDir } from '../helpers/temp.ts'
import type { SampleBlob } from '../helpers/blobs.ts'
import type { BlobStore } from '../../node/blobs/blob-store.ts'

const FOUR_CHUNKS = 3 * DEFAULT_CHUNK_SIZE + 1000

async function importedStore (t: Parameters<typeof tempDir>[0]): Promise<{ dir: string, store: BlobStore, blob: SampleBlob, file: string }> {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(FOUR_CHUNKS)
  await store.importBytes(blob.bytes)
  return { dir, store, blob, file: join(dir, 'blobs', blob.blobId) }
}

async function fetchAll (store: BlobStore, blob: SampleBlob): Promise<void> {
  await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  for (const n of await store.missingChunks(blob.blobId)) await store.writeChunk(blob.blobId, n, chunkOf(blob, n))
}

test('a chunk damaged on disk is never served: the read fails and the chunk is missing again', async t => {
  const { dir, store, blob, file } = await importedStore(t)
  const lost: number[][] = []
  store.events.on('missing', ({ chunks }) => { lost.push(chunks) })
  await flipByte(file, DEFAULT_CHUNK_SIZE + 10)
  await expectBlobError(store.readChunk(blob.blobId, 1), 'ERR_CHUNK_CORRUPT')
  assert.deepEqual(lost, [[1]])
  assert.equal(await store.has(blob.blobId), false)
  assert.deepEqual(await store.missingChunks(blob.blobId), [1])
  assert.deepEqual(await readdir(join(dir, 'blobs', 'partial')), [blob.blobId])
  assert.deepEqual(await store.readChunk(blob.blobId, 0), chunkOf(blob, 0))
  await expectBlobError(store.readChunk(blob.blobId, 1), 'ERR_NOT_HELD')
  await store.writeChunk(blob.blobId, 1, chunkOf(blob, 1))
  assert.equal((await store.finish(blob.blobId)).complete, true)
})

test('verify finds a flipped byte and marks only that chunk missing', async t => {
  const { store, blob, file } = await importedStore(t)
  await flipByte(file, 2 * DEFAULT_CHUNK_SIZE + 5)
  assert.deepEqual(await store.verify(blob.blobId), { blobId: blob.blobId, checked: 4, corrupt: [2] })
  assert.deepEqual(await store.missingChunks(blob.blobId), [2])
  assert.deepEqual(await store.verify(blob.blobId), { blobId: blob.blobId, checked: 3, corrupt: [] })
})

test('verify finds a truncated file: every chunk cut off is missing again', async t => {
  const { store, blob, file } = await importedStore(t)
  await truncate(file, DEFAULT_CHUNK_SIZE + 100)
  assert.deepEqual((await store.verify(blob.blobId)).corrupt, [1, 2, 3])
  assert.deepEqual(await store.missingChunks(blob.blobId), [1, 2, 3])
})

test('a blob file that vanished loses every chunk at the first read', async t => {
  const { store, blob, file } = await importedStore(t)
  await rm(file)
  await expectBlobError(store.readChunk(blob.blobId, 2), 'ERR_CHUNK_CORRUPT')
  assert.deepEqual(await store.missingChunks(blob.blobId), [0, 1, 2, 3])
})

test('verifyAll checks every blob and changes only the damaged one', async t => {
  const { store, blob, file } = await importedStore(t)
  const other = sampleBlob(1000)
  await store.importBytes(other.bytes)
  await flipByte(file, 0)
  const results = await store.verifyAll()
  assert.deepEqual(results.map(({ blobId, corrupt }) => [blobId, corrupt]).sort(), [[blob.blobId, [0]], [other.blobId, []]].sort())
  assert.equal(await store.has(other.blobId), true)
})

test('a stream for installers fails instead of ending when the blob is damaged on disk', async t => {
  const { store, blob, file } = await importedStore(t)
  await flipByte(file, 3 * DEFAULT_CHUNK_SIZE + 1)
  await expectBlobError(buffer(await store.openRead(blob.blobId)), 'ERR_BLOB_CORRUPT')
  await expectBlobError(store.openRead(blob.blobId), 'ERR_NOT_HELD')
  assert.deepEqual(await store.missingChunks(blob.blobId), [3])
})

test('finish refuses a whole file that went bad on disk, keeping the good chunks', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(FOUR_CHUNKS)
  await fetchAll(store, blob)
  await flipByte(join(dir, 'blobs', 'partial', blob.blobId), DEFAULT_CHUNK_SIZE)
  await expectBlobError(store.finish(blob.blobId), 'ERR_BLOB_CORRUPT')
  assert.deepEqual(await store.missingChunks(blob.blobId), [1])
  assert.equal(await store.has(blob.blobId), false)
  await store.writeChunk(blob.blobId, 1, chunkOf(blob, 1))
  assert.equal((await store.finish(blob.blobId)).complete, true)
})

test('finish drops a download whose index describes other content than the blob id', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(FOUR_CHUNKS)
  const impostor = { ...sampleBlob(FOUR_CHUNKS, 99), blobId: blob.blobId }
  await fetchAll(store, impostor)
  await expectBlobError(store.finish(blob.blobId), 'ERR_INDEX_MISMATCH')
  assert.equal(await store.status(blob.blobId), undefined)
  assert.deepEqual(await readdir(join(dir, 'blobs')), ['partial', 'tmp'])
  assert.deepEqual(await readdir(join(dir, 'blobs', 'partial')), [])
})

test('reopening after a crash completes a finish that renamed but did not record', async t => {
  const dir = await tempDir(t)
  const blob = sampleBlob(FOUR_CHUNKS)
  const first = await openStore(t, dir)
  await fetchAll(first.store, blob)
  await first.db.close()
  await rename(join(dir, 'blobs', 'partial', blob.blobId), join(dir, 'blobs', blob.blobId))
  const { store } = await openStore(t, dir)
  assert.equal(await store.has(blob.blobId), true)
  assert.deepEqual(new Uint8Array(await buffer(await store.openRead(blob.blobId))), blob.bytes)
})

test('reopening after a crash re-checks a demotion that moved the file but did not record', async t => {
  const dir = await tempDir(t)
  const blob = sampleBlob(FOUR_CHUNKS)
  const first = await openStore(t, dir)
  await first.store.importBytes(blob.bytes)
  await first.db.close()
  const partial = join(dir, 'blobs', 'partial', blob.blobId)
  await rename(join(dir, 'blobs', blob.blobId), partial)
  await flipByte(partial, 5)
  const { store } = await openStore(t, dir)
  assert.deepEqual(await store.missingChunks(blob.blobId), [0])
})

test('reopening removes files no record names and imports left unfinished', async t => {
  const dir = await tempDir(t)
  const blob = sampleBlob(1000)
  const first = await openStore(t, dir)
  await first.db.close()
  await writeFile(join(dir, 'blobs', blob.blobId), blob.bytes)
  await writeFile(join(dir, 'blobs', 'partial', sampleBlob(10).blobId), 'x')
  await writeFile(join(dir, 'blobs', 'tmp', 'half-import'), 'x')
  await openStore(t, dir)
  assert.deepEqual(await readdir(join(dir, 'blobs')), ['partial', 'tmp'])
  assert.deepEqual(await readdir(join(dir, 'blobs', 'partial')), [])
  assert.deepEqual(await readdir(join(dir, 'blobs', 'tmp')), [])
})

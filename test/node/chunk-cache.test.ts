import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { buffer } from 'node:stream/consumers'
import { join } from 'node:path'
import { test } from 'node:test'
import { ChunkCache } from '../../node/blobs/chunk-cache.ts'
import { chunkOf, expectBlobError, flipByte, openStore, sampleBlob } from '../helpers/blobs.ts'
import { tempDir } from '../helpers/temp.ts'
import type { TestContext } from 'node:test'
import type { BlobStore } from '../../node/blobs/blob-store.ts'
import type { SampleBlob } from '../helpers/blobs.ts'

const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill)

test('the chunk cache drops the least recently used chunks once over its budget', () => {
  const cache = new ChunkCache(300, 200)
  cache.put('index-a', 0, bytes(100, 1))
  cache.put('index-a', 1, bytes(100, 2))
  assert.deepEqual(cache.get('index-a', 0), bytes(100, 1)) // now the most recently used
  cache.put('index-a', 2, bytes(150, 3))
  assert.equal(cache.get('index-a', 1), undefined, 'the least recently used chunk went first')
  assert.deepEqual(cache.get('index-a', 0), bytes(100, 1))
  assert.deepEqual(cache.get('index-a', 2), bytes(150, 3))
  assert.equal(cache.bytes, 250)
})

test('the chunk cache skips chunks over its entry limit, keys by index and chunk, and keeps a copy', () => {
  const cache = new ChunkCache(1000, 200)
  cache.put('index-a', 0, bytes(201, 1))
  assert.equal(cache.get('index-a', 0), undefined)
  assert.equal(cache.bytes, 0)
  const source = bytes(50, 7)
  cache.put('index-a', 0, source.subarray(0, 10))
  source.fill(9)
  assert.deepEqual(cache.get('index-a', 0), bytes(10, 7), 'a change to the caller\'s buffer does not reach the cache')
  assert.equal(cache.get('index-b', 0), undefined)
  assert.equal(cache.get('index-a', 1), undefined)
  cache.put('index-a', 0, bytes(20, 8))
  assert.equal(cache.bytes, 20, 'a chunk stored again replaces its old bytes')
})

/** A store in `dir` that is fetching a one-chunk blob and has just received its chunk. */
async function chunkJustArrived (t: TestContext): Promise<{ dir: string, store: BlobStore, blob: SampleBlob }> {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(3000)
  await store.begin(blob.blobId, blob.indexBytes, blob.indexId)
  await store.writeChunk(blob.blobId, 0, chunkOf(blob, 0))
  return { dir, store, blob }
}

test('a chunk that just arrived is served from memory, and only while its blob holds it', async t => {
  const { dir, store, blob } = await chunkJustArrived(t)
  const partial = join(dir, 'blobs', 'partial', blob.blobId)
  // Damage on disk after the chunk was checked and stored does not reach a peer from memory.
  await flipByte(partial, 10)
  assert.deepEqual(await store.readChunk(blob.blobId, 0), chunkOf(blob, 0))
  await store.remove(blob.blobId)
  await expectBlobError(store.readChunk(blob.blobId, 0), 'ERR_UNKNOWN_BLOB')
})

test('a chunk read from disk is checked before it is kept, and a damaged one is never served', async t => {
  const dir = await tempDir(t)
  const { store } = await openStore(t, dir)
  const blob = sampleBlob(3000)
  await store.importBytes(blob.bytes)
  await flipByte(join(dir, 'blobs', blob.blobId), 10)
  await expectBlobError(store.readChunk(blob.blobId, 0), 'ERR_CHUNK_CORRUPT')
  // The damaged chunk is missing again; fetched anew, it is served from what arrived.
  assert.deepEqual(await store.missingChunks(blob.blobId), [0])
  await store.writeChunk(blob.blobId, 0, chunkOf(blob, 0))
  await rm(join(dir, 'blobs', 'partial', blob.blobId))
  assert.deepEqual(await store.readChunk(blob.blobId, 0), chunkOf(blob, 0))
})

test('a small blob that just arrived is read back from the chunks that arrived, whole-checked all the same', async t => {
  const { dir, store, blob } = await chunkJustArrived(t)
  await store.finish(blob.blobId)
  // Gone from disk: whatever reads it now was served from memory.
  await rm(join(dir, 'blobs', blob.blobId))
  assert.deepEqual(new Uint8Array(await buffer(await store.openRead(blob.blobId))), blob.bytes)
  // An imported blob was never fetched chunk by chunk: it is read from its file.
  const imported = sampleBlob(2000)
  await store.importBytes(imported.bytes)
  await rm(join(dir, 'blobs', imported.blobId))
  await expectBlobError(store.openRead(imported.blobId), 'ERR_NOT_HELD')
})

import assert from 'node:assert/strict'
import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { chunkRange } from '../../protocol/chunk-index.ts'
import { awaitBlobGossip, connectAll, readBlob, startBlobNode } from '../helpers/blob-mesh.ts'
import { flipByte, sampleBlob } from '../helpers/blobs.ts'
import { pollUntil } from '../helpers/poll.ts'
import { exchangeView } from '../../node/blobs/store-adapter.ts'
import type { TestContext } from 'node:test'
import type { BlobStore } from '../../node/blobs/blob-store.ts'
import type { ServiceStore } from '../../node/blobs/blob-service.ts'
import type { TestBlobNode } from '../helpers/blob-mesh.ts'
import type { SampleBlob } from '../helpers/blobs.ts'

const KiB = 1024
const MiB = 1024 * KiB
/** Every fetch is bounded, so a hang fails the test instead of the run. */
const DEADLINE_MS = 30_000

/** Bytes of the given chunks of a blob (the last chunk may be short). */
function bytesOf (blob: SampleBlob, chunks: number[]): number {
  return chunks.reduce((sum, n) => sum + chunkRange(blob.index, n).length, 0)
}

async function fetch (node: TestBlobNode, blob: SampleBlob): Promise<number> {
  const result = await node.blobs.fetch(blob.blobId, blob.indexId, { signal: AbortSignal.timeout(DEADLINE_MS) })
  return result.bytesSameSite + result.bytesOtherSites
}

async function held (node: TestBlobNode, blob: SampleBlob): Promise<number> {
  return (await node.store.status(blob.blobId))?.held ?? 0
}

/** A store view that stores its first `first` chunks, then holds every further write until `open()`: a node on a slow link. */
function heldBack (first: number): { view: (store: BlobStore) => ServiceStore, open: () => void } {
  const gate = Promise.withResolvers<void>()
  let passed = 0
  const view = (store: BlobStore): ServiceStore => {
    const plain = exchangeView(store)
    return {
      ...plain,
      writeChunk: async (blobId, n, bytes) => {
        if (passed++ >= first) await gate.promise
        await plain.writeChunk(blobId, n, bytes)
      }
    }
  }
  return { view, open: () => { gate.resolve() } }
}

test('every node completes after the seed leaves, once one full copy exists elsewhere', async (t) => {
  const blob = sampleBlob(4 * MiB, 2)
  const chunks = Math.ceil(blob.index.size / blob.index.chunkSize)
  const seed = await startBlobNode(t, { site: 'hq' })
  const fast = await startBlobNode(t, { site: 'hq' })
  // The others are still mid-way when the seed goes, however fast the machine.
  const slowLinks = [1, 2, 3].map(() => heldBack(2))
  const slow = await Promise.all(slowLinks.map(async link => await startBlobNode(t, { site: 'hq', storeView: link.view })))
  await connectAll([seed, fast, ...slow])
  await awaitBlobGossip([seed, fast, ...slow])
  await seed.store.importBytes(blob.bytes)

  const fetches = [fast, ...slow].map(async node => await fetch(node, blob))
  await pollUntil(async () => await fast.store.has(blob.blobId) ? true : undefined, 'one full copy besides the seed', DEADLINE_MS)
  await seed.stop()
  const heldAtStop = await Promise.all(slow.map(async node => await held(node, blob)))
  for (const link of slowLinks) link.open()
  assert.ok(heldAtStop.every(n => n < chunks), 'the others still needed chunks when the seed left')

  await Promise.all(fetches)
  for (const node of [fast, ...slow]) assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes), `${node.id} holds the exact bytes`)
  const fromSeed = seed.blobs.uploads.bytesSameSite
  const fromOthers = [fast, ...slow].reduce((sum, node) => sum + node.blobs.uploads.bytesSameSite, 0)
  t.diagnostic(`chunks held by the other nodes when the seed stopped: ${heldAtStop.join(', ')} of ${chunks}; bytes served by the seed ${fromSeed}, by the others ${fromOthers} (F = ${blob.bytes.byteLength})`)
  assert.ok(fromSeed < 4 * blob.bytes.byteLength, 'part of the copies came from peers other than the seed')
})

test('a node stopped mid-download resumes without fetching its verified chunks again', async (t) => {
  // Not a multiple of the chunk size: the last chunk is short.
  const blob = sampleBlob(4 * MiB + 100 * KiB, 3)
  const seed = await startBlobNode(t, { site: 'hq' })
  await seed.store.importBytes(blob.bytes)
  const first = await startBlobNode(t, { site: 'hq', downloadBytesPerSecond: 512 * KiB })
  await connectAll([seed, first])
  await awaitBlobGossip([seed, first])
  const interrupted = first.blobs.fetch(blob.blobId, blob.indexId).then(() => 'completed', () => 'stopped')
  await pollUntil(async () => await held(first, blob) >= 4 ? true : undefined, 'some chunks held before the stop', DEADLINE_MS)
  await first.stop()
  assert.equal(await interrupted, 'stopped')

  const again = await startBlobNode(t, { site: 'hq', dataDir: first.dataDir })
  await connectAll([seed, again])
  await awaitBlobGossip([seed, again])
  const status = await again.store.status(blob.blobId)
  assert.ok(status != null && !status.complete, 'the restarted node has a partial blob')
  const missing = await again.store.missingChunks(blob.blobId)
  const expected = blob.bytes.byteLength - bytesOf(blob, [...Array(status.chunkCount).keys()].filter(n => !missing.includes(n)))
  const servedBefore = seed.blobs.uploads.bytesSameSite

  const received = await fetch(again, blob)
  const served = seed.blobs.uploads.bytesSameSite - servedBefore
  t.diagnostic(`held at the stop: ${status.held} of ${status.chunkCount} chunks (chunk size ${status.chunkSize}); second run received ${received} bytes, the seed served ${served}; expected size − held = ${expected}`)
  assert.equal(received, expected, 'the second run received exactly the chunks not held')
  assert.equal(served, expected, 'nothing held was sent again')
  assert.ok((await readBlob(again, blob.blobId)).equals(blob.bytes))
})

/** A seed and a node that has fetched the whole blob from it. */
async function completedPair (t: TestContext, blob: SampleBlob): Promise<{ seed: TestBlobNode, node: TestBlobNode, file: string }> {
  const seed = await startBlobNode(t, { site: 'hq' })
  await seed.store.importBytes(blob.bytes)
  const node = await startBlobNode(t, { site: 'hq' })
  await connectAll([seed, node])
  await awaitBlobGossip([seed, node])
  await fetch(node, blob)
  assert.ok(await node.store.has(blob.blobId))
  return { seed, node, file: join(node.dataDir, 'blobs', blob.blobId) }
}

/** Fetches a damaged blob again; returns bytes received by the node and bytes the seed served. */
async function refetch (seed: TestBlobNode, node: TestBlobNode, blob: SampleBlob): Promise<{ received: number, served: number }> {
  const servedBefore = seed.blobs.uploads.bytesSameSite
  const received = await fetch(node, blob)
  const served = seed.blobs.uploads.bytesSameSite - servedBefore
  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes), 'the repaired blob holds the exact bytes')
  return { received, served }
}

test('a chunk flipped on disk is found by verify and only that chunk is fetched again', async (t) => {
  const blob = sampleBlob(2 * MiB + 12_345, 4)
  const { seed, node, file } = await completedPair(t, blob)
  const damaged = 5
  await flipByte(file, chunkRange(blob.index, damaged).offset + 1_000)

  assert.deepEqual((await node.store.verify(blob.blobId)).corrupt, [damaged])
  assert.equal(await node.store.has(blob.blobId), false)
  const { received, served } = await refetch(seed, node, blob)
  t.diagnostic(`re-fetched after a flipped byte: received ${received} bytes, the seed served ${served}; chunk ${damaged} is ${bytesOf(blob, [damaged])} bytes of ${blob.bytes.byteLength}`)
  assert.equal(received, bytesOf(blob, [damaged]))
  assert.equal(served, bytesOf(blob, [damaged]))
})

test('a file cut short on disk is found by verify and only the cut chunks are fetched again', async (t) => {
  const blob = sampleBlob(2 * MiB + 12_345, 5)
  const { seed, node, file } = await completedPair(t, blob)
  const last = Math.ceil(blob.index.size / blob.index.chunkSize) - 1
  await truncate(file, chunkRange(blob.index, last - 1).offset + 1_000)

  assert.deepEqual((await node.store.verify(blob.blobId)).corrupt, [last - 1, last])
  const { received, served } = await refetch(seed, node, blob)
  t.diagnostic(`re-fetched after truncation: received ${received} bytes, the seed served ${served}; chunks ${last - 1}–${last} are ${bytesOf(blob, [last - 1, last])} bytes of ${blob.bytes.byteLength}`)
  assert.equal(received, bytesOf(blob, [last - 1, last]))
  assert.equal(served, bytesOf(blob, [last - 1, last]))
})

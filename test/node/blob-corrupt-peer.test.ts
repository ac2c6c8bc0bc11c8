import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_REQUESTS_PER_PEER } from '../../node/blobs/blob-download.ts'
import { exchangeView } from '../../node/blobs/store-adapter.ts'
import { awaitBlobGossip, connectAll, readBlob, startBlobNode } from '../helpers/blob-mesh.ts'
import { sampleBlob } from '../helpers/blobs.ts'
import { pollUntil } from '../helpers/poll.ts'
import type { TestContext } from 'node:test'
import type { BlobStore } from '../../node/blobs/blob-store.ts'
import type { ServiceStore } from '../../node/blobs/blob-service.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { TestBlobNode } from '../helpers/blob-mesh.ts'

const MiB = 1024 * 1024
const DEADLINE_MS = 30_000

/** A store view that serves every chunk with one bit flipped (its index and have-map are honest); counts the chunks it served. */
function lyingView (): { view: (store: BlobStore) => ServiceStore, served: () => number } {
  let served = 0
  const view = (store: BlobStore): ServiceStore => {
    const honest = exchangeView(store)
    return {
      ...honest,
      readChunk: async (blobId, n) => {
        const bytes = await honest.readChunk(blobId, n)
        if (bytes === undefined) return undefined
        served++
        const bad = bytes.slice()
        bad[bad.byteLength >> 1] = (bad[bad.byteLength >> 1] ?? 0) ^ 0x01
        return bad
      }
    }
  }
  return { view, served: () => served }
}

/** A store view whose chunks are held back until open() (its index and have-map answer at once): an honest peer that is slower than the liar. */
function gatedView (): { view: (store: BlobStore) => ServiceStore, open: () => void } {
  const gate = Promise.withResolvers<void>()
  const view = (store: BlobStore): ServiceStore => {
    const honest = exchangeView(store)
    return { ...honest, readChunk: async (blobId, n) => { await gate.promise; return await honest.readChunk(blobId, n) } }
  }
  return { view, open: () => { gate.resolve() } }
}

async function corruptChunks (node: TestBlobNode, blobId: BlobId): Promise<number> {
  return (await node.blobs.report([blobId]))[0]?.received?.corruptChunks ?? 0
}

/** A liar, an honest peer whose chunks wait until the liar has been caught, and a node connected to both. */
async function startPeers (t: TestContext): Promise<{ liar: TestBlobNode, honest: TestBlobNode, node: TestBlobNode, lies: () => number, catchLiar: (blobId: BlobId) => Promise<void> }> {
  const lying = lyingView()
  const gated = gatedView()
  const liar = await startBlobNode(t, { site: 'hq', storeView: lying.view })
  const honest = await startBlobNode(t, { site: 'hq', storeView: gated.view })
  const node = await startBlobNode(t, { site: 'hq' })
  await connectAll([liar, honest, node])
  await awaitBlobGossip([liar, honest, node])
  const catchLiar = async (blobId: BlobId): Promise<void> => {
    // The node cannot complete before the gate opens, so it surely asks the liar first.
    await pollUntil(async () => await corruptChunks(node, blobId) > 0 ? true : undefined, 'a corrupt chunk detected', DEADLINE_MS)
    gated.open()
  }
  return { liar, honest, node, lies: lying.served, catchLiar }
}

test('a peer serving corrupt chunks is dropped and the download completes with the exact bytes from an honest peer', async (t) => {
  const blob = sampleBlob(2 * MiB, 11)
  const { liar, honest, node, lies, catchLiar } = await startPeers(t)
  for (const holder of [liar, honest]) await holder.store.importBytes(blob.bytes)

  const fetching = node.blobs.fetch(blob.blobId, blob.indexId, { signal: AbortSignal.timeout(DEADLINE_MS) })
  await catchLiar(blob.blobId)
  const result = await fetching
  t.diagnostic(`corrupt chunks refused: ${result.corruptChunks}; chunks the liar served: ${lies()}; bytes the honest peer served: ${honest.blobs.uploads.bytesSameSite} of ${blob.bytes.byteLength}`)
  assert.ok(result.corruptChunks > 0)
  // Requests already in flight may still be answered; once its first corrupt chunk is found it is asked nothing more.
  assert.ok(lies() <= DEFAULT_REQUESTS_PER_PEER, `the liar served ${lies()} chunks; at most the ${DEFAULT_REQUESTS_PER_PEER} in flight when it was dropped`)
  assert.equal(honest.blobs.uploads.bytesSameSite, blob.bytes.byteLength, 'the honest peer served every chunk, once')
  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
})

test('a peer that served corrupt chunks is left out of the next blob too', async (t) => {
  const first = sampleBlob(1 * MiB, 12)
  const second = sampleBlob(1 * MiB, 13)
  const { liar, honest, node, lies, catchLiar } = await startPeers(t)
  for (const holder of [liar, honest]) await holder.store.importBytes(first.bytes)
  const fetching = node.blobs.fetch(first.blobId, first.indexId, { signal: AbortSignal.timeout(DEADLINE_MS) })
  await catchLiar(first.blobId)
  await fetching

  for (const holder of [liar, honest]) await holder.store.importBytes(second.bytes)
  const liesBefore = lies()
  const result = await node.blobs.fetch(second.blobId, second.indexId, { signal: AbortSignal.timeout(DEADLINE_MS) })
  t.diagnostic(`second blob: chunks the liar served ${lies() - liesBefore}, corrupt chunks ${result.corruptChunks}`)
  assert.equal(lies(), liesBefore, 'the penalised peer was not asked for the second blob')
  assert.equal(result.corruptChunks, 0)
  assert.ok((await readBlob(node, second.blobId)).equals(second.bytes))
})

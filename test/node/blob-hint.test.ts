import assert from 'node:assert/strict'
import { test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { asksFirstChunkAlong } from '../../node/blobs/chunk-picker.ts'
import { BLOB_PROTOCOL } from '../../node/blobs/blob-server.ts'
import { awaitBlobGossip, connectAll, readBlob, startBlobNode } from '../helpers/blob-mesh.ts'
import { sampleBlob } from '../helpers/blobs.ts'
import type { TestContext } from 'node:test'
import type { MeshTopic } from '../../node/mesh/mesh.ts'
import type { BlobNodeOptions, TestBlobNode } from '../helpers/blob-mesh.ts'
import type { SampleBlob } from '../helpers/blobs.ts'

const DEADLINE_MS = 30_000

/** Records the topics a node gossips on from now on. */
function publishedTopics (node: TestBlobNode): MeshTopic[] {
  const topics: MeshTopic[] = []
  const publish = node.mesh.publish.bind(node.mesh)
  node.mesh.publish = async (topic, bytes) => {
    topics.push(topic)
    await publish(topic, bytes)
  }
  return topics
}

/** A holder of the blob, a peer without it, and the node under test (in `site`), all connected; and what the node gossips. */
async function threeNodes (t: TestContext, blob: SampleBlob, site: string, nodeOptions: Omit<BlobNodeOptions, 'site'> = {}, holderOptions: Omit<BlobNodeOptions, 'site'> = {}): Promise<{ holder: TestBlobNode, other: TestBlobNode, node: TestBlobNode, topics: MeshTopic[] }> {
  const holder = await startBlobNode(t, { ...holderOptions, site: 'hq' })
  const other = await startBlobNode(t, { site: 'hq' })
  const node = await startBlobNode(t, { ...nodeOptions, site })
  await connectAll([holder, other, node])
  await awaitBlobGossip([holder, other, node])
  await holder.store.importBytes(blob.bytes)
  return { holder, other, node, topics: publishedTopics(node) }
}

test('a download hinted at a holder takes the blob from it and says nothing to the mesh', async (t) => {
  const blob = sampleBlob(300_000, 31)
  const { holder, node, topics } = await threeNodes(t, blob, 'branch')

  const result = await node.blobs.fetch(blob.blobId, blob.indexId, { holder: holder.id, signal: AbortSignal.timeout(DEADLINE_MS) })

  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
  assert.equal(result.bytesOtherSites, blob.bytes.byteLength, 'the hinted holder sits in another site: its bytes count as WAN bytes')
  assert.deepEqual(topics, [], 'neither a want nor the finished copy was gossiped')
  assert.equal(holder.blobs.uploads.bytesOtherSites, blob.bytes.byteLength)
})

/**
 * The node under test is hinted at the other peer, which does not serve the blob (`prepare` sets up
 * what it holds instead): the download must ask the mesh at once — it would say again that it wants
 * the blob only after 10 minutes — and take the blob from the holder.
 */
async function assertHintFailsOverAtOnce (t: TestContext, seed: number, prepare: (other: TestBlobNode, blob: SampleBlob) => Promise<void>): Promise<void> {
  const blob = sampleBlob(300_000, seed)
  const { other, node, topics } = await threeNodes(t, blob, 'hq', { readvertiseIdleMs: 10 * 60_000 })
  await prepare(other, blob)

  const result = await node.blobs.fetch(blob.blobId, blob.indexId, { holder: other.id, signal: AbortSignal.timeout(DEADLINE_MS) })

  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
  assert.equal(result.bytesSameSite, blob.bytes.byteLength)
  assert.ok(topics.includes('blobs'), `the node said to the mesh that it wants the blob (gossiped on: ${topics.join(', ')})`)
  assert.equal(other.blobs.uploads.chunks, 0)
}

test('a hint at a peer without the blob makes the download ask the mesh at once, and a holder that answers serves it', async (t) => {
  await assertHintFailsOverAtOnce(t, 32, async () => {})
})

test('a hint that serves the chunk index but lacks the chunks (it is still fetching the blob) makes the download ask the mesh at once', async (t) => {
  await assertHintFailsOverAtOnce(t, 35, async (fetching, blob) => { await fetching.store.begin(blob.blobId, blob.indexBytes, blob.indexId) })
})

test('a hint that is busy is asked again once a slot frees, and the download says nothing to the mesh meanwhile', async (t) => {
  const blob = sampleBlob(300_000, 36)
  const { holder, other, node, topics } = await threeNodes(t, blob, 'hq', { readvertiseIdleMs: 10 * 60_000 }, { uploadSlots: 1 })
  // The other peer takes the holder's only upload slot for a moment, as a crowd of peers told by the same holder does.
  const slot = await other.mesh.libp2p?.dialProtocol(peerIdFromString(holder.id), BLOB_PROTOCOL)
  assert.ok(slot != null)
  setTimeout(() => { void slot.close() }, 1_500)

  const result = await node.blobs.fetch(blob.blobId, blob.indexId, { holder: holder.id, signal: AbortSignal.timeout(DEADLINE_MS) })

  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
  assert.equal(result.bytesSameSite + result.bytesOtherSites, blob.bytes.byteLength)
  assert.ok(holder.blobs.uploads.busyAnswers > 0, 'the hint turned the download away at first')
  assert.ok(holder.blobs.uploads.chunks > 0, 'and served it then')
  assert.deepEqual(topics, [], 'neither a want nor the finished copy was gossiped')
})

test('a hint at this node itself, or at a peer that is not there, still ends with the blob from a holder', async (t) => {
  const blob = sampleBlob(200_000, 33)
  const holder = await startBlobNode(t, { site: 'hq' })
  const node = await startBlobNode(t, { site: 'hq' })
  const gone = await startBlobNode(t, { site: 'hq' })
  const goneId = gone.id
  await gone.stop()
  await connectAll([holder, node])
  await awaitBlobGossip([holder, node])
  await holder.store.importBytes(blob.bytes)

  await node.blobs.fetch(blob.blobId, blob.indexId, { holder: goneId, signal: AbortSignal.timeout(DEADLINE_MS) })
  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))

  const second = sampleBlob(100_000, 34)
  await holder.store.importBytes(second.bytes)
  await node.blobs.fetch(second.blobId, second.indexId, { holder: node.id, signal: AbortSignal.timeout(DEADLINE_MS) })
  assert.ok((await readBlob(node, second.blobId)).equals(second.bytes))
})

/**
 * Holds the node's store from beginning the blob until the holder was asked for a chunk (or the
 * wait timed out), and returns whether it was: a chunk asked for before the index was even stored
 * went out together with the index request.
 */
async function chunkAskedBeforeIndexStored (t: TestContext, blob: SampleBlob, size: number, waitMs: number): Promise<boolean> {
  const { holder, node } = await threeNodes(t, blob, 'branch')
  const chunkAsked = Promise.withResolvers<true>()
  const readChunk = holder.store.readChunk.bind(holder.store)
  holder.store.readChunk = async (...args) => {
    chunkAsked.resolve(true)
    return await readChunk(...args)
  }
  let askedFirst: boolean | undefined
  const begin = node.store.begin.bind(node.store)
  node.store.begin = async (...args) => {
    askedFirst ??= await Promise.race([chunkAsked.promise, new Promise<false>(resolve => { setTimeout(() => { resolve(false) }, waitMs) })])
    return await begin(...args)
  }

  await node.blobs.fetch(blob.blobId, blob.indexId, { holder: holder.id, size, signal: AbortSignal.timeout(DEADLINE_MS) })

  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
  return askedFirst === true
}

test('a small blob\'s first chunk is asked of the hint together with the chunk index, one round trip earlier', async (t) => {
  const blob = sampleBlob(300_000, 37)
  // Without the chunk going out with the index, the store would wait here until the test's deadline.
  assert.equal(await chunkAskedBeforeIndexStored(t, blob, blob.bytes.byteLength, DEADLINE_MS / 2), true)
})

test('a large blob from a hint in another site is asked for no chunk before its index says how it is cut', async (t) => {
  const blob = sampleBlob(2_200_000, 38)
  assert.equal(await chunkAskedBeforeIndexStored(t, blob, blob.bytes.byteLength, 1_000), false)
})

test('the first chunk goes with the index from a site-mate, or for a blob of a few chunks, never for an empty one', () => {
  assert.equal(asksFirstChunkAlong(undefined, 'hq', 'hq'), true)
  assert.equal(asksFirstChunkAlong(50_000_000, 'hq', 'hq'), true)
  assert.equal(asksFirstChunkAlong(undefined, 'hq', 'branch'), false)
  assert.equal(asksFirstChunkAlong(1_000, 'hq', 'branch'), true)
  assert.equal(asksFirstChunkAlong(4 * 256 * 1024 + 1, 'hq', 'branch'), false)
  assert.equal(asksFirstChunkAlong(0, 'hq', 'hq'), false)
})

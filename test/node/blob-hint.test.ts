import assert from 'node:assert/strict'
import { test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
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

test('a hint at a peer without the blob makes the download ask the mesh at once, and a holder that answers serves it', async (t) => {
  const blob = sampleBlob(300_000, 32)
  // A download that heard nothing would say again that it wants the blob only after this long: the word must go out without it.
  const { other: empty, node, topics } = await threeNodes(t, blob, 'hq', { readvertiseIdleMs: 10 * 60_000 })

  const result = await node.blobs.fetch(blob.blobId, blob.indexId, { holder: empty.id, signal: AbortSignal.timeout(DEADLINE_MS) })

  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
  assert.equal(result.bytesSameSite, blob.bytes.byteLength)
  assert.ok(topics.includes('blobs'), `the node said to the mesh that it wants the blob (gossiped on: ${topics.join(', ')})`)
  assert.equal(empty.blobs.uploads.chunks, 0)
})

test('a hint that serves the chunk index but lacks the chunks (it is still fetching the blob) makes the download ask the mesh at once', async (t) => {
  const blob = sampleBlob(300_000, 35)
  const { other: fetching, node, topics } = await threeNodes(t, blob, 'hq', { readvertiseIdleMs: 10 * 60_000 })
  await fetching.store.begin(blob.blobId, blob.indexBytes, blob.indexId)

  const result = await node.blobs.fetch(blob.blobId, blob.indexId, { holder: fetching.id, signal: AbortSignal.timeout(DEADLINE_MS) })

  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
  assert.equal(result.bytesSameSite, blob.bytes.byteLength)
  assert.ok(topics.includes('blobs'), `the node said to the mesh that it wants the blob (gossiped on: ${topics.join(', ')})`)
  assert.equal(fetching.blobs.uploads.chunks, 0)
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

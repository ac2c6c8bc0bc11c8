import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { BLOB_PROTOCOL } from '../../node/blobs/blob-server.ts'
import { decodeBlobHave, encodeBlobHave } from '../../protocol/blob-have.ts'
import { parseBlobId } from '../../protocol/blob-id.ts'
import { decodeBlobRequest } from '../../protocol/blob-messages.ts'
import { fullHaveMap } from '../../protocol/have-map.ts'
import { awaitBlobGossip, connectAll, readBlob, startBlobNode } from '../helpers/blob-mesh.ts'
import { sampleBlob } from '../helpers/blobs.ts'
import { startMeshNode } from '../helpers/mesh.ts'
import { pollUntil } from '../helpers/poll.ts'
import type { TestContext } from 'node:test'
import type { BlobServiceInit } from '../../node/blobs/blob-service.ts'
import type { BlobRequestKind } from '../../protocol/blob-messages.ts'
import type { TestBlobNode } from '../helpers/blob-mesh.ts'
import type { SampleBlob } from '../helpers/blobs.ts'
import type { TestMeshNode } from '../helpers/mesh.ts'

const MiB = 1024 * 1024
const DEADLINE_MS = 30_000

interface StalledPeer {
  node: TestMeshNode
  /** Requests it has read, by kind. */
  requests: Record<BlobRequestKind, number>
  /** From now on, claims to hold the whole blob, now and whenever it hears a node want it. */
  claim: () => void
}

/**
 * A plain mesh node (no BlobService) that accepts /patchmesh/blob/1.0.0 streams, reads every
 * request and never answers: a peer that hangs, or sits behind a link that went dead.
 */
async function startStalledPeer (t: TestContext, blob: SampleBlob, site: string): Promise<StalledPeer> {
  const node = await startMeshNode(t)
  const libp2p = node.mesh.libp2p
  assert.ok(libp2p != null)
  const requests: Record<BlobRequestKind, number> = { index: 0, chunk: 0, have: 0 }
  await libp2p.handle(BLOB_PROTOCOL, stream => {
    const lp = lpStream(stream)
    void (async () => {
      try {
        while (true) requests[decodeBlobRequest((await lp.read()).subarray()).kind]++
      } catch {} // the client gave up on us, or the node stopped
    })()
  }, { maxInboundStreams: 4, maxOutboundStreams: 4 })

  const chunkCount = Math.ceil(blob.index.size / blob.index.chunkSize)
  const have = encodeBlobHave({ digest: parseBlobId(blob.blobId), chunkCount, complete: true, wants: false, site, haveMap: fullHaveMap(chunkCount) })
  let claiming = false
  const advertise = (): void => { if (claiming) void node.mesh.publish('blobs', have) }
  node.mesh.join('blobs', async bytes => {
    try {
      const heard = decodeBlobHave(bytes)
      if (heard.wants && !heard.complete) advertise()
      return TopicValidatorResult.Accept
    } catch {
      return TopicValidatorResult.Reject
    }
  })
  return { node, requests, claim: () => { claiming = true; advertise() } }
}

/** A seed (holding nothing yet), a downloader, and a stalled peer, all connected, gossip flowing. */
async function startPeers (t: TestContext, blob: SampleBlob, init: BlobServiceInit = {}): Promise<{ seed: TestBlobNode, node: TestBlobNode, stalled: StalledPeer }> {
  const seed = await startBlobNode(t, { site: 'hq' })
  const node = await startBlobNode(t, { site: 'hq', ...init })
  await connectAll([seed, node])
  const stalled = await startStalledPeer(t, blob, 'hq')
  await node.mesh.libp2p?.dial(stalled.node.mesh.addresses.map(address => multiaddr(address)))
  await awaitBlobGossip([seed, node], [stalled.node, node])
  return { seed, node, stalled }
}

test('a holder that never answers chunk requests does not stop a download: it completes from the other holder', async (t) => {
  const blob = sampleBlob(2 * MiB, 21)
  // Slow enough that the stalled peer is heard of mid-way.
  const { seed, node, stalled } = await startPeers(t, blob, { downloadBytesPerSecond: MiB })
  await seed.store.importBytes(blob.bytes)

  const fetching = node.blobs.fetch(blob.blobId, blob.indexId, { signal: AbortSignal.timeout(DEADLINE_MS) })
  await pollUntil(async () => ((await node.store.status(blob.blobId))?.held ?? 0) >= 1 ? true : undefined, 'the first chunk', DEADLINE_MS)
  stalled.claim()
  await pollUntil(() => stalled.requests.chunk > 0 ? true : undefined, 'chunk requests to the stalled peer', DEADLINE_MS)

  const result = await fetching
  t.diagnostic(`requests the stalled peer swallowed: ${stalled.requests.chunk} chunk, ${stalled.requests.index} index; the seed served ${seed.blobs.uploads.bytesSameSite} bytes of ${blob.bytes.byteLength}`)
  assert.equal(result.bytesSameSite, blob.bytes.byteLength)
  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
})

// Costs one request deadline (DEFAULT_BLOB_REQUEST_TIMEOUT_MS, 10 s): the stalled peer is the only holder when the index is asked for.
test('a holder that stalls on the chunk index is asked for it once, and the index comes from another holder', async (t) => {
  const blob = sampleBlob(1 * MiB, 22)
  const { seed, node, stalled } = await startPeers(t, blob)
  stalled.claim()
  const fetching = node.blobs.fetch(blob.blobId, blob.indexId, { signal: AbortSignal.timeout(DEADLINE_MS) })
  await pollUntil(() => stalled.requests.index > 0 ? true : undefined, 'the index request to the stalled peer', DEADLINE_MS)
  await seed.store.importBytes(blob.bytes)

  await fetching
  t.diagnostic(`index requests the stalled peer swallowed: ${stalled.requests.index}`)
  assert.equal(stalled.requests.index, 1, 'the stalled peer cooled down instead of being asked first again')
  assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes))
})

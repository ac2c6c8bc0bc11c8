import assert from 'node:assert/strict'
import { test } from 'node:test'
import { awaitBlobGossip, connectAll, readBlob, startBlobNode } from '../helpers/blob-mesh.ts'
import { sampleBlob } from '../helpers/blobs.ts'
import type { TestContext } from 'node:test'
import type { DownloadProgress } from '../../node/blobs/blob-download.ts'
import type { BlobServiceInit } from '../../node/blobs/blob-service.ts'
import type { TestBlobNode } from '../helpers/blob-mesh.ts'
import type { SampleBlob } from '../helpers/blobs.ts'

const MiB = 1024 * 1024
const DEADLINE_MS = 45_000
/** Short waits so the tests run in seconds; the defaults suit real WAN links. */
const FAST: BlobServiceInit = { lanWaitMs: 3_000 }

interface TwoSites {
  seed: TestBlobNode
  hq: TestBlobNode[]
  branch: TestBlobNode[]
}

/**
 * A seed and two more nodes at head office, three in a branch; each site is one LAN. The branch
 * reaches head office only through the seed, or with `everyone`, every head-office node.
 */
async function startTwoSites (t: TestContext, init: BlobServiceInit, reach: 'seed' | 'everyone' = 'seed'): Promise<TwoSites> {
  const seed = await startBlobNode(t, { site: 'hq', ...init })
  const hq = await Promise.all([1, 2].map(async () => await startBlobNode(t, { site: 'hq', ...init })))
  const branch = await Promise.all([1, 2, 3].map(async () => await startBlobNode(t, { site: 'branch', ...init })))
  await connectAll([seed, ...hq])
  await connectAll(branch)
  const gateways = reach === 'seed' ? [seed] : [seed, ...hq]
  for (const node of branch) await connectAll([...gateways, node])
  await awaitBlobGossip([seed, ...hq], branch, ...branch.map(node => [...gateways, node]))
  return { seed, hq, branch }
}

/** Fetches the blobs on every node but the seed, all at once; checks the bytes; returns the bytes each blob pulled into the branch from outside. */
async function distribute (sites: TwoSites, blobs: SampleBlob[]): Promise<number[]> {
  const nodes = [...sites.hq, ...sites.branch]
  const results = await Promise.all(blobs.map(async blob => await Promise.all(nodes.map(async node =>
    await node.blobs.fetch(blob.blobId, blob.indexId, { signal: AbortSignal.timeout(DEADLINE_MS) })))))
  for (const blob of blobs) {
    for (const node of nodes) assert.ok((await readBlob(node, blob.blobId)).equals(blob.bytes), `${node.id} (${node.site}) holds the exact bytes`)
  }
  return results.map(perNode => perNode.slice(sites.hq.length).reduce((sum: number, r: DownloadProgress) => sum + r.bytesOtherSites, 0))
}

test('two blobs distributed at once each cross into the branch about once', async (t) => {
  const sites = await startTwoSites(t, FAST)
  const blobs = [sampleBlob(4 * MiB, 31), sampleBlob(3 * MiB + 777, 32)]
  for (const blob of blobs) await sites.seed.store.importBytes(blob.bytes)

  const intoBranch = await distribute(sites, blobs)
  for (const [i, blob] of blobs.entries()) {
    const copies = intoBranch[i] as number / blob.bytes.byteLength
    t.diagnostic(`blob ${i + 1} (${blob.bytes.byteLength} bytes): ${intoBranch[i]} bytes into the branch from other sites = ${copies.toFixed(2)} × F`)
    assert.ok(copies >= 1, 'the branch received at least one copy from outside')
    assert.ok(copies <= 1.25, `the branch pulled ${copies.toFixed(2)} copies across sites; expected about one`)
  }
})

test('with one upload slot per node, busy holders are failed over and every node completes', async (t) => {
  // Several holders to fail over to on each side: a busy holder is left alone for DEFAULT_PEER_COOLDOWN_MS.
  const sites = await startTwoSites(t, { ...FAST, uploadSlots: 1 }, 'everyone')
  const blob = sampleBlob(2 * MiB, 33)
  await sites.seed.store.importBytes(blob.bytes)

  const [intoBranch = 0] = await distribute(sites, [blob])
  const all = [sites.seed, ...sites.hq, ...sites.branch]
  const busy = all.reduce((sum, node) => sum + node.blobs.uploads.busyAnswers, 0)
  t.diagnostic(`busy answers: ${busy} (${all.map(node => node.blobs.uploads.busyAnswers).join(', ')}); bytes into the branch from other sites: ${intoBranch} = ${(intoBranch / blob.bytes.byteLength).toFixed(2)} × F`)
  assert.ok(busy > 0, 'some holder answered busy')
  assert.ok(intoBranch >= blob.bytes.byteLength, 'the branch received at least one copy from outside')
})

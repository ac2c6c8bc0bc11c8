import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { connectAll, startBlobNode } from '../helpers/blob-mesh.ts'
import type { TestBlobNode } from '../helpers/blob-mesh.ts'
import type { DownloadProgress } from '../../node/blobs/blob-download.ts'

const MiB = 1024 * 1024
/** Short waits so the tests run in seconds; the defaults suit real WAN links. */
const FAST = { lanWaitMs: 3_000 }

async function readAll (node: TestBlobNode, blobId: string): Promise<Buffer> {
  const stream = await node.store.openRead(blobId)
  const parts: Buffer[] = []
  for await (const part of stream) parts.push(part as Buffer)
  return Buffer.concat(parts)
}

test('six nodes in two sites all complete a blob from one seed, pulling about one copy into the other site', async (t) => {
  const seed = await startBlobNode(t, { site: 'hq', ...FAST })
  const bootstrap = seed.mesh.addresses
  const hq = await Promise.all([1, 2].map(async () => await startBlobNode(t, { site: 'hq', bootstrap, ...FAST })))
  const branch = await Promise.all([1, 2, 3].map(async () => await startBlobNode(t, { site: 'branch', bootstrap, ...FAST })))
  // Each site is a LAN whose nodes found each other; the sites reach each other through the seed's address.
  await connectAll(hq)
  await connectAll(branch)
  const content = randomBytes(4 * MiB)
  const { blobId, indexId } = await seed.store.importBytes(content)

  const results = await Promise.all([...hq, ...branch].map(async node => await node.blobs.fetch(blobId, indexId, { signal: AbortSignal.timeout(60_000) })))
  for (const node of [...hq, ...branch]) assert.ok((await readAll(node, blobId)).equals(content), `${node.id} holds the exact bytes`)

  const intoBranch = results.slice(hq.length).reduce((sum: number, r: DownloadProgress) => sum + r.bytesOtherSites, 0)
  t.diagnostic(`bytes into the branch from other sites: ${intoBranch} = ${(intoBranch / content.byteLength).toFixed(2)} × F`)
  assert.ok(intoBranch >= content.byteLength, 'the branch received at least one copy from outside')
  assert.ok(intoBranch <= 1.25 * content.byteLength, `the branch pulled ${(intoBranch / content.byteLength).toFixed(2)} copies across sites; expected about one`)
})

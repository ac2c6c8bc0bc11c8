import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeStatusRecord } from '../../protocol/status-record.ts'
import { AdminDocStore } from '../../node/admin-docs/admin-doc-store.ts'
import { BlobUpkeep } from '../../node/blobs/blob-upkeep.ts'
import { liveSiteMembers, siteKeepers } from '../../node/blobs/site-keepers.ts'
import { DEFAULT_STALE_AFTER_MS } from '../../node/fleet/fleet-store.ts'
import { silentLogger } from '../../node/log.ts'
import { sampleManifest, signedManifest, testKeys } from '../helpers/admin-documents.ts'
import { awaitGossip, connectAll, startBlobNode } from '../helpers/blob-mesh.ts'
import { sampleBlob } from '../helpers/blobs.ts'
import { pollUntil } from '../helpers/poll.ts'
import { statusRecord } from '../helpers/status-records.ts'
import type { PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { TestBlobNode } from '../helpers/blob-mesh.ts'
import type { SampleBlob } from '../helpers/blobs.ts'

const MiB = 1024 * 1024
const DAY_MS = 24 * 60 * 60_000
/** Every wait is bounded, so a hang fails the test instead of the run. */
const DEADLINE_MS = 30_000
/** Short waits so the test runs in seconds: no settling (the test waits for the fleet view itself), a look every 200 ms. */
const FAST = { settleMs: 0, intervalMs: 200, jitterMs: 0, debounceMs: 50 }

/** A package for kiosks in the branch: no node of the test is a kiosk, so none pre-stages it, but the branch keeps copies. */
function kioskPackage (blob: SampleBlob): PackageManifest {
  const [patch] = sampleManifest().patches
  return sampleManifest({
    mesh: 'test-mesh',
    target: { sites: ['branch'], tags: ['kiosk'] },
    patches: [{ ...patch as PackageManifest['patches'][number], blob: blob.blobId, index: blob.indexId, size: blob.bytes.byteLength }],
    retracted: []
  })
}

/** Publishes the node's status record, dated `publishedAt`, as its scans would. */
async function publishStatus (node: TestBlobNode, seq: number, publishedAt: number): Promise<void> {
  const record = statusRecord({ key: node.identity.signingKey, id: node.id }, { mesh: 'test-mesh', site: node.site, seq, addresses: [], publishedAt: new Date(publishedAt).toISOString() })
  await node.mesh.publishStatus(encodeStatusRecord(record, node.identity.signingKey))
}

/** Waits until every node's fleet view holds `seq` (or newer) of every node in `of`. */
async function awaitFleet (nodes: TestBlobNode[], of: TestBlobNode[], seq: number): Promise<void> {
  await pollUntil(async () => {
    for (const node of nodes) for (const other of of) if ((await node.fleet.seq(other.id) ?? 0) < seq) return undefined
    return true
  }, `status records of seq ${seq} everywhere`, DEADLINE_MS)
}

/** Whether the node holds any part of the blob (a partial download counts). */
async function touched (node: TestBlobNode, blob: SampleBlob): Promise<boolean> {
  return await node.store.status(blob.blobId) != null
}

test('a site keeps copies at its first two keepers only, and the next member fetches a copy when a keeper goes stale', async (t) => {
  const blob = sampleBlob(2 * MiB, 7)
  const seed = await startBlobNode(t, { site: 'hq' })
  await seed.store.importBytes(blob.bytes)
  const branch = await Promise.all([1, 2, 3, 4].map(async () => await startBlobNode(t, { site: 'branch', bootstrap: seed.mesh.addresses, syncIntervalMs: 500, lanWaitMs: 3_000 })))
  await connectAll(branch)
  await awaitGossip('status', branch)

  // Records four days old against a clock that says they are a minute old: fresh now, stale once the clock moves on.
  const firstPublished = Date.now() - 4 * DAY_MS
  let now = firstPublished + 60_000
  for (const node of branch) await publishStatus(node, 1, firstPublished)
  await awaitFleet(branch, branch, 1)

  const manifest = kioskPackage(blob)
  const document = signedManifest(manifest, testKeys(1).admins)
  for (const node of branch) {
    const admin = new AdminDocStore(node.db)
    await admin.put({ kind: 'package-manifest', name: manifest.name, version: manifest.version, state: 'accepted', signatures: 1 }, { kind: 'package-manifest', document })
    const upkeep = new BlobUpkeep({
      store: node.store,
      exchange: node.blobs,
      admin,
      computer: { site: 'branch', tags: [], os: 'debian' },
      nodeId: node.id,
      fleet: node.fleet,
      logger: silentLogger()
    }, { ...FAST, copiesPerSite: 2, now: () => now })
    await upkeep.start()
    node.onStop(() => { upkeep.stop() })
  }

  const ranking = siteKeepers(blob.blobId, branch.map(node => node.id), branch.length)
  const byId = (id: string | undefined): TestBlobNode => branch.find(node => node.id === id) as TestBlobNode
  const [first, second, third, fourth] = ranking.map(byId) as [TestBlobNode, TestBlobNode, TestBlobNode, TestBlobNode]
  await pollUntil(async () => await first.store.has(blob.blobId) && await second.store.has(blob.blobId) ? true : undefined, 'both keepers complete', DEADLINE_MS)
  assert.equal(await touched(third, blob), false, 'the third-ranked node fetched nothing')
  assert.equal(await touched(fourth, blob), false, 'the fourth-ranked node fetched nothing')

  await first.stop()
  const survivors = [second, third, fourth]
  for (const node of survivors) await publishStatus(node, 2, Date.now())
  await awaitFleet(survivors, survivors, 2)
  // The daily scans went on at the others; the stopped keeper's record is now older than stale-after.
  now = Date.now()
  assert.deepEqual(liveSiteMembers(await third.fleet.list({ now }), third).sort(), survivors.map(node => node.id).sort())
  assert.ok(now - firstPublished > DEFAULT_STALE_AFTER_MS)

  await pollUntil(async () => await third.store.has(blob.blobId) ? true : undefined, 'the next-ranked node completes a copy', DEADLINE_MS)
  assert.equal(await touched(fourth, blob), false, 'the last-ranked node still fetched nothing')
  assert.equal(await second.store.has(blob.blobId), true, 'the remaining keeper still holds its copy')
})

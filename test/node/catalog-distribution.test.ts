import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CatalogDistribution } from '../../node/catalogs/catalog-distribution.ts'
import { silentLogger } from '../../node/log.ts'
import { smallCatalog } from '../helpers/fixtures.ts'
import type { BlobService, FetchOptions } from '../../node/blobs/blob-service.ts'
import type { BlobStore } from '../../node/blobs/blob-store.ts'
import type { CatalogStore } from '../../node/scan/catalog-store.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { CatalogAnnouncement } from '../../protocol/catalog-announcement.ts'

const BYTES = new TextEncoder().encode(smallCatalog(2))
const ANNOUNCEMENT: CatalogAnnouncement = {
  mesh: 'acme', catalog: 'test-catalog', version: 2, published: '2026-11-01T00:00:00Z', blob: 'bafk-catalog' as BlobId, index: 'bafk-index' as BlobId, size: BYTES.byteLength
}

interface Fakes {
  /** What each fetch was asked with. */
  fetches: FetchOptions[]
  /** Resolves the fetch (the blob is held). */
  holdBlob: () => void
  /** Lets the import finish. */
  finishImport: () => void
  imported: () => boolean
  distribution: CatalogDistribution
}

/** A distribution over fakes whose fetch and import wait until the test lets them go on. */
function distributionOverFakes (): Fakes {
  const fetches: FetchOptions[] = []
  const blobHeld = Promise.withResolvers<void>()
  const importDone = Promise.withResolvers<void>()
  let imported = false
  const blobs = {
    fetch: async (_blob: BlobId, _index: string, options: FetchOptions) => {
      fetches.push(options)
      await Promise.race([blobHeld.promise, new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }))])
      return { blobId: ANNOUNCEMENT.blob, chunksHeld: 1, chunkCount: 1, bytesSameSite: BYTES.byteLength, bytesOtherSites: 0, corruptChunks: 0 }
    }
  } as unknown as BlobService
  const store = { openRead: async () => [Buffer.from(BYTES)] } as unknown as BlobStore
  const catalogs = {
    record: async () => ({ id: 'test-catalog', version: 1 }),
    import: async () => {
      await importDone.promise
      imported = true
      return { stored: true }
    }
  } as unknown as CatalogStore
  const distribution = new CatalogDistribution({ blobs, store, catalogs, logger: silentLogger(), rescan: async () => {}, refuse: async () => {} })
  return { fetches, holdBlob: blobHeld.resolve, finishImport: importDone.resolve, imported: () => imported, distribution }
}

test('the announcement can be relayed as soon as the catalog blob is held, before the import and rescan are done', async () => {
  const fakes = distributionOverFakes()
  const taking = fakes.distribution.take(ANNOUNCEMENT, { holder: 'peer-that-relayed-it' })
  let held = false
  const waiting = fakes.distribution.blobHeld('test-catalog', 2, 60_000).then(() => { held = true })
  await new Promise(resolve => setImmediate(resolve))
  assert.equal(held, false, 'not before the blob is held')
  assert.deepEqual(fakes.fetches.map(f => f.holder), ['peer-that-relayed-it'], 'the peer that handed the announcement over is the hinted holder')

  fakes.holdBlob()
  await waiting
  assert.equal(fakes.imported(), false, 'the import is still running')
  fakes.finishImport()
  await taking
  assert.equal(fakes.imported(), true)
})

test('a fetch that hangs holds the relay back no longer than the hold time', async () => {
  const fakes = distributionOverFakes()
  const stop = new AbortController()
  const taking = fakes.distribution.take(ANNOUNCEMENT, { signal: stop.signal })
  const started = performance.now()
  await fakes.distribution.blobHeld('test-catalog', 2, 50)
  const waited = performance.now() - started
  assert.ok(waited >= 45, `waited ${waited.toFixed(0)} ms, the hold time is 50 ms`)
  stop.abort()
  await taking
  assert.equal(fakes.imported(), false)
})

test('an announcement this node is not taking (older, or already held) holds nothing back', async () => {
  const fakes = distributionOverFakes()
  await fakes.distribution.blobHeld('test-catalog', 2, 60_000)
  await fakes.distribution.blobHeld('other-catalog', 9, 60_000)
  assert.deepEqual(fakes.fetches, [])
})

import { join } from 'node:path'
import { AdminDocuments } from '../../node/admin-docs/admin-documents.ts'
import { BlobStore } from '../../node/blobs/blob-store.ts'
import { openDatabase } from '../../node/db/database.ts'
import { silentLogger } from '../../node/log.ts'
import { PackageDrafts } from '../../node/packages/package-drafts.ts'
import { CatalogStore } from '../../node/scan/catalog-store.ts'
import { encodeAdminMessage } from '../../protocol/admin-message.ts'
import { smallCatalog } from './fixtures.ts'
import { testKeys, testMesh } from './admin-documents.ts'
import { tempDir } from './temp.ts'
import type { PatchBlob } from '../../node/packages/package-drafts.ts'
import type { SignedDocument, SigningKey } from '../../protocol/signatures.ts'
import type { TestContext } from 'node:test'

/** Package drafts over a real database, catalog (smallCatalog) and blob store, in mesh "acme" with 3 admins. */
export interface DraftsUnderTest {
  drafts: PackageDrafts
  admin: AdminDocuments
  admins: SigningKey[]
  outsider: SigningKey
  /** A blob the store holds whole, to add as a patch file. */
  blob: PatchBlob
  /** Hands a signed manifest to the node's admin documents, as gossip from a peer would. */
  receive: (document: SignedDocument) => Promise<string>
}

/** The tests' clock: sampleManifest() is valid then (it expires in January 2027). */
export const DRAFTS_NOW = new Date('2026-11-24T12:00:00Z')

/** Opens the drafts service with its real dependencies in a temporary data folder, closed when the test ends. */
export async function draftsUnderTest (t: TestContext, threshold = 2): Promise<DraftsUnderTest> {
  const dir = join(await tempDir(t), 'data')
  const db = await openDatabase(dir)
  t.after(async () => { await db.close() })
  const catalogs = new CatalogStore(db)
  await catalogs.import(new TextEncoder().encode(smallCatalog(1)), 'small catalog')
  const store = await BlobStore.open(db, dir)
  const { admins, signer, outsider } = testKeys(3)
  const admin = new AdminDocuments({ db, mesh: testMesh(admins, threshold, signer), logger: silentLogger(), heldCatalog: async () => undefined })
  const drafts = new PackageDrafts({ db, meshName: 'acme', mesh: () => admin.mesh, admin: admin.store, catalogs, blobs: store, logger: silentLogger(), now: () => DRAFTS_NOW })
  const { blobId, indexId, size } = await store.importBytes(new TextEncoder().encode('the bytes of openssl_3.0.13-1_amd64.deb'))
  const receive = async (document: SignedDocument): Promise<string> =>
    (await admin.offer(encodeAdminMessage({ kind: 'package-manifest', document }), 'peer', DRAFTS_NOW)).status
  return { drafts, admin, admins, outsider, blob: { blobId, indexId, size }, receive }
}

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { AdminDocuments } from '../../node/admin-docs/admin-documents.ts'
import { adminSyncRecords, RelayHold } from '../../node/admin-docs/admin-sync.ts'
import { openDatabase } from '../../node/db/database.ts'
import { loadNodeIdentity } from '../../node/identity.ts'
import { silentLogger } from '../../node/log.ts'
import { encodeAdminMessage } from '../../protocol/admin-message.ts'
import { sampleManifest, signedManifest, testKeys, testMesh } from '../helpers/admin-documents.ts'
import { tempDir } from '../helpers/temp.ts'
import type { AdminOutcome } from '../../node/admin-docs/admin-documents.ts'
import type { SigningKey } from '../../protocol/signatures.ts'

const { admins, signer } = testKeys(2)
const [a1, a2] = admins as [SigningKey, SigningKey]

test('a document learned by sync is passed on, by gossip and in the sync digest, only once beforeRelay allows it, and the sync round does not wait for that', async (t) => {
  const dir = await tempDir(t)
  const db = await openDatabase(join(dir, 'data'))
  t.after(async () => { await db.close() })
  const admin = new AdminDocuments({ db, mesh: testMesh([a1, a2], 2, signer), logger: silentLogger(), heldCatalog: async () => undefined })
  await admin.restore()
  const relayed: Uint8Array[] = []
  const allowed = Promise.withResolvers<void>()
  const asked: AdminOutcome[] = []
  const records = adminSyncRecords(admin, async bytes => { relayed.push(bytes) }, new RelayHold(async outcome => {
    asked.push(outcome)
    await allowed.promise
  }))
  const from = peerIdFromString((await loadNodeIdentity(join(dir, 'data'))).id)
  const bytes = encodeAdminMessage({ kind: 'package-manifest', document: signedManifest(sampleManifest({ name: 'learned-by-sync' }), [a1, a2]) })

  assert.equal(await records.receive(bytes, from), true, 'stored, and the sync round went on')
  assert.deepEqual(asked.map(o => [o.result, o.name]), [['stored', 'learned-by-sync']])
  assert.equal(relayed.length, 0, 'not gossiped before beforeRelay resolved')
  const key = 'admin:package-manifest/learned-by-sync'
  assert.ok(!(await records.digest()).some(([name]) => name === key), 'not offered to syncing peers while held back either')

  allowed.resolve()
  await new Promise(resolve => setImmediate(resolve))
  assert.deepEqual(relayed, [bytes])
  assert.ok((await records.digest()).some(([name]) => name === key), 'offered once released')

  assert.equal(await records.receive(bytes, from), false, 'known already: neither stored nor relayed again')
  await new Promise(resolve => setImmediate(resolve))
  assert.equal(relayed.length, 1)
})

import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { proposeMeshUpdate } from '../../admin/mesh-update.ts'
import { AdminDocuments } from '../../node/admin-docs/admin-documents.ts'
import { openDatabase } from '../../node/db/database.ts'
import { silentLogger } from '../../node/log.ts'
import { encodeAdminMessage } from '../../protocol/admin-message.ts'
import { sampleManifest, signedManifest, signedMesh, testKeys, testMesh, trustedKey } from '../helpers/admin-documents.ts'
import { tempDir } from '../helpers/temp.ts'
import type { NodeDatabase } from '../../node/db/database.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { SigningKey } from '../../protocol/signatures.ts'
import type { TestContext } from 'node:test'

const { admins, signer } = testKeys(4)
const [a1, a2, a3, a4] = admins as [SigningKey, SigningKey, SigningKey, SigningKey]
/** Version 1: admins 1, 2 and 3, two of them needed. */
const v1 = testMesh([a1, a2, a3], 2, signer)
const keyId = (key: SigningKey): string => trustedKey(key).id

async function openDb (t: TestContext, dir: string): Promise<NodeDatabase> {
  const db = await openDatabase(join(dir, 'data'))
  t.after(async () => { await db.close() })
  return db
}

/** AdminDocuments over the database as a node starts it: the mesh file from disk, then restore(). */
async function startAdmin (db: NodeDatabase, file: MeshFile | undefined = v1): Promise<AdminDocuments> {
  const admin = new AdminDocuments({ db, mesh: file, logger: silentLogger(), heldCatalog: async () => undefined })
  await admin.restore()
  return admin
}

async function offerMesh (admin: AdminDocuments, mesh: MeshFile, keys: SigningKey[]): Promise<string> {
  return (await admin.offer(encodeAdminMessage({ kind: 'mesh-update', document: signedMesh(mesh, keys) }), 'test')).status
}

/** v2 removes admin 3 and adds admin 4; v3, signed by admins 4 and 1, drops the threshold to 1. */
const v2 = proposeMeshUpdate(v1, { removeAdmins: [keyId(a3)], addAdmins: [trustedKey(a4)] })
const v3 = proposeMeshUpdate(v2, { threshold: 1 })

test('co-signatures given at different times merge until the threshold puts the update in force', async (t) => {
  const admin = await startAdmin(await openDb(t, await tempDir(t)))
  assert.equal(await offerMesh(admin, v2, [a1]), 'pending')
  assert.equal(admin.mesh?.version, 1)
  assert.equal(await offerMesh(admin, v2, [a2]), 'more-signatures')
  assert.equal(admin.mesh?.version, 2)
  assert.equal(await offerMesh(admin, v2, [a1, a2]), 'replay')
})

test('after rotation a removed admin\'s signature does not count, for packages and for mesh updates', async (t) => {
  const admin = await startAdmin(await openDb(t, await tempDir(t)))
  assert.equal(await offerMesh(admin, v2, [a1, a2]), 'accepted')
  const manifest = (keys: SigningKey[]): Uint8Array => encodeAdminMessage({ kind: 'package-manifest', document: signedManifest(sampleManifest(), keys) })
  assert.equal((await admin.offer(manifest([a3]), 'test')).status, 'untrusted')
  assert.equal((await admin.offer(manifest([a1, a3]), 'test')).status, 'pending')
  assert.equal(await offerMesh(admin, v3, [a3]), 'untrusted')
  // The added admin counts at once.
  assert.equal(await offerMesh(admin, v3, [a4, a1]), 'accepted')
})

test('a restart replays the chain of accepted updates, including one signed by an admin an earlier update added', async (t) => {
  const dir = await tempDir(t)
  const db = await openDatabase(join(dir, 'data'))
  const first = await startAdmin(db)
  assert.equal(await offerMesh(first, v2, [a1, a2]), 'accepted')
  assert.equal(await offerMesh(first, v3, [a4, a2]), 'accepted')
  await db.close()

  const admin = await startAdmin(await openDb(t, dir))
  assert.equal(admin.mesh?.version, 3)
  assert.equal(admin.mesh?.admins.threshold, 1)
})

test('a pending successor held at restart does not undo the update in force', async (t) => {
  const dir = await tempDir(t)
  const db = await openDatabase(join(dir, 'data'))
  const first = await startAdmin(db)
  assert.equal(await offerMesh(first, v2, [a1, a2]), 'accepted')
  assert.equal(await offerMesh(first, v3, [a1]), 'pending')
  await db.close()

  const admin = await startAdmin(await openDb(t, dir))
  assert.equal(admin.mesh?.version, 2)
  assert.deepEqual(admin.mesh?.admins.keys.map(key => key.id), [keyId(a1), keyId(a2), keyId(a4)])
  // The pending update still collects its second signature after the restart.
  assert.equal(await offerMesh(admin, v3, [a2]), 'more-signatures')
  assert.equal(admin.mesh?.version, 3)
})

test('a mesh file on disk newer than the held updates stays in force', async (t) => {
  const dir = await tempDir(t)
  const db = await openDatabase(join(dir, 'data'))
  assert.equal(await offerMesh(await startAdmin(db), v2, [a1, a2]), 'accepted')
  await db.close()

  const admin = await startAdmin(await openDb(t, dir), v3)
  assert.equal(admin.mesh, v3)
})

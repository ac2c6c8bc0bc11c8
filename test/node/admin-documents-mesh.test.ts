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

test('a mesh update that arrives before the version it follows waits without a refusal, and takes effect once that version arrives', async (t) => {
  const dir = await tempDir(t)
  const db = await openDatabase(join(dir, 'data'))
  const admin = await startAdmin(db)
  // Admin 4 exists only from version 2 on: version 1 cannot judge this.
  assert.equal(await offerMesh(admin, v3, [a4, a2]), 'predecessor-missing')
  assert.equal(admin.mesh?.version, 1)
  assert.deepEqual(await admin.store.refusals(), [])
  assert.equal(await offerMesh(admin, v2, [a1, a2]), 'accepted')
  assert.equal(admin.mesh?.version, 3)
  await db.close()

  assert.equal((await startAdmin(await openDb(t, dir))).mesh?.version, 3)
})

test('a forged update held back until its predecessor arrives is then refused with its reason, and the real one still takes effect', async (t) => {
  const admin = await startAdmin(await openDb(t, await tempDir(t)))
  const { outsider } = testKeys(0)
  assert.equal((await admin.offer(encodeAdminMessage({ kind: 'mesh-update', document: signedMesh(v3, [outsider]) }), 'forger')).status, 'predecessor-missing')
  assert.equal(await offerMesh(admin, v2, [a1, a2]), 'accepted')
  assert.deepEqual((await admin.store.refusals()).map(refusal => [refusal.kind, refusal.reason, refusal.from]), [['mesh-update', 'untrusted', 'forger']])
  assert.equal(admin.mesh?.version, 2)
  assert.equal(await offerMesh(admin, v3, [a4, a2]), 'accepted')
})

test('a proposal still short of co-signers does not block a different update that k admins signed for the same version', async (t) => {
  const admin = await startAdmin(await openDb(t, await tempDir(t)))
  const other = proposeMeshUpdate(v1, { threshold: 3 })
  assert.equal(await offerMesh(admin, other, [a3]), 'pending')
  assert.equal(await offerMesh(admin, v2, [a1, a2]), 'accepted')
  assert.deepEqual(admin.mesh, v2)
  assert.equal(await offerMesh(admin, v3, [a4, a2]), 'accepted')
})

test('sync names each mesh version up to the one in force, oldest first, and the mesh-update record only while a successor waits for co-signers', async (t) => {
  const admin = await startAdmin(await openDb(t, await tempDir(t)))
  assert.deepEqual(await admin.syncDigest(), [])
  await offerMesh(admin, v2, [a1, a2])
  await offerMesh(admin, v3, [a4])
  assert.deepEqual(await admin.syncDigest(), [['admin:mesh-update/acme@2', 2], ['admin:mesh-update/acme', 3 * 64 + 1]])
  await offerMesh(admin, v3, [a2])
  assert.deepEqual(await admin.syncDigest(), [['admin:mesh-update/acme@2', 2], ['admin:mesh-update/acme@3', 3]])
  // A chain entry is served as the accepted update's bytes, which a node still at version 1 accepts.
  const served = await admin.store.encoded('admin:mesh-update/acme@2')
  assert.ok(served != null)
  const fresh = await startAdmin(await openDb(t, await tempDir(t)))
  assert.equal((await fresh.offer(served, 'peer')).status, 'accepted')
})

test('a node started from a newer mesh file names the versions before it in sync, so peers do not send what it cannot judge', async (t) => {
  const admin = await startAdmin(await openDb(t, await tempDir(t)), v3)
  assert.deepEqual(await admin.syncDigest(), [['admin:mesh-update/acme@2', 2], ['admin:mesh-update/acme@3', 3]])
  assert.equal(await admin.store.encoded('admin:mesh-update/acme@2'), undefined)
  // Offered anyway, an older link signed by admins no longer in force is no fault of the sender.
  const older = encodeAdminMessage({ kind: 'mesh-update', document: signedMesh(v2, [a3]) })
  assert.equal((await admin.offer(older, 'peer')).status, 'superseded')
  assert.deepEqual(await admin.store.refusals(), [])
})

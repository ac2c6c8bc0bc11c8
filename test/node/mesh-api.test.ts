import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { proposeMeshUpdate } from '../../admin/mesh-update.ts'
import { AdminDocuments } from '../../node/admin-docs/admin-documents.ts'
import { renderMesh } from '../../node/cli/mesh-render.ts'
import { openDatabase } from '../../node/db/database.ts'
import { meshRoutes } from '../../node/http/mesh-api.ts'
import { silentLogger } from '../../node/log.ts'
import { encodeAdminMessage } from '../../protocol/admin-message.ts'
import { signedMesh, testKeys, testMesh, trustedKey } from '../helpers/admin-documents.ts'
import { tempDir } from '../helpers/temp.ts'
import type { MeshView } from '../../node/http/mesh-api.ts'
import type { RouteRequest } from '../../node/http/server.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { SigningKey } from '../../protocol/signatures.ts'
import type { TestContext } from 'node:test'

const { admins, signer } = testKeys(3)
const [a1, a2, a3] = admins as [SigningKey, SigningKey, SigningKey]
const v1 = testMesh(admins, 2, signer)
const v2 = proposeMeshUpdate(v1, { removeAdmins: [trustedKey(a3).id] })

async function adminDocuments (t: TestContext, mesh: MeshFile | undefined): Promise<AdminDocuments> {
  const db = await openDatabase(join(await tempDir(t), 'data'))
  t.after(async () => { await db.close() })
  return new AdminDocuments({ db, mesh, logger: silentLogger(), heldCatalog: async () => undefined })
}

async function getMesh (admin: AdminDocuments): Promise<MeshView> {
  const [route] = meshRoutes({ admin })
  assert.equal(route?.path, '/api/v1/mesh')
  const result = await route?.handle({} as RouteRequest)
  return (result as { json: MeshView }).json
}

async function offer (admin: AdminDocuments, keys: SigningKey[]): Promise<void> {
  await admin.offer(encodeAdminMessage({ kind: 'mesh-update', document: signedMesh(v2, keys) }), 'test')
}

test('GET /api/v1/mesh shows the mesh file in force and no pending update', async (t) => {
  const view = await getMesh(await adminDocuments(t, v1))
  assert.equal(view.mesh?.version, 1)
  assert.equal(view.mesh?.threshold, 2)
  assert.deepEqual(view.mesh?.admins, admins.map(key => ({ id: trustedKey(key).id, publicKey: Buffer.from(key.publicKey).toString('base64') })))
  assert.deepEqual(view.mesh?.catalogSigners.map(key => key.id), [trustedKey(signer).id])
  assert.equal(view.pending, null)
})

test('GET /api/v1/mesh shows a pending update with the admins of the mesh in force that signed it, and the threshold it needs', async (t) => {
  const admin = await adminDocuments(t, v1)
  await offer(admin, [a2])
  const view = await getMesh(admin)
  assert.equal(view.mesh?.version, 1)
  assert.equal(view.pending?.version, 2)
  assert.deepEqual(view.pending?.signers, [trustedKey(a2).id])
  assert.equal(view.pending?.needed, 2)
  assert.equal(view.pending?.mesh.admins.length, 2)
  assert.match(renderMesh(view), new RegExp(`Pending: version 2, .*signed by 1 of the 2 admins it needs .*\\n  remove admin key ${trustedKey(a3).id}`))
})

test('GET /api/v1/mesh shows an accepted update in force, and nothing pending', async (t) => {
  const admin = await adminDocuments(t, v1)
  await offer(admin, [a1, a2])
  const view = await getMesh(admin)
  assert.equal(view.mesh?.version, 2)
  assert.equal(view.pending, null)
  assert.match(renderMesh(view), /Mesh "acme" version 2 .*in force at this node\.\nPackages and mesh updates need 2 of 2 admin signatures\./)
})

test('GET /api/v1/mesh on a one-node mesh without a mesh file shows no trust root', async (t) => {
  const view = await getMesh(await adminDocuments(t, undefined))
  assert.deepEqual(view, { mesh: null, pending: null })
  assert.match(renderMesh(view), /without a mesh file: it trusts no admin/)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { proposeMeshUpdate } from '../../admin/mesh-update.ts'
import { isAdminSyncKey } from '../../node/admin-docs/admin-doc-store.ts'
import { encodeAdminMessage, isAdminMessage } from '../../protocol/admin-message.ts'
import { sampleManifest, signedManifest, signedMesh, testKeys, testMesh, trustedKey } from '../helpers/admin-documents.ts'
import { startAdminMeshNode } from '../helpers/admin-mesh.ts'
import { startMeshNode } from '../helpers/mesh.ts'
import { pollUntil } from '../helpers/poll.ts'
import type { AdminDocuments } from '../../node/admin-docs/admin-documents.ts'
import type { AdminMeshNode } from '../helpers/admin-mesh.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { SignedDocument, SigningKey } from '../../protocol/signatures.ts'

const CATCH_UP_TIMEOUT_MS = 30_000
/** Short, so the rejoined node's own rounds do the work; nothing else carries the chain to it. */
const SYNC_INTERVAL_MS = 200

const { admins, signer, outsider } = testKeys(5)
const [a1, a2, a3, a4, a5] = admins as [SigningKey, SigningKey, SigningKey, SigningKey, SigningKey]
const keyId = (key: SigningKey): string => trustedKey(key).id
/** Version 1: admins 1, 2 and 3, two of them needed. */
const v1 = testMesh([a1, a2, a3], 2, signer)
/** Version 2 revokes admin 3 and brings in admins 4 and 5. */
const v2 = proposeMeshUpdate(v1, { removeAdmins: [keyId(a3)], addAdmins: [trustedKey(a4), trustedKey(a5)] })
/** Version 3 revokes admin 1; only admins 4 and 5 sign it, whom version 1 does not know. */
const v3 = proposeMeshUpdate(v2, { removeAdmins: [keyId(a1)] })

function meshUpdate (document: SignedDocument): Uint8Array {
  return encodeAdminMessage({ kind: 'mesh-update', document })
}

/** Rotates the mesh twice at `node`, through its admin documents only: nothing is gossiped. */
async function rotateTwice (admin: AdminDocuments): Promise<void> {
  assert.equal((await admin.offer(meshUpdate(signedMesh(v2, [a1, a2])), 'control')).status, 'accepted')
  assert.equal((await admin.offer(meshUpdate(signedMesh(v3, [a4, a5])), 'control')).status, 'accepted')
}

async function untilInForce (node: AdminMeshNode, mesh: MeshFile): Promise<void> {
  await pollUntil(() => node.admin.mesh?.version === mesh.version ? true : undefined, `version ${mesh.version} in force at the rejoined node`, CATCH_UP_TIMEOUT_MS)
  assert.deepEqual(node.admin.mesh, mesh)
}

async function offerManifest (admin: AdminDocuments, name: string, keys: SigningKey[]): Promise<{ result: string, status: string }> {
  return await admin.offer(encodeAdminMessage({ kind: 'package-manifest', document: signedManifest(sampleManifest({ name }), keys) }), 'control')
}

test('a node stopped during two rotations catches up through sync alone, then trusts the newest admins and not a revoked one', async (t) => {
  const rotating = await startAdminMeshNode(t, v1)
  const away = await startAdminMeshNode(t, v1, { bootstrap: rotating.mesh.addresses })
  await away.stop()
  await rotateTwice(rotating.admin)

  // Started again from the original mesh file: its database holds nothing newer.
  const back = await startAdminMeshNode(t, v1, { dir: away.dir, bootstrap: rotating.mesh.addresses, syncIntervalMs: SYNC_INTERVAL_MS })
  assert.equal(back.admin.mesh?.version, 1)
  await untilInForce(back, v3)
  assert.deepEqual(await back.admin.store.refusals(), [])

  assert.deepEqual(await offerManifest(back.admin, 'signed-by-v3-admins', [a4, a5]), { result: 'stored', kind: 'package-manifest', status: 'accepted', name: 'signed-by-v3-admins', version: 2, detail: 'accepted with 2 valid signatures' })
  const revoked = await offerManifest(back.admin, 'signed-by-revoked-admin', [a3])
  assert.equal(revoked.result, 'refused')
  assert.equal(revoked.status, 'untrusted')
})

test('a forged chain entry offered by a peer is refused and does not block the real one', async (t) => {
  const honest = await startAdminMeshNode(t, v1)
  await rotateTwice(honest.admin)
  // Version 2 with admin 2's signature broken, and a version 3 that hands the mesh to an outsider.
  const real2 = signedMesh(v2, [a1, a2])
  const broken = real2.signatures.map(({ keyId, signature }) => ({ keyId, signature: keyId === trustedKey(a2).id ? signature.map(byte => byte ^ 0xff) : signature }))
  const forged = new Map([
    ['admin:mesh-update/acme@2', meshUpdate({ bytes: real2.bytes, signatures: broken })],
    ['admin:mesh-update/acme@3', meshUpdate(signedMesh(testMesh([outsider], 1, signer, { version: 3 }), [outsider]))]
  ])
  const forger = await startMeshNode(t, {
    name: 'acme',
    moreRecords: async () => ({
      digest: async () => [['admin:mesh-update/acme@2', 2], ['admin:mesh-update/acme@3', 3]],
      owns: isAdminSyncKey,
      encoded: async name => forged.get(name),
      recognises: isAdminMessage,
      receive: async () => false
    })
  })
  const forgerId = forger.identity.id

  const node = await startAdminMeshNode(t, v1, { bootstrap: forger.mesh.addresses, syncIntervalMs: SYNC_INTERVAL_MS })
  await pollUntil(async () => (await node.admin.store.refusals()).some(refusal => refusal.reason === 'bad-signature') ? true : undefined, 'the forged version 2 to be refused', CATCH_UP_TIMEOUT_MS)
  assert.equal(node.admin.mesh?.version, 1)

  await node.mesh.libp2p?.dial(honest.mesh.libp2p?.getMultiaddrs() ?? [])
  await untilInForce(node, v3)
  const refusals = await node.admin.store.refusals()
  assert.ok(refusals.every(refusal => refusal.from === forgerId && refusal.kind === 'mesh-update'), JSON.stringify(refusals))
  assert.ok(refusals.some(refusal => refusal.reason === 'bad-signature'))
  assert.equal((await offerManifest(node.admin, 'signed-by-outsider', [outsider])).status, 'untrusted')
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleManifest, signedManifest } from '../helpers/admin-documents.ts'
import { startPackageNode } from '../helpers/package-node.ts'
import { getJson } from '../helpers/poll.ts'
import { generateSigningKey } from '../../protocol/signatures.ts'
import type { PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { SigningKey } from '../../protocol/signatures.ts'
import type { PackageNode } from '../helpers/package-node.ts'

const NAME = 'november-security'

/** A manifest of NAME created an hour ago that never expires, so the node's clock accepts it. */
function manifest (fields: Partial<PackageManifest> = {}): PackageManifest {
  return { ...sampleManifest({ created: new Date(Date.now() - 3_600_000).toISOString(), expires: undefined }), ...fields }
}

function two (node: PackageNode): SigningKey[] {
  return node.admins.slice(0, 2)
}

async function view (node: PackageNode): Promise<any> {
  return (await getJson(`${node.url}/api/v1/packages/${NAME}`)).body
}

/** The package exists at the node (version 1, pending), so its view lists what is refused afterwards. */
async function pendingFirstVersion (node: PackageNode): Promise<void> {
  assert.equal((await node.offer(signedManifest(manifest({ version: 1 }), node.admins.slice(0, 1)))).status, 201)
}

function logged (node: PackageNode, status: string): boolean {
  return node.logs.some(line => (line.msg === 'admin document refused' || line.msg === 'admin document already known') && line.status === status)
}

test('a manifest with a byte flipped after signing is refused as bad-signature, logged, and listed with the package', async (t) => {
  const node = await startPackageNode(t)
  await pendingFirstVersion(node)
  const document = signedManifest(manifest(), two(node))
  const at = new TextDecoder().decode(document.bytes).indexOf('P-OPENSSL')
  document.bytes[at] = 'Q'.charCodeAt(0)
  const { status, body } = await node.offer(document)
  assert.equal(status, 422)
  assert.equal(body.error.code, 'ERR_BAD_SIGNATURE')
  assert.match(body.error.message, /does not verify over the document's bytes/)
  assert.ok(logged(node, 'bad-signature'))
  const shown = await view(node)
  assert.equal(shown.refusals[0].reason, 'bad-signature')
  assert.equal(shown.manifest.version, 1)
})

test('a manifest signed only by keys the mesh file does not name is refused as untrusted', async (t) => {
  const node = await startPackageNode(t)
  await pendingFirstVersion(node)
  const { status, body } = await node.offer(signedManifest(manifest(), [node.outsider, generateSigningKey()]))
  assert.equal(status, 422)
  assert.equal(body.error.code, 'ERR_UNTRUSTED')
  assert.ok(logged(node, 'untrusted'))
  assert.equal((await view(node)).refusals[0].reason, 'untrusted')
})

test('a manifest the mesh\'s own admins signed for another mesh is refused as wrong-mesh', async (t) => {
  const node = await startPackageNode(t)
  await pendingFirstVersion(node)
  const { status, body } = await node.offer(signedManifest(manifest({ mesh: 'other' }), two(node)))
  assert.equal(status, 422)
  assert.equal(body.error.code, 'ERR_WRONG_MESH')
  assert.match(body.error.message, /signed for mesh "other", this is "acme"/)
  assert.equal((await view(node)).refusals[0].reason, 'wrong-mesh')
})

test('an older version replayed after a newer one is refused as a rollback, and the newer one stays', async (t) => {
  const node = await startPackageNode(t)
  const older = signedManifest(manifest({ version: 1 }), two(node))
  assert.equal((await node.offer(older)).status, 201)
  assert.equal((await node.offer(signedManifest(manifest({ version: 2 }), two(node)))).status, 201)
  const { status, body } = await node.offer(older)
  assert.equal(status, 422)
  assert.equal(body.error.code, 'ERR_ROLLBACK')
  assert.match(body.error.message, /version 1 is older than the held 2/)
  assert.ok(logged(node, 'rollback'))
  assert.equal((await view(node)).manifest.version, 2)
})

test('an expired manifest is refused as expired', async (t) => {
  const node = await startPackageNode(t)
  const { status, body } = await node.offer(signedManifest(manifest({ created: '2020-01-01T00:00:00Z', expires: '2020-02-01T00:00:00Z' }), two(node)))
  assert.equal(status, 422)
  assert.equal(body.error.code, 'ERR_EXPIRED')
  assert.match(body.error.message, /expired at 2020-02-01T00:00:00Z/)
  assert.ok(logged(node, 'expired'))
  assert.equal((await getJson(`${node.url}/api/v1/packages/${NAME}`)).status, 404)
})

test('a manifest one signature short is held pending, with its signer and the number needed', async (t) => {
  const node = await startPackageNode(t)
  const { status, body } = await node.offer(signedManifest(manifest(), node.admins.slice(0, 1)))
  assert.equal(status, 201)
  assert.equal(body.outcome.status, 'pending')
  const shown = await view(node)
  assert.equal(shown.manifest.state, 'pending')
  assert.equal(shown.manifest.signers.length, 1)
  assert.equal(shown.needed, 2)
})

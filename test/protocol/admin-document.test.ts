import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { verifyCatalogAnnouncement, verifyMeshUpdate, verifyPackageManifest } from '../../protocol/admin-document.ts'
import { serializeCatalogAnnouncement } from '../../protocol/catalog-announcement.ts'
import { FormatError } from '../../protocol/errors.ts'
import { keyIdOf } from '../../protocol/signatures.ts'
import { blobIdFor, sampleManifest, signText, signedManifest, signedMesh, testKeys, testMesh } from '../helpers/admin-documents.ts'
import type { HeldDocument } from '../../protocol/admin-document.ts'
import type { CatalogAnnouncement } from '../../protocol/catalog-announcement.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { SignedDocument, SigningKey } from '../../protocol/signatures.ts'

const { admins, signer, outsider } = testKeys(3)
const [alice, bob, carol] = admins as [SigningKey, SigningKey, SigningKey]
/** Mesh "acme", version 1: admins alice, bob, carol, 2 of 3 needed. */
const mesh = testMesh(admins, 2, signer)
const NOW = Date.parse('2026-11-24T12:00:00Z')
const id = (key: SigningKey): string => keyIdOf(key.publicKey)

function verify (document: SignedDocument, held?: HeldDocument, nowMs = NOW, against: MeshFile = mesh): ReturnType<typeof verifyPackageManifest> {
  return verifyPackageManifest(document, against, { nowMs, held: name => name === 'november-security' ? held : undefined })
}

/** A manifest document with one byte of its XML changed after signing. */
function flipped (document: SignedDocument): SignedDocument {
  const bytes = new Uint8Array(document.bytes)
  const at = new TextDecoder().decode(bytes).indexOf('dpkg -i')
  bytes[at] = 'D'.charCodeAt(0)
  return { bytes, signatures: document.signatures }
}

describe('verifyPackageManifest', () => {
  it('accepts a manifest signed by k distinct admins', () => {
    const verdict = verify(signedManifest(sampleManifest(), [alice, bob]))
    assert.equal(verdict.status, 'accepted')
    assert.ok(verdict.status === 'accepted')
    assert.deepEqual(verdict.value, sampleManifest())
    assert.deepEqual(verdict.signers, [id(alice), id(bob)])
    assert.deepEqual(verdict.problems, [])
  })

  it('holds a manifest one signature short as pending, saying how many are valid and needed', () => {
    const verdict = verify(signedManifest(sampleManifest(), [alice]))
    assert.equal(verdict.status, 'pending')
    assert.ok(verdict.status === 'pending')
    assert.equal(verdict.valid, 1)
    assert.equal(verdict.needed, 2)
  })

  it('refuses a manifest with a byte flipped after signing, listing every failed signature', () => {
    const verdict = verify(flipped(signedManifest(sampleManifest(), [alice, bob])))
    assert.deepEqual(verdict, { status: 'bad-signature', problems: [{ keyId: id(alice), reason: 'bad-signature' }, { keyId: id(bob), reason: 'bad-signature' }] })
  })

  it('calls a manifest signed only by an unknown key untrusted', () => {
    const verdict = verify(signedManifest(sampleManifest(), [outsider]))
    assert.deepEqual(verdict, { status: 'untrusted', problems: [{ keyId: id(outsider), reason: 'unknown-key' }] })
  })

  it('counts the admins beside an unknown key, lists the unknown key and drops its signature', () => {
    const verdict = verify(signedManifest(sampleManifest(), [alice, outsider, bob]))
    assert.ok(verdict.status === 'accepted', verdict.status)
    assert.deepEqual(verdict.problems, [{ keyId: id(outsider), reason: 'unknown-key' }])
    assert.deepEqual(verdict.document.signatures.map(s => s.keyId), [id(alice), id(bob)])
  })

  it('refuses a manifest carrying two signatures by one admin', () => {
    const signed = signedManifest(sampleManifest(), [alice])
    const verdict = verify({ bytes: signed.bytes, signatures: [...signed.signatures, ...signed.signatures] })
    assert.deepEqual(verdict, { status: 'bad-signature', problems: [{ keyId: id(alice), reason: 'duplicate' }] })
  })

  it('does not trust a manifest signed by the admins of another mesh', () => {
    const others = testKeys(2)
    const verdict = verify(signedManifest(sampleManifest({ mesh: 'other' }), others.admins))
    assert.equal(verdict.status, 'untrusted')
  })

  it('refuses a manifest for another mesh even when our admins signed it', () => {
    const verdict = verify(signedManifest(sampleManifest({ mesh: 'other' }), [alice, bob]))
    assert.deepEqual(verdict, { status: 'wrong-mesh', mesh: 'other', expected: 'acme', problems: [] })
  })

  it('refuses a replayed older version as a rollback', () => {
    const verdict = verify(signedManifest(sampleManifest({ version: 1 }), [alice, bob]), { version: 2 })
    assert.deepEqual(verdict, { status: 'rollback', version: 1, held: 2, problems: [] })
  })

  it('calls the held version with no new signature a replay', () => {
    const document = signedManifest(sampleManifest(), [alice, bob])
    assert.deepEqual(verify(document, { version: 2, document }), { status: 'replay', version: 2, problems: [] })
  })

  it('merges the held version\'s signatures with new ones as more-signatures', () => {
    const pending = signedManifest(sampleManifest(), [alice])
    const verdict = verify(signedManifest(sampleManifest(), [bob]), { version: 2, document: pending })
    assert.ok(verdict.status === 'more-signatures', verdict.status)
    assert.equal(verdict.complete, true)
    assert.deepEqual(verdict.signers, [id(alice), id(bob)])
    assert.deepEqual(verdict.document.signatures.map(s => s.keyId), [id(alice), id(bob)])
    assert.equal(verify(verdict.document).status, 'accepted')
  })

  it('refuses a different document under the held version number as a conflict', () => {
    const held = signedManifest(sampleManifest(), [alice, bob])
    const verdict = verify(signedManifest(sampleManifest({ retracted: [] }), [alice, bob]), { version: 2, document: held })
    assert.deepEqual(verdict, { status: 'conflict', version: 2, problems: [] })
  })

  it('accepts a newer version than the held one', () => {
    assert.equal(verify(signedManifest(sampleManifest({ version: 3 }), [alice, bob]), { version: 2 }).status, 'accepted')
  })

  it('refuses an expired manifest', () => {
    const verdict = verify(signedManifest(sampleManifest(), [alice, bob]), undefined, Date.parse('2027-01-31T00:00:00Z'))
    assert.deepEqual(verdict, { status: 'expired', expires: '2027-01-31T00:00:00Z', problems: [] })
  })

  it('calls validly signed bytes that are no manifest malformed, without throwing', () => {
    const verdict = verify(signText('<Package xmlns="urn:patchmesh:package:1"/>', [alice, bob]))
    assert.ok(verdict.status === 'malformed', verdict.status)
    assert.ok(verdict.error instanceof FormatError)
    assert.equal(verdict.error.code, 'ERR_SCHEMA')
  })

  it('never throws on signatures of the wrong length or keys of any id', () => {
    const document = signedManifest(sampleManifest(), [alice])
    const verdict = verify({ bytes: document.bytes, signatures: [{ keyId: id(alice), signature: new Uint8Array(3) }, { keyId: '', signature: new Uint8Array(0) }] })
    assert.equal(verdict.status, 'bad-signature')
  })
})

describe('verifyMeshUpdate', () => {
  /** Version 2: carol removed, threshold still 2. */
  const rotated = testMesh([alice, bob], 2, signer, { version: 2 })

  it('accepts a new version signed by k of the current admins', () => {
    const verdict = verifyMeshUpdate(signedMesh(rotated, [alice, carol]), mesh)
    assert.ok(verdict.status === 'accepted', verdict.status)
    assert.deepEqual(verdict.value, rotated)
  })

  it('does not let new admins sign themselves in', () => {
    const newcomers = testKeys(2)
    const takeover = testMesh(newcomers.admins, 1, signer, { version: 2 })
    assert.equal(verifyMeshUpdate(signedMesh(takeover, newcomers.admins), mesh).status, 'untrusted')
  })

  it('no longer counts a removed admin\'s signature on a manifest after the rotation', () => {
    const verdict = verify(signedManifest(sampleManifest(), [alice, carol]), undefined, NOW, rotated)
    assert.ok(verdict.status === 'pending', verdict.status)
    assert.equal(verdict.valid, 1)
    assert.deepEqual(verdict.problems, [{ keyId: id(carol), reason: 'unknown-key' }])
  })

  it('no longer counts a removed admin\'s signature on the next mesh update', () => {
    const next = testMesh([alice, bob, carol], 2, signer, { version: 3 })
    const verdict = verifyMeshUpdate(signedMesh(next, [bob, carol]), rotated)
    assert.ok(verdict.status === 'pending', verdict.status)
    assert.equal(verdict.valid, 1)
  })

  it('refuses the current version again as a replay and an older one as a rollback', () => {
    assert.equal(verifyMeshUpdate(signedMesh(mesh, [alice, bob]), mesh).status, 'replay')
    assert.equal(verifyMeshUpdate(signedMesh(mesh, [alice, bob]), rotated, { version: 2 }).status, 'rollback')
  })

  it('refuses a mesh file of another name', () => {
    const verdict = verifyMeshUpdate(signedMesh({ ...rotated, name: 'other' }, [alice, bob]), mesh)
    assert.deepEqual(verdict, { status: 'wrong-mesh', mesh: 'other', expected: 'acme', problems: [] })
  })

  it('holds back an update two versions ahead as predecessor-missing, whoever signed it: versions take effect in order', () => {
    const newcomers = testKeys(2)
    const third = testMesh(newcomers.admins, 1, signer, { version: 3 })
    assert.deepEqual(verifyMeshUpdate(signedMesh(third, newcomers.admins), mesh), {
      status: 'predecessor-missing', version: 3, inForce: 1, problems: newcomers.admins.map(key => ({ keyId: id(key), reason: 'unknown-key' }))
    })
    assert.equal(verifyMeshUpdate(signedMesh(third, [alice, bob]), mesh).status, 'predecessor-missing')
  })

  it('still refuses an update ahead of the chain whose signature by a key in force does not verify', () => {
    const third = signedMesh(testMesh([alice, bob], 1, signer, { version: 3 }), [alice])
    const bytes = new Uint8Array(third.bytes)
    bytes[bytes.length - 2] = 'X'.charCodeAt(0)
    assert.equal(verifyMeshUpdate({ bytes, signatures: third.signatures }, mesh).status, 'bad-signature')
  })

  it('calls an older version that no admin in force signed superseded, not untrusted', () => {
    const newcomers = testKeys(2)
    const third = testMesh(newcomers.admins, 2, signer, { version: 3 })
    assert.deepEqual(verifyMeshUpdate(signedMesh(rotated, [alice, bob]), third), {
      status: 'superseded', version: 2, inForce: 3, problems: [alice, bob].map(key => ({ keyId: id(key), reason: 'unknown-key' }))
    })
    assert.equal(verifyMeshUpdate(signedMesh(third, [outsider]), third).status, 'superseded')
  })

  it('keeps bytes that no key in force signed and that are no mesh file of this mesh untrusted', () => {
    assert.equal(verifyMeshUpdate(signText('<Mesh/>', [outsider]), mesh).status, 'untrusted')
    assert.equal(verifyMeshUpdate(signedMesh({ ...rotated, name: 'other', version: 5 }, [outsider]), mesh).status, 'untrusted')
  })

  it('completes a pending update when another admin\'s signature arrives', () => {
    const first = verifyMeshUpdate(signedMesh(rotated, [alice]), mesh)
    assert.ok(first.status === 'pending', first.status)
    const second = verifyMeshUpdate(signedMesh(rotated, [bob]), mesh, { version: 2, document: first.document })
    assert.ok(second.status === 'more-signatures', second.status)
    assert.equal(second.complete, true)
  })
})

describe('verifyCatalogAnnouncement', () => {
  const announcement: CatalogAnnouncement = {
    mesh: 'acme', catalog: 'patchmesh-demo', version: 7, published: '2026-11-24T06:00:00Z', blob: blobIdFor('catalog'), index: blobIdFor('catalog index'), size: 36_000_000
  }
  const signed = (value: CatalogAnnouncement, keys: SigningKey[]): SignedDocument => signText(serializeCatalogAnnouncement(value), keys)

  it('accepts an announcement signed by a catalog signer of the mesh', () => {
    const verdict = verifyCatalogAnnouncement(signed(announcement, [signer]), mesh)
    assert.deepEqual(verdict, { status: 'accepted', announcement, signer: id(signer), problems: [] })
  })

  it('calls an announcement signed by an admin key unknown-signer: admins do not sign catalogs', () => {
    assert.equal(verifyCatalogAnnouncement(signed(announcement, [alice]), mesh).status, 'unknown-signer')
  })

  it('refuses an announcement whose signature does not verify', () => {
    const document = signed(announcement, [signer])
    const bytes = new Uint8Array(document.bytes)
    bytes[bytes.length - 5] = 'x'.charCodeAt(0)
    assert.equal(verifyCatalogAnnouncement({ bytes, signatures: document.signatures }, mesh).status, 'bad-signature')
  })

  it('refuses an announcement for another mesh', () => {
    assert.equal(verifyCatalogAnnouncement(signed({ ...announcement, mesh: 'other' }, [signer]), mesh).status, 'wrong-mesh')
  })

  it('refuses a version not newer than the held one', () => {
    const held = (version: number) => (catalog: string): number | undefined => catalog === 'patchmesh-demo' ? version : undefined
    assert.deepEqual(verifyCatalogAnnouncement(signed(announcement, [signer]), mesh, held(7)), { status: 'older-than-held', version: 7, problems: [] })
    assert.equal(verifyCatalogAnnouncement(signed(announcement, [signer]), mesh, held(8)).status, 'older-than-held')
    assert.equal(verifyCatalogAnnouncement(signed(announcement, [signer]), mesh, held(6)).status, 'accepted')
  })

  it('calls signed bytes that are no announcement malformed', () => {
    assert.equal(verifyCatalogAnnouncement(signText('<Catalog/>', [signer]), mesh).status, 'malformed')
  })
})

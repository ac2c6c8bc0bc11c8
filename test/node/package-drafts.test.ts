import assert from 'node:assert/strict'
import { test } from 'node:test'
import { frozenDocument } from '../../admin/package-draft.ts'
import { parsePackageManifest } from '../../protocol/package-manifest.ts'
import { keyIdOf, signBytes } from '../../protocol/signatures.ts'
import { sampleManifest, signedManifest } from '../helpers/admin-documents.ts'
import { draftsUnderTest } from '../helpers/package-drafts.ts'
import type { FrozenManifest } from '../../admin/package-draft.ts'
import type { DraftsUnderTest } from '../helpers/package-drafts.ts'
import type { SigningKey } from '../../protocol/signatures.ts'

const OPENSSL = { id: 'P-OPENSSL', file: 'openssl_3.0.13-1_amd64.deb' }

function code (expected: string): (err: unknown) => boolean {
  return err => (err as { code?: string }).code === expected
}

async function withOpenssl (under: DraftsUnderTest, name = 'nov'): Promise<void> {
  await under.drafts.create(name)
  await under.drafts.addPatch(name, OPENSSL, under.blob)
}

async function sign (under: DraftsUnderTest, name: string, frozen: FrozenManifest, key: SigningKey): Promise<void> {
  await under.drafts.sign(name, frozen.version, { keyId: keyIdOf(key.publicKey), signature: signBytes(frozenDocument(frozen).bytes, key) })
}

test('a patch gets its installer kind from the catalog and that kind\'s silent command', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  const { draft } = await under.drafts.state('nov')
  assert.equal(draft?.patches[0]?.kind, 'deb')
  assert.equal(draft?.patches[0]?.command, 'dpkg -i {file}')
  assert.equal(draft?.patches[0]?.blob, under.blob.blobId)
})

test('a patch id the catalog does not list is ERR_UNKNOWN_PATCH', async (t) => {
  const under = await draftsUnderTest(t)
  await under.drafts.create('nov')
  await assert.rejects(under.drafts.addPatch('nov', { id: 'P-NOPE', file: 'x.deb' }, under.blob), code('ERR_UNKNOWN_PATCH'))
})

test('a patch whose file the blob store does not hold whole is ERR_BLOB_NOT_HELD', async (t) => {
  const under = await draftsUnderTest(t)
  await under.drafts.create('nov')
  await assert.rejects(under.drafts.addPatch('nov', OPENSSL, { ...under.blob, size: under.blob.size + 1 }), code('ERR_BLOB_NOT_HELD'))
})

test('a change to a package that does not exist is ERR_NO_SUCH_PACKAGE', async (t) => {
  const under = await draftsUnderTest(t)
  await assert.rejects(under.drafts.changeSettings('nov', { rebootServers: true }), code('ERR_NO_SUCH_PACKAGE'))
})

test('freezing an unchanged draft again gives the same version and bytes', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  const first = await under.drafts.freeze('nov')
  const second = await under.drafts.freeze('nov')
  assert.equal(first.frozen.version, 1)
  assert.deepEqual(second.frozen, first.frozen)
})

test('a change after freezing builds the next version', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  await under.drafts.freeze('nov')
  await under.drafts.changeSettings('nov', { sites: ['hq'] })
  const { frozen } = await under.drafts.freeze('nov')
  assert.equal(frozen.version, 2)
  assert.deepEqual(parsePackageManifest(frozenDocument(frozen).bytes).target, { sites: ['hq'] })
})

test('an admin\'s signature is kept with the frozen manifest', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  const { frozen } = await under.drafts.freeze('nov')
  await sign(under, 'nov', frozen, under.admins[0] as SigningKey)
  const { draft } = await under.drafts.state('nov')
  assert.deepEqual(draft?.frozen?.signatures.map(s => s.keyId), [keyIdOf((under.admins[0] as SigningKey).publicKey)])
})

test('a signature by a key the mesh file does not name is refused with ERR_SIGNATURE', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  const { frozen } = await under.drafts.freeze('nov')
  await assert.rejects(sign(under, 'nov', frozen, under.outsider), code('ERR_SIGNATURE'))
})

test('a signature that does not verify over the frozen bytes is refused with ERR_SIGNATURE', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  const { frozen } = await under.drafts.freeze('nov')
  const key = under.admins[0] as SigningKey
  const other = signBytes(new TextEncoder().encode('other bytes'), key)
  await assert.rejects(under.drafts.sign('nov', frozen.version, { keyId: keyIdOf(key.publicKey), signature: other }), code('ERR_SIGNATURE'))
})

test('a signature for a version that is no longer the one to sign is ERR_STALE_MANIFEST', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  const { frozen } = await under.drafts.freeze('nov')
  await under.drafts.changeSettings('nov', { rebootServers: true })
  await assert.rejects(sign(under, 'nov', frozen, under.admins[0] as SigningKey), code('ERR_STALE_MANIFEST'))
})

test('a node without a draft offers the pending manifest it holds from the mesh, with its signatures', async (t) => {
  const under = await draftsUnderTest(t)
  const document = signedManifest(sampleManifest(), under.admins.slice(0, 1))
  assert.equal(await under.receive(document), 'pending')
  const { frozen } = await under.drafts.freeze('november-security')
  assert.deepEqual(frozenDocument(frozen), document)
  await sign(under, 'november-security', frozen, under.admins[1] as SigningKey)
  const { draft } = await under.drafts.state('november-security')
  assert.equal(draft?.frozen?.signatures.length, 2)
})

test('a frozen draft gains the signatures the mesh added to the same manifest', async (t) => {
  const under = await draftsUnderTest(t)
  await withOpenssl(under)
  const { frozen } = await under.drafts.freeze('nov')
  assert.equal(await under.receive({ ...frozenDocument(frozen), signatures: [] }), 'untrusted')
  const [a, b] = under.admins as [SigningKey, SigningKey]
  const bytes = frozenDocument(frozen).bytes
  assert.equal(await under.receive({ bytes, signatures: [{ keyId: keyIdOf(a.publicKey), signature: signBytes(bytes, a) }] }), 'pending')
  assert.equal(await under.receive({ bytes, signatures: [{ keyId: keyIdOf(b.publicKey), signature: signBytes(bytes, b) }] }), 'more-signatures')
  assert.equal((await under.drafts.freeze('nov')).frozen.signatures.length, 2)
})

test('a draft without unbuilt changes continues from a newer manifest built at another node', async (t) => {
  const under = await draftsUnderTest(t)
  await under.drafts.create('november-security')
  await under.drafts.addPatch('november-security', OPENSSL, under.blob)
  await under.drafts.freeze('november-security')
  await under.receive(signedManifest(sampleManifest({ version: 5 }), under.admins.slice(0, 2)))
  const { frozen } = await under.drafts.freeze('november-security')
  assert.equal(frozen.version, 5)
  await under.drafts.removePatch('november-security', 'KB5034441')
  const next = parsePackageManifest(frozenDocument((await under.drafts.freeze('november-security')).frozen).bytes)
  assert.equal(next.version, 6)
  assert.ok(next.retracted.includes('KB5034441'), 'a patch of the held manifest is retracted when removed')
})

test('a draft with unbuilt changes keeps them and builds its next version above the held one', async (t) => {
  const under = await draftsUnderTest(t)
  await under.drafts.create('november-security')
  await under.drafts.addPatch('november-security', OPENSSL, under.blob)
  await under.receive(signedManifest(sampleManifest({ version: 5 }), under.admins.slice(0, 2)))
  const { frozen } = await under.drafts.freeze('november-security')
  assert.equal(frozen.version, 6)
  assert.deepEqual(parsePackageManifest(frozenDocument(frozen).bytes).patches.map(p => p.id), ['P-OPENSSL'])
})

test('creating a package of a name the mesh holds is ERR_PACKAGE_EXISTS', async (t) => {
  const under = await draftsUnderTest(t)
  await under.receive(signedManifest(sampleManifest(), under.admins.slice(0, 2)))
  await assert.rejects(under.drafts.create('november-security'), code('ERR_PACKAGE_EXISTS'))
})

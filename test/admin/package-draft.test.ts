import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DEFAULT_DEADLINE_AFTER_MS, buildManifest, draftOfManifest, freezeDraft, frozenDocument, newDraft, withPatch, withSettings, withSignatures, withoutPatch
} from '../../admin/package-draft.ts'
import { parsePackageManifest } from '../../protocol/package-manifest.ts'
import { generateSigningKey, keyIdOf, signBytes } from '../../protocol/signatures.ts'
import { blobIdFor, sampleManifest, signedManifest, testKeys } from '../helpers/admin-documents.ts'
import type { PackageDraft } from '../../admin/package-draft.ts'
import type { ManifestPatch } from '../../protocol/package-manifest-types.ts'

const NOW = new Date('2026-11-24T10:00:00Z')
const LATER = new Date('2026-11-25T10:00:00Z')
const build = { mesh: 'acme', version: 1, now: NOW }

function patch (id: string, file = `${id.toLowerCase()}.deb`): ManifestPatch {
  return { id, blob: blobIdFor(id), index: blobIdFor(`${id} index`), size: 1000, file, kind: 'deb', command: 'dpkg -i {file}', successCodes: [0], rebootCodes: [], reboot: 'never', timeoutSeconds: 600 }
}

function draftWith (...ids: string[]): PackageDraft {
  return ids.reduce((draft, id) => withPatch(draft, patch(id), NOW), newDraft('nov', NOW))
}

function code (expected: string): (err: unknown) => boolean {
  return err => (err as { code?: string }).code === expected
}

test('a new draft targets every computer, is available when built and has its deadline a week later', () => {
  const manifest = buildManifest(draftWith('P-1'), build)
  assert.equal(manifest.target, undefined)
  assert.equal(manifest.deployment.available, NOW.toISOString())
  assert.equal(Date.parse(manifest.deployment.deadline) - NOW.getTime(), DEFAULT_DEADLINE_AFTER_MS)
  assert.equal(manifest.deployment.rebootServers, false)
  assert.equal(manifest.expires, undefined)
})

test('relative deadline and expiry resolve from the time the manifest is built', () => {
  const draft = withSettings(draftWith('P-1'), { deadline: { afterMs: 3_600_000 }, expires: { afterMs: 86_400_000 } }, NOW)
  const manifest = buildManifest(draft, { ...build, now: LATER })
  assert.equal(manifest.deployment.deadline, new Date(LATER.getTime() + 3_600_000).toISOString())
  assert.equal(manifest.expires, new Date(LATER.getTime() + 86_400_000).toISOString())
})

test('settings change only the fields given, and an empty list clears a target list', () => {
  let draft = withSettings(draftWith('P-1'), { sites: ['hq', 'branch-1'], os: ['debian'], rebootServers: true }, NOW)
  draft = withSettings(draft, { sites: [] }, NOW)
  assert.deepEqual(draft.settings.target, { os: ['debian'] })
  assert.equal(draft.settings.rebootServers, true)
  draft = withSettings(draft, { os: [] }, NOW)
  assert.equal(draft.settings.target, undefined)
})

test('a setting no manifest could carry is refused with ERR_BAD_SETTING', () => {
  assert.throws(() => withSettings(draftWith('P-1'), { sites: ['two words'] }, NOW), code('ERR_BAD_SETTING'))
  assert.throws(() => withSettings(draftWith('P-1'), { available: '2026-12-10T00:00:00.000Z', deadline: { at: '2026-12-01T00:00:00.000Z' } }, NOW), code('ERR_BAD_SETTING'))
})

test('a package name no manifest may carry is refused at creation', () => {
  assert.throws(() => newDraft('no spaces please', NOW), code('ERR_BAD_SETTING'))
})

test('adding a patch of an id the draft carries replaces it in its place', () => {
  const draft = withPatch(draftWith('P-1', 'P-2'), { ...patch('P-1'), command: 'dpkg --force-confold -i {file}' }, NOW)
  assert.deepEqual(draft.patches.map(p => p.id), ['P-1', 'P-2'])
  assert.equal(draft.patches[0]?.command, 'dpkg --force-confold -i {file}')
})

test('two patches of one package cannot share a file name', () => {
  assert.throws(() => withPatch(draftWith('P-1'), patch('P-2', 'p-1.deb'), NOW), code('ERR_BAD_SETTING'))
})

test('removing a patch that was never in a manifest leaves no retraction', () => {
  const draft = withoutPatch(draftWith('P-1', 'P-2'), 'P-2', NOW)
  assert.deepEqual(draft.patches.map(p => p.id), ['P-1'])
  assert.deepEqual(draft.retracted, [])
})

test('removing a patch that was in a manifest retracts it in the next version', () => {
  const frozen = freezeDraft(draftWith('P-1', 'P-2'), build)
  const draft = withoutPatch(frozen, 'P-2', NOW)
  assert.deepEqual(draft.retracted, ['P-2'])
  const next = parsePackageManifest(frozenDocument(freezeDraft(draft, { ...build, version: 2 }).frozen as NonNullable<PackageDraft['frozen']>).bytes)
  assert.deepEqual(next.retracted, ['P-2'])
  assert.deepEqual(next.patches.map(p => p.id), ['P-1'])
})

test('removing a patch the package does not carry is ERR_PATCH_NOT_IN_PACKAGE', () => {
  assert.throws(() => withoutPatch(draftWith('P-1'), 'P-9', NOW), code('ERR_PATCH_NOT_IN_PACKAGE'))
})

test('adding a retracted patch again drops its retraction', () => {
  const retracted = withoutPatch(freezeDraft(draftWith('P-1', 'P-2'), build), 'P-2', NOW)
  assert.deepEqual(withPatch(retracted, patch('P-2'), NOW).retracted, [])
})

test('freezing keeps the exact bytes of the built manifest and records the version', () => {
  const frozen = freezeDraft(draftWith('P-1'), { ...build, version: 4 })
  assert.equal(frozen.lastVersion, 4)
  const manifest = parsePackageManifest(frozenDocument(frozen.frozen as NonNullable<PackageDraft['frozen']>).bytes)
  assert.deepEqual(manifest, buildManifest(draftWith('P-1'), { ...build, version: 4 }))
})

test('any change drops the frozen manifest', () => {
  const frozen = freezeDraft(draftWith('P-1'), build)
  assert.equal(withSettings(frozen, { rebootServers: true }, NOW).frozen, undefined)
  assert.equal(withPatch(frozen, patch('P-2'), NOW).frozen, undefined)
})

test('freezing a draft with neither patches nor retractions is ERR_EMPTY_PACKAGE', () => {
  assert.throws(() => freezeDraft(newDraft('nov', NOW), build), code('ERR_EMPTY_PACKAGE'))
})

test('a draft continued from a held manifest keeps its bytes, signatures and version', () => {
  const { admins } = testKeys(2)
  const manifest = sampleManifest()
  const document = signedManifest(manifest, admins.slice(0, 1))
  const draft = draftOfManifest(manifest, document, NOW)
  assert.equal(draft.lastVersion, manifest.version)
  assert.deepEqual(frozenDocument(draft.frozen as NonNullable<PackageDraft['frozen']>), document)
  // Its next version says the same, at a higher version.
  const next = parsePackageManifest(frozenDocument(freezeDraft(withSettings(draft, { rebootServers: true }, NOW), { ...build, version: 3 }).frozen as NonNullable<PackageDraft['frozen']>).bytes)
  assert.deepEqual(next.patches, manifest.patches)
  assert.deepEqual(next.target, manifest.target)
  assert.equal(next.deployment.deadline, manifest.deployment.deadline)
})

test('a key signing the frozen manifest again replaces its earlier signature', () => {
  const key = generateSigningKey()
  const keyId = keyIdOf(key.publicKey)
  const frozen = freezeDraft(draftWith('P-1'), build).frozen as NonNullable<PackageDraft['frozen']>
  const bytes = frozenDocument(frozen).bytes
  const once = withSignatures(frozen, [{ keyId, signature: signBytes(bytes, key) }])
  const twice = withSignatures(once, [{ keyId, signature: signBytes(bytes, key) }])
  assert.deepEqual(twice.signatures.map(s => s.keyId), [keyId])
})

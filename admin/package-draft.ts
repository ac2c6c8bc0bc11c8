import { FormatError } from '../protocol/errors.ts'
import { serializePackageManifest } from '../protocol/package-manifest.ts'
import { PackageError } from './package-errors.ts'
import type { MaintenanceWindow } from '../protocol/maintenance-window.ts'
import type { ManifestPatch, PackageManifest, PackageTarget } from '../protocol/package-manifest-types.ts'
import type { DocumentSignature, SignedDocument } from '../protocol/signatures.ts'

/** A time in a draft: fixed, or an offset from another time that is only known when a manifest is built. */
export type DraftTime = { at: string } | { afterMs: number }

/** How a draft's manifests target and deploy; relative times resolve when a manifest is built. */
export interface DraftSettings {
  target?: PackageTarget
  /** ISO time; absent: the moment the manifest is built. */
  available?: string
  /** Fixed, or after `available`. */
  deadline: DraftTime
  window?: MaintenanceWindow
  rebootServers: boolean
  /** Fixed, or after the manifest's creation; absent: the manifest never expires. */
  expires?: DraftTime
}

/** A change to a draft's settings: only the fields given change; an empty list or null clears. */
export interface SettingsChange {
  sites?: string[]
  tags?: string[]
  os?: string[]
  available?: string | null
  deadline?: DraftTime
  window?: MaintenanceWindow | null
  rebootServers?: boolean
  expires?: DraftTime | null
}

/** One signature as the database keeps it. */
export interface SignatureRecord {
  keyId: string
  /** base64 */
  signature: string
}

/** A manifest built from a draft: its exact bytes (so every admin signs the same ones) and the signatures collected here. */
export interface FrozenManifest {
  version: number
  /** base64 of the manifest XML. */
  bytes: string
  signatures: SignatureRecord[]
}

/** An admin's working copy of a package at one node: what the next manifest version will say. */
export interface PackageDraft {
  name: string
  /** In install order. */
  patches: ManifestPatch[]
  retracted: string[]
  /** Patch ids that were in a manifest built or adopted here: removing one of them retracts it. */
  shipped: string[]
  settings: DraftSettings
  /** Version of the last manifest built or adopted; 0 before the first. */
  lastVersion: number
  /** The manifest built from the draft as it is now; dropped by any change. */
  frozen?: FrozenManifest
  updatedAt: string
}

/** @default 7 days from availability to deadline: a week's maintenance windows. */
export const DEFAULT_DEADLINE_AFTER_MS = 7 * 86_400_000
/** Stands in for the patch list when checking the settings of a draft that has none yet. */
const PROBE_RETRACTION = 'settings-check'

/** A new, empty draft; throws PackageError (ERR_BAD_SETTING) for a name no manifest may carry. */
export function newDraft (name: string, now: Date): PackageDraft {
  return checked({ name, patches: [], retracted: [], shipped: [], settings: { deadline: { afterMs: DEFAULT_DEADLINE_AFTER_MS }, rebootServers: false }, lastVersion: 0, updatedAt: now.toISOString() }, now)
}

/** The draft with `patch` added, or replacing the patch of the same id in its place; no longer retracted. */
export function withPatch (draft: PackageDraft, patch: ManifestPatch, now: Date): PackageDraft {
  checkFileName(draft, patch)
  const at = draft.patches.findIndex(p => p.id === patch.id)
  const patches = at === -1 ? [...draft.patches, patch] : draft.patches.map((p, i) => i === at ? patch : p)
  return changed(draft, { patches, retracted: draft.retracted.filter(id => id !== patch.id) }, now)
}

/** Throws PackageError (ERR_BAD_SETTING) when another patch of the draft already uses the patch's file name. */
export function checkFileName (draft: PackageDraft, patch: Pick<ManifestPatch, 'id' | 'file'>): void {
  const sameFile = draft.patches.find(p => p.id !== patch.id && p.file === patch.file)
  if (sameFile !== undefined) throw new PackageError('ERR_BAD_SETTING', `file name "${patch.file}" is already used by patch ${sameFile.id} of package ${draft.name}; files sit side by side, so give this one another name`)
}

/** The draft without the patch; one that was in a manifest already becomes a retraction, so nodes stop installing it. */
export function withoutPatch (draft: PackageDraft, id: string, now: Date): PackageDraft {
  if (!draft.patches.some(p => p.id === id)) {
    const why = draft.retracted.includes(id) ? 'it is already retracted' : `it carries ${draft.patches.map(p => p.id).join(', ') || 'no patches'}`
    throw new PackageError('ERR_PATCH_NOT_IN_PACKAGE', `package ${draft.name} does not carry patch ${id}: ${why}`)
  }
  const retracted = draft.shipped.includes(id) ? [...draft.retracted, id] : draft.retracted
  return changed(draft, { patches: draft.patches.filter(p => p.id !== id), retracted }, now)
}

/** The draft with changed settings; throws PackageError (ERR_BAD_SETTING) naming a value no manifest could carry. */
export function withSettings (draft: PackageDraft, change: SettingsChange, now: Date): PackageDraft {
  const settings: DraftSettings = { ...draft.settings }
  const target: PackageTarget = { ...draft.settings.target }
  for (const list of ['sites', 'tags', 'os'] as const) {
    const words = change[list]
    if (words === undefined) continue
    // The manifest writes a list space-separated: a word with a space in it would come back as two.
    const spaced = words.find(word => word === '' || /\s/u.test(word))
    if (spaced !== undefined) throw new PackageError('ERR_BAD_SETTING', `${list} entry "${spaced.slice(0, 80)}" is empty or holds a space; expected names without spaces`)
    if (words.length === 0) delete target[list]
    else target[list] = words
  }
  if (Object.keys(target).length === 0) delete settings.target
  else settings.target = target
  assign(settings, 'available', change.available)
  assign(settings, 'window', change.window)
  assign(settings, 'expires', change.expires)
  if (change.deadline !== undefined) settings.deadline = change.deadline
  if (change.rebootServers !== undefined) settings.rebootServers = change.rebootServers
  return changed(draft, { settings }, now)
}

/** The manifest of the draft as version `version` of mesh `mesh`, created `now`; relative times resolved. */
export function buildManifest (draft: PackageDraft, options: { mesh: string, version: number, now: Date }): PackageManifest {
  const { settings } = draft
  const created = options.now.toISOString()
  const available = settings.available ?? created
  const manifest: PackageManifest = {
    mesh: options.mesh,
    name: draft.name,
    version: options.version,
    created,
    deployment: { available, deadline: resolve(settings.deadline, available), rebootServers: settings.rebootServers },
    patches: draft.patches,
    retracted: draft.retracted
  }
  if (settings.window !== undefined) manifest.deployment.window = settings.window
  if (settings.target !== undefined) manifest.target = settings.target
  if (settings.expires !== undefined) manifest.expires = resolve(settings.expires, created)
  return manifest
}

/** Builds and keeps the manifest bytes of the draft as it is, as version `version`; throws PackageError. */
export function freezeDraft (draft: PackageDraft, options: { mesh: string, version: number, now: Date }): PackageDraft {
  if (draft.patches.length === 0 && draft.retracted.length === 0) {
    throw new PackageError('ERR_EMPTY_PACKAGE', `package ${draft.name} has no patches yet; add one with "patchmesh admin package add ${draft.name} PATCH-ID --file FILE"`)
  }
  const xml = serialize(buildManifest(draft, options), draft.name)
  return {
    ...draft,
    shipped: union(draft.shipped, draft.patches.map(p => p.id)),
    lastVersion: options.version,
    frozen: { version: options.version, bytes: Buffer.from(xml).toString('base64'), signatures: [] }
  }
}

/** A draft that continues a manifest the mesh holds (built at another node, or newer than ours), with its signatures. */
export function draftOfManifest (manifest: PackageManifest, document: SignedDocument, now: Date): PackageDraft {
  const { deployment } = manifest
  const settings: DraftSettings = { deadline: { at: deployment.deadline }, available: deployment.available, rebootServers: deployment.rebootServers }
  if (manifest.target !== undefined) settings.target = manifest.target
  if (deployment.window !== undefined) settings.window = deployment.window
  if (manifest.expires !== undefined) settings.expires = { at: manifest.expires }
  return {
    name: manifest.name,
    patches: manifest.patches,
    retracted: manifest.retracted,
    shipped: union(manifest.patches.map(p => p.id), manifest.retracted),
    settings,
    lastVersion: manifest.version,
    frozen: { version: manifest.version, bytes: Buffer.from(document.bytes).toString('base64'), signatures: signatureRecords(document.signatures) },
    updatedAt: now.toISOString()
  }
}

/** The frozen manifest as a signed document. */
export function frozenDocument (frozen: FrozenManifest): SignedDocument {
  return {
    bytes: new Uint8Array(Buffer.from(frozen.bytes, 'base64')),
    signatures: frozen.signatures.map(s => ({ keyId: s.keyId, signature: new Uint8Array(Buffer.from(s.signature, 'base64')) }))
  }
}

/** The frozen manifest with `signatures` added; a key's newer signature replaces its older one. */
export function withSignatures (frozen: FrozenManifest, signatures: readonly DocumentSignature[]): FrozenManifest {
  const added = signatureRecords(signatures)
  return { ...frozen, signatures: [...frozen.signatures.filter(s => !added.some(a => a.keyId === s.keyId)), ...added] }
}

function signatureRecords (signatures: readonly DocumentSignature[]): SignatureRecord[] {
  return signatures.map(s => ({ keyId: s.keyId, signature: Buffer.from(s.signature).toString('base64') }))
}

/** A change: the frozen manifest no longer matches, and the result must still make a valid manifest. */
function changed (draft: PackageDraft, fields: Partial<PackageDraft>, now: Date): PackageDraft {
  const { frozen: _, ...rest } = draft
  return checked({ ...rest, ...fields, updatedAt: now.toISOString() }, now)
}

/** Writing a probe manifest applies every rule of the format, so a draft that passes always makes a readable manifest. */
function checked (draft: PackageDraft, now: Date): PackageDraft {
  const probe = draft.patches.length === 0 && draft.retracted.length === 0 ? { ...draft, retracted: [PROBE_RETRACTION] } : draft
  serialize(buildManifest(probe, { mesh: 'settings-check', version: Math.max(1, draft.lastVersion), now }), draft.name)
  return draft
}

function serialize (manifest: PackageManifest, name: string): string {
  try {
    return serializePackageManifest(manifest)
  } catch (err) {
    if (err instanceof FormatError) throw new PackageError('ERR_BAD_SETTING', `package ${name}: ${err.message}`, { cause: err })
    throw err
  }
}

function resolve (time: DraftTime, from: string): string {
  return 'at' in time ? time.at : new Date(Date.parse(from) + time.afterMs).toISOString()
}

/** Sets or (for null) removes an optional setting; undefined leaves it. */
function assign<K extends 'available' | 'window' | 'expires'> (settings: DraftSettings, key: K, value: DraftSettings[K] | null | undefined): void {
  if (value === null) delete settings[key]
  else if (value !== undefined) settings[key] = value
}

function union (a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])]
}

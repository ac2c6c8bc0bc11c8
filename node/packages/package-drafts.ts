import { PackageError } from '../../admin/package-errors.ts'
import { checkFileName, draftOfManifest, freezeDraft, frozenDocument, newDraft, withPatch, withSettings, withSignatures, withoutPatch } from '../../admin/package-draft.ts'
import { resolvePatchSettings } from '../../admin/package-patch.ts'
import { verifyBytes } from '../../protocol/signatures.ts'
import { KeyedLock } from '../blobs/keyed-lock.ts'
import { DraftStore } from './draft-store.ts'
import { heldManifest } from './held-manifests.ts'
import type { FrozenManifest, PackageDraft, SettingsChange } from '../../admin/package-draft.ts'
import type { PatchRequest, PatchSettings } from '../../admin/package-patch.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { DocumentSignature } from '../../protocol/signatures.ts'
import type { AdminDocStore } from '../admin-docs/admin-doc-store.ts'
import type { BlobStatus } from '../blobs/blob-store.ts'
import type { NodeDatabase } from '../db/database.ts'
import type { Logger } from '../log.ts'
import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import type { HeldManifest } from './held-manifests.ts'

/** Where an uploaded patch file sits in the node's blob store. */
export interface PatchBlob {
  blobId: string
  indexId: string
  size: number
}

export interface PackageDraftsComponents {
  db: NodeDatabase
  /** The mesh's name, written into every manifest. */
  meshName: string
  /** The trust root in force (AdminDocuments#mesh); undefined on a one-node mesh without a mesh file. */
  mesh: () => MeshFile | undefined
  admin: AdminDocStore
  catalogs: { newest: () => Promise<CompiledCatalog | undefined> }
  blobs: { status: (blobId: string) => Promise<BlobStatus | undefined> }
  logger: Logger
  /** @default () => new Date() */
  now?: () => Date
}

/** A package as this node sees it: the admins' draft (following the mesh's newest manifest) and that manifest. */
export interface PackageState {
  draft?: PackageDraft
  held?: HeldManifest
}

/**
 * The package drafts of this node (DESIGN, "Approve and package"). A draft changes freely; `freeze`
 * builds its next manifest version once and keeps those exact bytes, so every admin signs the same
 * ones. A draft follows the mesh: when the node holds a newer manifest of the name than the draft's
 * last (built at another node) and the draft has no unbuilt changes, the draft continues from it.
 * A draft with unbuilt changes keeps them and builds above the held version: the admin here decides.
 */
export class PackageDrafts {
  readonly #c: PackageDraftsComponents
  readonly #store: DraftStore
  readonly #log: Logger
  readonly #now: () => Date
  readonly #locks = new KeyedLock()

  constructor (components: PackageDraftsComponents) {
    this.#c = components
    this.#store = new DraftStore(components.db)
    this.#log = components.logger.child({ module: 'packages' })
    this.#now = components.now ?? (() => new Date())
  }

  /** The draft (as the next change would find it) and the held manifest of `name`. */
  async state (name: string): Promise<PackageState> {
    const [stored, held] = await Promise.all([this.#store.get(name), heldManifest(this.#c.admin, name)])
    return { draft: following(stored, held, this.#now()), held }
  }

  /** Names of every draft. */
  async draftNames (): Promise<string[]> {
    return (await this.#store.list()).map(d => d.name)
  }

  async create (name: string): Promise<PackageDraft> {
    return await this.#locks.run(name, async () => {
      const { draft } = await this.state(name)
      if (draft != null) throw new PackageError('ERR_PACKAGE_EXISTS', `package ${name} already exists (version ${draft.lastVersion}); change it with add, set or remove`)
      return await this.#save(newDraft(name, this.#now()), 'package created')
    })
  }

  /** The settings a patch of package `name` would get, without its file: checked before a large file is uploaded. */
  async checkPatch (name: string, request: PatchRequest): Promise<PatchSettings> {
    const { draft } = await this.#existing(name)
    const settings = await this.#patchSettings(request)
    checkFileName(draft, settings)
    return settings
  }

  async #patchSettings (request: PatchRequest): Promise<PatchSettings> {
    const catalog = await this.#c.catalogs.newest()
    if (catalog == null) throw new PackageError('ERR_UNKNOWN_PATCH', 'this node holds no catalog yet, so it knows no patch ids')
    const patch = catalog.patches.find(p => p.id === request.id)
    if (patch == null) throw new PackageError('ERR_UNKNOWN_PATCH', `patch ${request.id} is not in catalog ${catalog.id} version ${catalog.version}; "patchmesh admin required" lists the patches computers miss`)
    return resolvePatchSettings(patch, request)
  }

  /** Adds (or replaces) a patch whose file the node's blob store holds whole. */
  async addPatch (name: string, request: PatchRequest, blob: PatchBlob): Promise<PackageDraft> {
    const settings = await this.#patchSettings(request)
    const status = await this.#c.blobs.status(blob.blobId)
    if (status?.complete !== true || status.indexId !== blob.indexId || status.size !== blob.size) {
      throw new PackageError('ERR_BLOB_NOT_HELD', `the node does not hold blob ${blob.blobId} (index ${blob.indexId}, ${blob.size} bytes) whole; import the file first (PUT /api/v1/control/blobs)`)
    }
    return await this.#change(name, draft => withPatch(draft, { ...settings, blob: blob.blobId, index: blob.indexId, size: blob.size }, this.#now()), 'patch added', { patch: request.id })
  }

  /** Removes a patch; one that was in a manifest already is retracted. */
  async removePatch (name: string, id: string): Promise<PackageDraft> {
    return await this.#change(name, draft => withoutPatch(draft, id, this.#now()), 'patch removed', { patch: id })
  }

  async changeSettings (name: string, change: SettingsChange): Promise<PackageDraft> {
    return await this.#change(name, draft => withSettings(draft, change, this.#now()), 'package settings changed')
  }

  /** The manifest to sign and publish: the frozen one while the draft is unchanged, else the next version, built now. */
  async freeze (name: string): Promise<{ draft: PackageDraft, frozen: FrozenManifest }> {
    return await this.#locks.run(name, async () => {
      const { draft, held } = await this.#existing(name)
      if (draft.frozen != null) return { draft: await this.#keep(draft), frozen: draft.frozen }
      const version = Math.max(held?.manifest.version ?? 0, draft.lastVersion) + 1
      const built = freezeDraft(draft, { mesh: this.#c.meshName, version, now: this.#now() })
      await this.#save(built, 'manifest built', { version })
      return { draft: built, frozen: built.frozen as FrozenManifest }
    })
  }

  /** Adds an admin's signature over the frozen manifest `version`; checked against the mesh file here, so a wrong key is told at once. */
  async sign (name: string, version: number, signature: DocumentSignature): Promise<PackageDraft> {
    return await this.#locks.run(name, async () => {
      const { draft } = await this.#existing(name)
      const { frozen } = draft
      if (frozen?.version !== version) {
        throw new PackageError('ERR_STALE_MANIFEST', `version ${version} of package ${name} is no longer the one to sign (${frozen == null ? 'the draft changed since' : `it is now version ${frozen.version}`}); run sign again`)
      }
      const problem = this.#signatureProblem(frozenDocument(frozen).bytes, signature)
      if (problem != null) {
        this.#log.warn({ name, version, keyId: signature.keyId, reason: problem }, 'package signature refused')
        throw new PackageError('ERR_SIGNATURE', `${problem}; the signature was not added`)
      }
      return await this.#save({ ...draft, frozen: withSignatures(frozen, [signature]) }, 'manifest signed', { version, keyId: signature.keyId })
    })
  }

  #signatureProblem (bytes: Uint8Array, signature: DocumentSignature): string | undefined {
    const mesh = this.#c.mesh()
    if (mesh == null) return 'this node runs a one-node mesh without a mesh file, so it knows no admin keys; start it with --mesh FILE'
    const key = mesh.admins.keys.find(k => k.id === signature.keyId)
    if (key == null) return `key ${signature.keyId} is not an admin key of mesh "${mesh.name}" (its mesh file names ${mesh.admins.keys.map(k => k.id).join(', ')})`
    if (!verifyBytes(bytes, signature.signature, key.publicKey)) return `the signature by key ${signature.keyId} does not verify over the manifest's bytes`
    return undefined
  }

  async #change (name: string, edit: (draft: PackageDraft) => PackageDraft, event: string, fields: object = {}): Promise<PackageDraft> {
    return await this.#locks.run(name, async () => await this.#save(edit((await this.#existing(name)).draft), event, fields))
  }

  async #existing (name: string): Promise<{ draft: PackageDraft, held?: HeldManifest }> {
    const { draft, held } = await this.state(name)
    if (draft == null) throw new PackageError('ERR_NO_SUCH_PACKAGE', `no package named ${name} here or in the mesh; create it with "patchmesh admin package create ${name}"`)
    return { draft, held }
  }

  /** Stores a draft that following() moved on (adopted or merged signatures), so signing continues from it. */
  async #keep (draft: PackageDraft): Promise<PackageDraft> {
    const stored = await this.#store.get(draft.name)
    if (JSON.stringify(stored) !== JSON.stringify(draft)) await this.#store.put(draft)
    return draft
  }

  async #save (draft: PackageDraft, event: string, fields: object = {}): Promise<PackageDraft> {
    await this.#store.put(draft)
    this.#log.info({ name: draft.name, ...fields }, event)
    return draft
  }
}

/**
 * The draft that changes continue from: the stored one while it has unbuilt changes or is the newest;
 * the held manifest when that is newer (or a different document of the same version); the stored one
 * with the held copy's signatures when both are the same bytes.
 */
function following (stored: PackageDraft | undefined, held: HeldManifest | undefined, now: Date): PackageDraft | undefined {
  if (held == null) return stored
  if (stored == null) return draftOfManifest(held.manifest, held.document, now)
  const { frozen } = stored
  if (frozen == null || held.manifest.version < frozen.version) return stored
  if (held.manifest.version === frozen.version && Buffer.from(frozen.bytes, 'base64').equals(held.document.bytes)) {
    return { ...stored, frozen: withSignatures(frozen, held.document.signatures) }
  }
  return draftOfManifest(held.manifest, held.document, now)
}

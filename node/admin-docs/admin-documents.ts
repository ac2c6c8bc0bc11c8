import { TopicValidatorResult } from '@libp2p/gossipsub'
import { verifyCatalogAnnouncement, verifyMeshUpdate, verifyPackageManifest } from '../../protocol/admin-document.ts'
import { decodeAdminMessage } from '../../protocol/admin-message.ts'
import { FormatError } from '../../protocol/errors.ts'
import { AdminDocStore } from './admin-doc-store.ts'
import { MeshBacklog } from './mesh-backlog.ts'
import type { AdminDocumentVerdict, CatalogAnnouncementVerdict, MeshUpdateVerdict, PackageManifestVerdict } from '../../protocol/admin-document.ts'
import type { AdminMessage, AdminMessageKind } from '../../protocol/admin-message.ts'
import type { CatalogAnnouncement } from '../../protocol/catalog-announcement.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { NodeDatabase } from '../db/database.ts'
import type { Logger } from '../log.ts'

/** What became of an offered admin document. */
export interface AdminOutcome {
  /** stored: newly held (accepted or pending); known: nothing to take from it now (see `status`); refused: see `reason`. */
  result: 'stored' | 'known' | 'refused'
  kind: AdminMessageKind | 'unknown'
  /** The verdict's status (accepted, pending, more-signatures, replay, rollback, predecessor-missing, bad-signature, …). */
  status: string
  name?: string
  version?: number
  detail: string
}

/** Listeners for documents that took effect. */
export interface AdminDocumentEvents {
  /** A newer catalog was announced by a trusted catalog signer; `from` handed it over (a peer id, 'control', 'catalog-source'). */
  catalog?: (announcement: CatalogAnnouncement, from: string) => void
  /** A package manifest reached its threshold (or gained signatures while pending). */
  package?: (manifest: PackageManifest, state: 'accepted' | 'pending') => void
  /** The trust root changed. */
  meshFile?: (mesh: MeshFile) => void
}

/**
 * Statuses that say "authentic, just not news", or "not judgeable yet" for a mesh update ahead of the
 * chain held or behind the version in force: no penalty for the peer that relayed them.
 */
const NOT_NEWS = new Set(['replay', 'rollback', 'older-than-held', 'conflict', 'expired', 'predecessor-missing', 'superseded'])

/**
 * The node's admin documents: judges every catalog announcement, package manifest and mesh update
 * against the mesh file (however it arrived: gossip, sync, or this computer's admin), keeps the
 * newest of each, records refusals with their reason, and tells listeners what took effect.
 */
export class AdminDocuments {
  readonly store: AdminDocStore
  readonly #log: Logger
  readonly #events: AdminDocumentEvents
  readonly #heldCatalog: (catalogId: string) => Promise<number | undefined>
  /** Mesh updates that arrived before the versions they follow (sync hands a lagging node several). */
  readonly #backlog = new MeshBacklog()
  #mesh: MeshFile | undefined

  constructor (init: { db: NodeDatabase, mesh: MeshFile | undefined, logger: Logger, events?: AdminDocumentEvents, heldCatalog: (catalogId: string) => Promise<number | undefined> }) {
    this.store = new AdminDocStore(init.db)
    this.#mesh = init.mesh
    this.#log = init.logger.child({ module: 'admin-docs' })
    this.#events = init.events ?? {}
    this.#heldCatalog = init.heldCatalog
  }

  /** The trust root in force: the mesh file, or the newest accepted update of it. */
  get mesh (): MeshFile | undefined {
    return this.#mesh
  }

  /**
   * Puts the newest accepted mesh update held into force (it outlives restarts; the file on disk may
   * be older). Each update was signed by the admins of the one before it, so the chain is replayed
   * in order from the file; updates the file already covers are skipped.
   */
  async restore (): Promise<void> {
    let mesh = this.#mesh
    if (mesh == null) return
    for (const { version, message } of await this.store.acceptedMeshUpdates(mesh.name)) {
      if (version <= mesh.version) continue
      const verdict = verifyMeshUpdate(message.document, mesh)
      if (verdict.status === 'accepted') mesh = verdict.value
      else this.#log.warn({ status: verdict.status, version, inForce: mesh.version }, 'held mesh update does not verify against the mesh in force before it; ignoring it')
    }
    this.#mesh = mesh
  }

  /** Sync's digest entries for the admin documents held, with the mesh chain up to the version in force. */
  async syncDigest (): Promise<Array<[string, number]>> {
    return await this.store.digest(this.#mesh)
  }

  /** Judges and, when it is news, stores an admin message; never throws for bad input. */
  async offer (bytes: Uint8Array, from: string, now = new Date()): Promise<AdminOutcome> {
    let message: AdminMessage
    try {
      message = decodeAdminMessage(bytes, { source: `admin message from ${from}` })
    } catch (err) {
      return await this.#refuse({ result: 'refused', kind: 'unknown', status: 'malformed', detail: (err as Error).message }, from, now)
    }
    const before = this.#mesh
    const outcome = await this.#judge(message, from, now)
    // A new version in force may be the one that updates held back were waiting for.
    if (this.#mesh !== before) {
      for (const entry of this.#backlog.takeAll()) await this.#judge(entry.message, entry.from, now)
    }
    return outcome
  }

  /** Judges a decoded message against the mesh in force, then records, logs or holds back what became of it. */
  async #judge (message: AdminMessage, from: string, now: Date): Promise<AdminOutcome> {
    const mesh = this.#mesh
    if (mesh == null) {
      return await this.#refuse({ result: 'refused', kind: message.kind, status: 'no-trust-root', detail: 'this node runs a one-node mesh without a mesh file, so it trusts no admin or catalog-signer key; start it with --mesh FILE' }, from, now)
    }
    const outcome = message.kind === 'catalog-announcement'
      ? await this.#catalog(message, mesh, from, now)
      : message.kind === 'package-manifest' ? await this.#package(message, mesh, now) : await this.#meshUpdate(message, mesh, now)
    if (outcome.result === 'refused') return await this.#refuse(outcome, from, now)
    if (outcome.status === 'predecessor-missing' && outcome.version !== undefined) {
      // Routine for a node that was away during rotations: sync brings the versions in between, oldest first.
      this.#backlog.hold({ version: outcome.version, message, from })
      this.#log.debug({ kind: outcome.kind, version: outcome.version, inForce: mesh.version, from }, 'mesh update ahead of the versions held; held back until they arrive')
      return outcome
    }
    this.#log.info({ kind: outcome.kind, name: outcome.name, version: outcome.version, status: outcome.status, from }, outcome.result === 'stored' ? 'admin document stored' : 'admin document already known')
    return outcome
  }

  /** The gossip verdict for an outcome: Reject only what no honest peer would relay. */
  static gossipResult (outcome: AdminOutcome): TopicValidatorResult {
    if (outcome.result === 'stored') return TopicValidatorResult.Accept
    if (outcome.result === 'known' || NOT_NEWS.has(outcome.status) || outcome.status === 'no-trust-root') return TopicValidatorResult.Ignore
    return TopicValidatorResult.Reject
  }

  async #catalog (message: AdminMessage, mesh: MeshFile, from: string, now: Date): Promise<AdminOutcome> {
    const heldAnnounced = async (catalogId: string): Promise<number | undefined> => {
      const versions = [(await this.store.get('catalog-announcement', catalogId))?.version, await this.#heldCatalog(catalogId)].filter(v => v != null)
      return versions.length === 0 ? undefined : Math.max(...versions)
    }
    const first = verifyCatalogAnnouncement(message.document, mesh)
    const catalogId = first.status === 'accepted' ? first.announcement.catalog : undefined
    const held = catalogId == null ? undefined : await heldAnnounced(catalogId)
    const verdict: CatalogAnnouncementVerdict = catalogId == null ? first : verifyCatalogAnnouncement(message.document, mesh, () => held)
    if (verdict.status !== 'accepted') {
      return { result: NOT_NEWS.has(verdict.status) ? 'known' : 'refused', kind: message.kind, status: verdict.status, name: catalogId, detail: describe(verdict) }
    }
    const { announcement } = verdict
    await this.store.put({ kind: message.kind, name: announcement.catalog, version: announcement.version, state: 'accepted', signatures: 1 }, message, now)
    this.#events.catalog?.(announcement, from)
    return { result: 'stored', kind: message.kind, status: 'accepted', name: announcement.catalog, version: announcement.version, detail: `catalog ${announcement.catalog} version ${announcement.version}` }
  }

  async #package (message: AdminMessage, mesh: MeshFile, now: Date): Promise<AdminOutcome> {
    const heldDocs = new Map<string, { version: number, document: AdminMessage['document'] }>()
    for (const doc of await this.store.list('package-manifest')) {
      const held = await this.store.message('package-manifest', doc.name)
      if (held != null) heldDocs.set(doc.name, { version: doc.version, document: held.document })
    }
    const verdict: PackageManifestVerdict = verifyPackageManifest(message.document, mesh, { nowMs: now.getTime(), held: name => heldDocs.get(name) })
    return await this.#storeVerdict(message, verdict, now, manifest => manifest.name, (manifest, state) => this.#events.package?.(manifest, state))
  }

  async #meshUpdate (message: AdminMessage, mesh: MeshFile, now: Date): Promise<AdminOutcome> {
    const held = await this.store.message('mesh-update', mesh.name)
    const heldDoc = await this.store.get('mesh-update', mesh.name)
    // A pending successor is held by its bytes so co-signatures merge; the file in force bounds the version otherwise.
    const pending = heldDoc?.state === 'pending' && heldDoc.version > mesh.version && held != null ? { version: heldDoc.version, document: held.document } : undefined
    let verdict = verifyMeshUpdate(message.document, mesh, pending)
    if (verdict.status === 'conflict' && pending !== undefined) {
      // A proposal still short of co-signers must not block a different update that k admins signed for that version.
      const signed = verifyMeshUpdate(message.document, mesh)
      if (signed.status === 'accepted') verdict = signed
    }
    return await this.#storeVerdict(message, verdict, now, file => file.name, (file, state) => {
      if (state !== 'accepted') return
      this.#mesh = file
      this.#log.warn({ mesh: file.name, version: file.version, admins: file.admins.keys.length, threshold: file.admins.threshold }, 'mesh file updated: new trust root in force')
      this.#events.meshFile?.(file)
    })
  }

  async #storeVerdict<T extends { version: number }> (
    message: AdminMessage, verdict: AdminDocumentVerdict<T> | PackageManifestVerdict | MeshUpdateVerdict, now: Date,
    nameOf: (value: T) => string, apply: (value: T, state: 'accepted' | 'pending') => void
  ): Promise<AdminOutcome> {
    if (verdict.status !== 'accepted' && verdict.status !== 'pending' && verdict.status !== 'more-signatures') {
      const version = 'version' in verdict ? verdict.version : undefined
      return { result: NOT_NEWS.has(verdict.status) ? 'known' : 'refused', kind: message.kind, status: verdict.status, version, detail: describe(verdict) }
    }
    const value = verdict.value as T
    const state = verdict.status === 'pending' || (verdict.status === 'more-signatures' && !verdict.complete) ? 'pending' : 'accepted'
    const name = nameOf(value)
    await this.store.put({ kind: message.kind, name, version: value.version, state, signatures: verdict.signers.length }, { kind: message.kind, document: verdict.document }, now)
    apply(value, state)
    const signed = `${verdict.signers.length} valid signature${verdict.signers.length === 1 ? '' : 's'}`
    return { result: 'stored', kind: message.kind, status: verdict.status, name, version: value.version, detail: state === 'pending' ? `pending: ${signed}, waiting for co-signers` : `accepted with ${signed}` }
  }

  async #refuse (outcome: AdminOutcome, from: string, now: Date): Promise<AdminOutcome> {
    if (outcome.result === 'refused') {
      this.#log.warn({ kind: outcome.kind, status: outcome.status, from, untrusted: { detail: outcome.detail, name: outcome.name } }, 'admin document refused')
      await this.store.refuse({ at: now.toISOString(), kind: outcome.kind, name: outcome.name, version: outcome.version, reason: outcome.status, detail: outcome.detail, from })
    }
    return outcome
  }
}

/** One line saying why a verdict is what it is. */
function describe (verdict: { status: string, problems: Array<{ keyId: string, reason: string }> } & Record<string, unknown>): string {
  const problems = verdict.problems.map(p => `${p.reason} (key ${p.keyId})`).join(', ')
  const base = (() => {
    switch (verdict.status) {
      case 'wrong-mesh': return `signed for mesh "${String(verdict.mesh)}", this is "${String(verdict.expected)}"`
      case 'malformed': return `not a valid document: ${verdict.error instanceof FormatError ? verdict.error.message : String(verdict.error)}`
      case 'untrusted': case 'unknown-signer': return 'no signature by a key the mesh file names for this'
      case 'bad-signature': return 'a signature does not verify over the document\'s bytes'
      case 'rollback': return `version ${String(verdict.version)} is older than the held ${String(verdict.held)}`
      case 'older-than-held': return `version ${String(verdict.version)} is not newer than the one held`
      case 'replay': return `version ${String(verdict.version)} is already held with these signatures`
      case 'conflict': return `another document already claims version ${String(verdict.version)}`
      case 'expired': return `expired at ${String(verdict.expires)}`
      case 'predecessor-missing': return `version ${String(verdict.version)} follows versions this node does not hold yet (version ${String(verdict.inForce)} is in force); it waits for them`
      case 'superseded': return `version ${String(verdict.version)} is not newer than version ${String(verdict.inForce)} in force, and none of its admins signed it`
      default: return verdict.status
    }
  })()
  return problems === '' ? base : `${base}; ${problems}`
}

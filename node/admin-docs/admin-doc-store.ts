import { sublevel } from '../db/database.ts'
import { decodeAdminMessage, encodeAdminMessage } from '../../protocol/admin-message.ts'
import type { AdminMessage, AdminMessageKind } from '../../protocol/admin-message.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'

/** One admin document as held: the newest version per kind and name, with only its valid signatures. */
export interface HeldAdminDocument {
  kind: AdminMessageKind
  /** Catalog id, package name, or the mesh name for mesh updates. */
  name: string
  version: number
  /** 'pending' until k of n admins signed (package manifests and mesh updates). */
  state: 'accepted' | 'pending'
  /** How many valid signatures it carries: sync hands over a copy with more. */
  signatures: number
  receivedAt: string
  /** The admin message exactly as it is relayed (base64 of encodeAdminMessage). */
  message: string
}

/** A refused admin document, kept so the reason is visible in the API, not only in the log. */
export interface AdminRefusal {
  at: string
  kind: AdminMessageKind | 'unknown'
  name?: string
  version?: number
  /** The verdict's status: bad-signature, untrusted, wrong-mesh, malformed, expired, … */
  reason: string
  detail: string
  /** Who handed it to us: a peer id, or 'control' for this computer's admin. */
  from: string
}

/** @default 200 refusals kept, newest first. */
export const MAX_REFUSALS_KEPT = 200

/** The admin documents a node holds, and the recent refusals. */
export class AdminDocStore {
  readonly #docs: Sublevel<HeldAdminDocument>
  /** Every accepted mesh update by mesh and version: the newest record may be a pending successor, and a restart replays this chain. */
  readonly #meshChain: Sublevel<HeldAdminDocument>
  readonly #refusals: Sublevel<AdminRefusal>
  #refusalSeq = 0

  constructor (db: NodeDatabase) {
    this.#docs = sublevel(db, 'admin-docs')
    this.#meshChain = sublevel(db, 'mesh-chain')
    this.#refusals = sublevel(db, 'admin-refusals')
  }

  async get (kind: AdminMessageKind, name: string): Promise<HeldAdminDocument | undefined> {
    return await this.#docs.get(key(kind, name))
  }

  /** The held admin message, decoded. */
  async message (kind: AdminMessageKind, name: string): Promise<AdminMessage | undefined> {
    const held = await this.get(kind, name)
    return held == null ? undefined : decodeAdminMessage(Buffer.from(held.message, 'base64'))
  }

  async put (held: Omit<HeldAdminDocument, 'message' | 'receivedAt'>, message: AdminMessage, now = new Date()): Promise<void> {
    const bytes = encodeAdminMessage(message)
    const record = { ...held, receivedAt: now.toISOString(), message: Buffer.from(bytes).toString('base64') }
    // Chain first: a crash in between leaves the update in force after a restart, and sync brings the newest record back.
    if (held.kind === 'mesh-update' && held.state === 'accepted') await this.#meshChain.put(meshChainKey(held.name, held.version), record)
    await this.#docs.put(key(held.kind, held.name), record)
  }

  /** Every accepted update of a mesh's file, oldest first. */
  async acceptedMeshUpdates (mesh: string): Promise<Array<{ version: number, message: AdminMessage }>> {
    const held = await this.#meshChain.values({ gte: `${mesh}/`, lt: `${mesh}0` }).all()
    return held.map(doc => ({ version: doc.version, message: decodeAdminMessage(Buffer.from(doc.message, 'base64')) }))
  }

  async list (kind?: AdminMessageKind): Promise<HeldAdminDocument[]> {
    const all = await this.#docs.values(kind == null ? {} : { gte: `${kind}/`, lt: `${kind}0` }).all()
    return all
  }

  async refuse (refusal: AdminRefusal): Promise<void> {
    // Keys sort by time so the oldest go first when the list is trimmed.
    const id = `${refusal.at}#${String(this.#refusalSeq++).padStart(6, '0')}`
    await this.#refusals.put(id, refusal)
    const keys = await this.#refusals.keys({ reverse: true, gt: '' }).all()
    if (keys.length > MAX_REFUSALS_KEPT) await this.#refusals.batch(keys.slice(MAX_REFUSALS_KEPT).map(k => ({ type: 'del' as const, key: k })))
  }

  /** Recent refusals, newest first. */
  async refusals (limit = MAX_REFUSALS_KEPT): Promise<AdminRefusal[]> {
    return await this.#refusals.values({ reverse: true, limit }).all()
  }

  /** Sync's digest entries: one per held document, ordered by version then signature count. */
  async digest (): Promise<Array<[string, number]>> {
    return (await this.list()).map(doc => [syncKey(doc.kind, doc.name), doc.version * 64 + Math.min(doc.signatures, 63)])
  }

  /** The relayable bytes of a document named by its sync key. */
  async encoded (syncName: string): Promise<Uint8Array | undefined> {
    const match = /^admin:([a-z-]+)\/(.+)$/.exec(syncName)
    if (match == null) return undefined
    const held = await this.#docs.get(`${match[1] ?? ''}/${match[2] ?? ''}`)
    return held == null ? undefined : new Uint8Array(Buffer.from(held.message, 'base64'))
  }
}

/** The name an admin document has in sync digests, beside node ids (which never contain ':'). */
export function syncKey (kind: AdminMessageKind, name: string): string {
  return `admin:${kind}/${name}`
}

/** True for sync digest entries that name admin documents. */
export function isAdminSyncKey (name: string): boolean {
  return name.startsWith('admin:')
}

function key (kind: AdminMessageKind, name: string): string {
  return `${kind}/${name}`
}

/** Zero-padded so that keys sort by version. */
function meshChainKey (mesh: string, version: number): string {
  return `${mesh}/${String(version).padStart(16, '0')}`
}

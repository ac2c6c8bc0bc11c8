import { sublevel } from '../db/database.ts'
import { decodeAdminMessage, encodeAdminMessage } from '../../protocol/admin-message.ts'
import type { AdminMessage, AdminMessageKind } from '../../protocol/admin-message.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
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

/** @default 64 versions: sync carries the mesh chain's newest; a node further behind needs today's mesh file by hand. */
export const MESH_CHAIN_SYNCED_VERSIONS = 64
/** A chain entry's sync key: mesh names never contain '@' (MESH_NAME), so the version is unambiguous. */
const MESH_CHAIN_SYNC_KEY = /^admin:mesh-update\/([a-z0-9-]+)@([0-9]{1,15})$/

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

  /**
   * Sync's digest entries: the mesh chain's (see meshChainDigest), then one per other held document,
   * ordered by version then signature count. The mesh-update record joins them only while it holds a
   * successor still waiting for co-signers; once accepted, the update is a chain entry.
   */
  async digest (inForce: Pick<MeshFile, 'name' | 'version'> | undefined): Promise<Array<[string, number]>> {
    const others = (await this.list()).filter(doc => doc.kind !== 'mesh-update' || (doc.state === 'pending' && doc.version > (inForce?.version ?? Infinity)))
    return [...meshChainDigest(inForce), ...others.map((doc): [string, number] => [syncKey(doc.kind, doc.name), doc.version * 64 + Math.min(doc.signatures, 63)])]
  }

  /** The relayable bytes of a document named by its sync key. */
  async encoded (syncName: string): Promise<Uint8Array | undefined> {
    const link = MESH_CHAIN_SYNC_KEY.exec(syncName)
    const match = /^admin:([a-z-]+)\/(.+)$/.exec(syncName)
    const held = link != null
      ? await this.#meshChain.get(meshChainKey(link[1] ?? '', Number(link[2])))
      : match == null ? undefined : await this.#docs.get(`${match[1] ?? ''}/${match[2] ?? ''}`)
    return held == null ? undefined : new Uint8Array(Buffer.from(held.message, 'base64'))
  }
}

/**
 * The mesh chain as sync names it: one entry per version, oldest first (so a peer that lacks several
 * receives them in the order they take effect), from the newest MESH_CHAIN_SYNCED_VERSIONS up to the
 * one in force. An entry says "nothing to learn here", which holds for every version up to the one in
 * force whether or not the node has its bytes (a node started from a newer mesh file has none and
 * cannot judge them), so peers neither push nor offer such versions to it; it serves those it holds.
 * The seq is the version: an accepted update never changes, so signature counts need not be compared.
 */
function meshChainDigest (inForce: Pick<MeshFile, 'name' | 'version'> | undefined): Array<[string, number]> {
  if (inForce == null) return []
  const entries: Array<[string, number]> = []
  // Version 1 is the mesh file every node starts from, never an update.
  for (let version = Math.max(2, inForce.version - MESH_CHAIN_SYNCED_VERSIONS + 1); version <= inForce.version; version++) {
    entries.push([`${syncKey('mesh-update', inForce.name)}@${version}`, version])
  }
  return entries
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

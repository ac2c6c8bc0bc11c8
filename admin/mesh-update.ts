import { encodeAdminMessage } from '../protocol/admin-message.ts'
import { bootstrapAddressProblem } from '../protocol/mesh-file.ts'
import { ED25519_KEY_BYTES, MAX_SIGNATURES, addSignature, keyIdOf } from '../protocol/signatures.ts'
import { AdminError } from './errors.ts'
import { readPublicKeyFile } from './keys.ts'
import type { MeshFile, TrustedKey } from '../protocol/mesh-file.ts'
import type { KeyRole, UnlockedKey } from './keys.ts'

/** What an admin asks to change in the mesh file; everything not named carries over. */
export interface MeshChangeRequest {
  addAdmins?: readonly TrustedKey[]
  /** Key ids. */
  removeAdmins?: readonly string[]
  /** @default the current threshold */
  threshold?: number
  addCatalogSigners?: readonly TrustedKey[]
  /** Key ids. */
  removeCatalogSigners?: readonly string[]
  addBootstrap?: readonly string[]
  removeBootstrap?: readonly string[]
}

/** One difference between two versions of a mesh file. */
export type MeshChange =
  | { change: 'add-admin' | 'remove-admin' | 'add-catalog-signer' | 'remove-catalog-signer', keyId: string }
  | { change: 'add-bootstrap' | 'remove-bootstrap', address: string }
  | { change: 'threshold', from: number, to: number }

/** Base64 of a raw 32-byte Ed25519 public key, as `patchmesh admin key new` prints it. */
const PUBLIC_KEY_TEXT = /^[A-Za-z0-9+/]{43}=$/

/**
 * The next version of `current` with the requested changes (version + 1, created now). Refuses
 * with ERR_MESH_CHANGE what names keys or addresses the file does not hold, leaves no admin or
 * catalog signer, sets a threshold the admins left cannot meet, or changes nothing.
 */
export function proposeMeshUpdate (current: MeshFile, request: MeshChangeRequest, now = new Date()): MeshFile {
  const file = `mesh "${current.name}" version ${current.version}`
  const admins = changeList(current.admins.keys.map(key => key.id), idsOf(request.addAdmins), request.removeAdmins ?? [], 'admin key', file)
  const signers = changeList(current.catalogSigners.map(key => key.id), idsOf(request.addCatalogSigners), request.removeCatalogSigners ?? [], 'catalog-signer key', file)
  const bootstrap = changeList(current.bootstrap, request.addBootstrap ?? [], request.removeBootstrap ?? [], 'bootstrap address', file)
  if (admins.length === 0) {
    throw new AdminError('ERR_MESH_CHANGE', 'the update removes every admin key, which would leave a mesh nobody can change; add the new admin key in the same update')
  }
  if (signers.length === 0) throw new AdminError('ERR_MESH_CHANGE', 'the update removes every catalog-signer key; a mesh needs at least one: add the new one in the same update')
  // One key, one role (as the mesh file's reader demands): moving a key means removing it from its old role too.
  const both = admins.find(id => signers.includes(id))
  if (both !== undefined) throw new AdminError('ERR_MESH_CHANGE', `key ${both} would be both an admin key and a catalog-signer key; a key has one role`)
  for (const address of request.addBootstrap ?? []) {
    const problem = bootstrapAddressProblem(address)
    if (problem !== undefined) throw new AdminError('ERR_MESH_CHANGE', `bootstrap address "${address}": ${problem}`)
  }
  const threshold = request.threshold ?? current.admins.threshold
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > Math.min(admins.length, MAX_SIGNATURES)) {
    throw new AdminError('ERR_MESH_CHANGE', `threshold ${threshold} cannot be met by the ${admins.length} admin key${admins.length === 1 ? '' : 's'} the update leaves; ` +
      `expected a threshold from 1 to ${Math.min(admins.length, MAX_SIGNATURES)}${request.threshold === undefined ? ' (give --threshold)' : ''}`)
  }
  const known = new Map([...current.admins.keys, ...current.catalogSigners, ...request.addAdmins ?? [], ...request.addCatalogSigners ?? []].map(key => [key.id, key]))
  const keysOf = (ids: string[]): TrustedKey[] => ids.map(id => known.get(id) as TrustedKey)
  const next: MeshFile = {
    name: current.name,
    version: current.version + 1,
    created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    admins: { threshold, keys: keysOf(admins) },
    catalogSigners: keysOf(signers),
    bootstrap
  }
  if (meshChanges(current, next).length === 0) throw new AdminError('ERR_MESH_CHANGE', 'the update changes nothing; name at least one key, address or threshold to change')
  return next
}

/** What changed from one mesh file to the next, in the order a reader checks it: admins, threshold, signers, addresses. */
export function meshChanges (from: MeshFile, to: MeshFile): MeshChange[] {
  const changes: MeshChange[] = []
  const keyChanges = (before: readonly TrustedKey[], after: readonly TrustedKey[], added: 'add-admin' | 'add-catalog-signer', removed: 'remove-admin' | 'remove-catalog-signer'): void => {
    for (const { id } of after) if (!before.some(key => key.id === id)) changes.push({ change: added, keyId: id })
    for (const { id } of before) if (!after.some(key => key.id === id)) changes.push({ change: removed, keyId: id })
  }
  keyChanges(from.admins.keys, to.admins.keys, 'add-admin', 'remove-admin')
  if (from.admins.threshold !== to.admins.threshold) changes.push({ change: 'threshold', from: from.admins.threshold, to: to.admins.threshold })
  keyChanges(from.catalogSigners, to.catalogSigners, 'add-catalog-signer', 'remove-catalog-signer')
  for (const address of to.bootstrap) if (!from.bootstrap.includes(address)) changes.push({ change: 'add-bootstrap', address })
  for (const address of from.bootstrap) if (!to.bootstrap.includes(address)) changes.push({ change: 'remove-bootstrap', address })
  return changes
}

/** One line for a change, e.g. "remove admin key bciq…" or "threshold 2 → 1". */
export function describeMeshChange (change: MeshChange): string {
  switch (change.change) {
    case 'add-admin': return `add admin key ${change.keyId}`
    case 'remove-admin': return `remove admin key ${change.keyId}`
    case 'add-catalog-signer': return `add catalog-signer key ${change.keyId}`
    case 'remove-catalog-signer': return `remove catalog-signer key ${change.keyId}`
    case 'add-bootstrap': return `add bootstrap address ${change.address}`
    case 'remove-bootstrap': return `remove bootstrap address ${change.address}`
    case 'threshold': return `threshold ${change.from} → ${change.to}`
  }
}

/** The 'mesh-update' admin message: the new mesh file's exact bytes, signed by one admin key. */
export function signMeshUpdate (bytes: Uint8Array, key: UnlockedKey): Uint8Array {
  if (key.role !== 'admin') throw new AdminError('ERR_KEY_ROLE', `key ${key.keyId} is ${aKey(key.role)}; mesh updates are signed with admin keys`)
  return encodeAdminMessage({ kind: 'mesh-update', document: addSignature({ bytes, signatures: [] }, key.key) })
}

/**
 * A key to add to a mesh file, given as a key file (read without its passphrase; its role must be
 * `role`) or as the base64 public key that `patchmesh admin key new` prints.
 */
export async function readTrustedKey (argument: string, role: KeyRole): Promise<TrustedKey> {
  if (PUBLIC_KEY_TEXT.test(argument)) {
    const publicKey = new Uint8Array(Buffer.from(argument, 'base64'))
    if (publicKey.byteLength === ED25519_KEY_BYTES && Buffer.from(publicKey).toString('base64') === argument) return { id: keyIdOf(publicKey), publicKey }
  }
  const info = await readPublicKeyFile(argument)
  if (info.role !== role) throw new AdminError('ERR_KEY_ROLE', `${argument} holds ${aKey(info.role)}; expected ${aKey(role)} (make one with "patchmesh admin key new --role ${role}")`)
  return { id: info.keyId, publicKey: info.publicKey }
}

/** "an admin key", "a catalog-signer key". */
function aKey (role: KeyRole): string {
  return `${role === 'admin' ? 'an' : 'a'} ${role} key`
}

function idsOf (keys: readonly TrustedKey[] | undefined): string[] {
  return (keys ?? []).map(key => key.id)
}

/** `current` without `remove` and with `add`, refusing unknown removals, repeated additions and additions already present. */
function changeList (current: readonly string[], add: readonly string[], remove: readonly string[], what: string, file: string): string[] {
  for (const item of remove) {
    if (!current.includes(item)) throw new AdminError('ERR_MESH_CHANGE', `cannot remove ${what} ${item}: ${file} has no such ${what}${current.length === 0 ? '' : `; it has ${current.join(', ')}`}`)
  }
  add.forEach((item, i) => {
    if (add.indexOf(item) !== i) throw new AdminError('ERR_MESH_CHANGE', `${what} ${item} is added twice`)
    if (remove.includes(item)) throw new AdminError('ERR_MESH_CHANGE', `${what} ${item} is both added and removed`)
    if (current.includes(item)) throw new AdminError('ERR_MESH_CHANGE', `${what} ${item} is already in ${file}`)
  })
  return [...current.filter(item => !remove.includes(item)), ...add]
}

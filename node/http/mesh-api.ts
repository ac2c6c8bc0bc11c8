import { parseMeshFile, trustedKeyMap } from '../../protocol/mesh-file.ts'
import { checkSignatures } from '../../protocol/signatures.ts'
import type { MeshFile, TrustedKey } from '../../protocol/mesh-file.ts'
import type { AdminDocuments } from '../admin-docs/admin-documents.ts'
import type { Route } from './server.ts'

export interface MeshApiComponents {
  /** Holds the trust root in force and the mesh updates received. */
  admin: Pick<AdminDocuments, 'mesh' | 'store'>
}

/** A trusted key as JSON: its id and the base64 of the raw public key. */
export interface MeshKeyView {
  id: string
  publicKey: string
}

/** A mesh file as JSON. */
export interface MeshFileView {
  name: string
  version: number
  created: string
  threshold: number
  admins: MeshKeyView[]
  catalogSigners: MeshKeyView[]
  bootstrap: string[]
}

/** A newer mesh file held by the node that has fewer admin signatures than the threshold in force. */
export interface PendingMeshUpdateView {
  version: number
  /** Admin keys of the mesh in force whose signatures it carries. */
  signers: string[]
  /** Signatures it needs: the threshold in force (not the one it proposes). */
  needed: number
  receivedAt: string
  mesh: MeshFileView
}

/** GET /api/v1/mesh. `mesh` is null on a node running a one-node mesh without a mesh file. */
export interface MeshView {
  mesh: MeshFileView | null
  pending: PendingMeshUpdateView | null
}

/** The read route for the trust root in force and the mesh update waiting for co-signers. */
export function meshRoutes (components: MeshApiComponents): Route[] {
  return [{
    path: '/api/v1/mesh',
    handle: async () => {
      const mesh = components.admin.mesh
      const view: MeshView = { mesh: mesh == null ? null : meshFileView(mesh), pending: mesh == null ? null : await pendingUpdate(components.admin.store, mesh) }
      return { json: view }
    }
  }]
}

async function pendingUpdate (store: MeshApiComponents['admin']['store'], mesh: MeshFile): Promise<PendingMeshUpdateView | null> {
  const held = await store.get('mesh-update', mesh.name)
  // The record also holds the accepted update in force; only a newer one still waits.
  if (held?.state !== 'pending' || held.version <= mesh.version) return null
  const message = await store.message('mesh-update', mesh.name)
  if (message == null) return null
  const proposed = parseMeshFile(message.document.bytes, { source: 'held mesh update' })
  const { valid } = checkSignatures(message.document, trustedKeyMap(mesh.admins.keys))
  return { version: held.version, signers: valid, needed: mesh.admins.threshold, receivedAt: held.receivedAt, mesh: meshFileView(proposed) }
}

/** A mesh file as the API shows it. */
export function meshFileView (mesh: MeshFile): MeshFileView {
  const keys = (list: readonly TrustedKey[]): MeshKeyView[] => list.map(key => ({ id: key.id, publicKey: Buffer.from(key.publicKey).toString('base64') }))
  return {
    name: mesh.name,
    version: mesh.version,
    created: mesh.created,
    threshold: mesh.admins.threshold,
    admins: keys(mesh.admins.keys),
    catalogSigners: keys(mesh.catalogSigners),
    bootstrap: mesh.bootstrap
  }
}

/** The mesh file an API view shows, for comparing two versions. */
export function meshFileOfView (view: MeshFileView): MeshFile {
  const keys = (list: readonly MeshKeyView[]): TrustedKey[] => list.map(key => ({ id: key.id, publicKey: new Uint8Array(Buffer.from(key.publicKey, 'base64')) }))
  return { name: view.name, version: view.version, created: view.created, admins: { threshold: view.threshold, keys: keys(view.admins) }, catalogSigners: keys(view.catalogSigners), bootstrap: view.bootstrap }
}

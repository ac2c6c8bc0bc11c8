import { describeMeshChange, meshChanges } from '../../admin/mesh-update.ts'
import { meshFileOfView } from '../http/mesh-api.ts'
import { renderTable } from './table.ts'
import type { MeshChange } from '../../admin/mesh-update.ts'
import type { AdminOutcome } from '../admin-docs/admin-documents.ts'
import type { MeshFileView, MeshView } from '../http/mesh-api.ts'

/** What `patchmesh admin mesh sign` did, as --json prints it. */
export interface SignedMeshUpdate {
  name: string
  version: number
  /** The key that signed just now. */
  signer: string
  /** At the local node, right after signing. */
  state: 'accepted' | 'pending'
  /** For a pending update: the admins of the mesh in force whose signatures it carries. */
  signers: string[]
  /** Signatures the update needs: the threshold of the mesh in force. */
  needed: number
  /** From the mesh in force to the signed file. */
  changes: MeshChange[]
  outcome: AdminOutcome
}

/** One indented line per change. */
export function renderChanges (changes: readonly MeshChange[]): string {
  return changes.map(change => `  ${describeMeshChange(change)}`).join('\n')
}

/** The result of signing a mesh update, for a person. */
export function renderSigned (signed: SignedMeshUpdate, path: string): string {
  const head = `Signed mesh "${signed.name}" version ${signed.version} with admin key ${signed.signer}` +
    (signed.outcome.status === 'replay' ? ' (nothing new to the node: it already held this)' : '') +
    (signed.changes.length === 0 ? '.' : `; it changes the mesh in force:\n${renderChanges(signed.changes)}`)
  if (signed.state === 'accepted') {
    return `${head}\nAccepted: version ${signed.version} is in force at this node (${signed.outcome.detail}); every node puts it in force as it arrives.`
  }
  return `${head}\nPending: ${signed.signers.length} of ${signed.needed} admin signatures (${signed.signers.join(', ')}). ` +
    'Each further admin signs the same file, at any node:\n' +
    `  patchmesh admin mesh sign ${path} --key ADMIN-KEY`
}

/** The trust root in force and the pending update, for a person. */
export function renderMesh (view: MeshView, width?: number): string {
  const { mesh, pending } = view
  if (mesh == null) return 'This node runs a one-node mesh without a mesh file: it trusts no admin or catalog-signer key.'
  const lines = [
    `Mesh "${mesh.name}" version ${mesh.version} (created ${mesh.created}) is in force at this node.`,
    `Packages and mesh updates need ${mesh.threshold} of ${mesh.admins.length} admin signature${mesh.admins.length === 1 ? '' : 's'}.`,
    '',
    renderTable(['ROLE', 'KEY ID OR ADDRESS', 'PUBLIC KEY'], keyRows(mesh), { width })
  ]
  if (pending != null) {
    lines.push('',
      `Pending: version ${pending.version}, received ${pending.receivedAt}, signed by ${pending.signers.length} of the ${pending.needed} admins it needs (${pending.signers.join(', ')}). It would:`,
      renderChanges(meshChanges(meshFileOfView(mesh), meshFileOfView(pending.mesh))),
      'Each further admin signs the same file with "patchmesh admin mesh sign NEW-MESH-FILE --key ADMIN-KEY".')
  }
  return lines.join('\n')
}

function keyRows (mesh: MeshFileView): string[][] {
  return [
    ...mesh.admins.map(key => ['admin', key.id, key.publicKey]),
    ...mesh.catalogSigners.map(key => ['catalog-signer', key.id, key.publicKey]),
    ...mesh.bootstrap.map(address => ['bootstrap', address, ''])
  ]
}

import { AdminDocuments } from '../../node/admin-docs/admin-documents.ts'
import { adminGossipValidator, adminSyncRecords } from '../../node/admin-docs/admin-sync.ts'
import { silentLogger } from '../../node/log.ts'
import { startMeshNode } from './mesh.ts'
import type { TestMeshNode, TestMeshNodeOptions } from './mesh.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { TestContext } from 'node:test'

export interface AdminMeshNode extends TestMeshNode {
  admin: AdminDocuments
}

/**
 * Starts a mesh node that holds admin documents under `file`, wired as the agent wires them: sync
 * carries them and the admin topic gossips them. Started again from its `dir`, it replays its
 * database's mesh chain over `file`, as the agent does.
 */
export async function startAdminMeshNode (t: TestContext, file: MeshFile, options: Omit<TestMeshNodeOptions, 'name' | 'moreRecords'> = {}): Promise<AdminMeshNode> {
  let admin: AdminDocuments | undefined
  const node = await startMeshNode(t, {
    ...options,
    name: file.name,
    moreRecords: async (db, relay) => {
      admin = new AdminDocuments({ db, mesh: file, logger: silentLogger(), heldCatalog: async () => undefined })
      await admin.restore()
      return adminSyncRecords(admin, relay)
    }
  })
  if (admin == null) throw new Error('the mesh node did not build its admin documents')
  node.mesh.join('admin', adminGossipValidator(admin))
  return { ...node, admin }
}

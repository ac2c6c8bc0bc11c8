import { createHash } from 'node:crypto'
import { MAX_MESH_FILE_BYTES, parseMeshFile } from '../../protocol/mesh-file.ts'
import { readInputFile } from '../read-input.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'

/** What a node needs of its mesh: the name (topics, records) and where to find peers; the file itself when it has one. */
export interface MeshConfig {
  name: string
  bootstrap: string[]
  file?: MeshFile
}

/**
 * The mesh a node joins: the one its mesh file names, or, with no file, a one-node mesh of its own
 * named after the node, so a first run needs no set-up and never mixes with another mesh.
 */
export async function loadMeshConfig (path: string | undefined, nodeId: string): Promise<MeshConfig> {
  if (path == null) {
    return { name: `local-${createHash('sha256').update(nodeId).digest('hex').slice(0, 12)}`, bootstrap: [] }
  }
  const file = parseMeshFile(await readInputFile(path, 'mesh file', 'ERR_MESH_FILE', MAX_MESH_FILE_BYTES), { source: path })
  return { name: file.name, bootstrap: file.bootstrap, file }
}

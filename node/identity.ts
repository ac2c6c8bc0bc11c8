import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { NodeError } from './errors.ts'
import type { PrivateKey } from '@libp2p/interface'

export const NODE_KEY_FILE = 'node-key'

/** The node's persistent identity: its key and the peer id that names this computer in the fleet. */
export interface NodeIdentity {
  privateKey: PrivateKey
  /** The computer's id everywhere in patchmesh (API, status records, reports). */
  id: string
}

/** Loads the node key from the data folder, creating one (readable by the owner only) on first run. */
export async function loadNodeIdentity (dataDir: string): Promise<NodeIdentity> {
  const path = join(dataDir, NODE_KEY_FILE)
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(await readFile(path))
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') {
      throw new NodeError('ERR_DATA_FOLDER', `${path}: cannot load the node key: ${(err as Error).message}`, { cause: err })
    }
    privateKey = await generateKeyPair('Ed25519')
    // 'wx' fails rather than overwrite a key another process wrote meanwhile.
    await writeFile(path, privateKeyToProtobuf(privateKey), { mode: 0o600, flag: 'wx' })
  }
  return { privateKey, id: peerIdFromPrivateKey(privateKey).toString() }
}

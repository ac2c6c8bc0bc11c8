import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { NodeError } from './errors.ts'
import type { PrivateKey } from '@libp2p/interface'
import type { SigningKey } from '../protocol/signatures.ts'

export const NODE_KEY_FILE = 'node-key'

/** The node's persistent identity: its key and the peer id that names this computer in the fleet. */
export interface NodeIdentity {
  privateKey: PrivateKey
  /** The same Ed25519 key as raw bytes, for signing the node's status records. */
  signingKey: SigningKey
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
  if (privateKey.type !== 'Ed25519') throw new NodeError('ERR_DATA_FOLDER', `${path}: the node key is ${privateKey.type}; expected Ed25519`)
  // libp2p keeps an Ed25519 private key as seed ‖ public key.
  const signingKey = { privateKey: privateKey.raw.subarray(0, 32), publicKey: privateKey.publicKey.raw }
  return { privateKey, signingKey, id: peerIdFromPrivateKey(privateKey).toString() }
}

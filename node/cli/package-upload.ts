import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { PackageError } from '../../admin/package-errors.ts'
import { blobIdFromSha256 } from '../../protocol/blob-id.ts'
import { sendToNode } from './node-client.ts'
import type { StoredBlob } from '../../admin/catalog-announce.ts'
import type { ControlTarget } from './node-client.ts'

/** Streaming gigabytes into the local node and hashing them takes minutes; a stuck node still ends. */
const UPLOAD_TIMEOUT_MS = 60 * 60_000

/** What the node's blob store answered for an imported file. */
export interface ImportedBlob extends StoredBlob {
  chunkCount: number
  stored: boolean
}

/**
 * Streams a file into the node's blob store (PUT /api/v1/control/blobs). With `sha256` (hex, of the
 * file as read here) the node's blob id must name the same bytes, so nothing changed on the way.
 */
export async function uploadFile (target: ControlTarget, path: string, signal: AbortSignal, sha256?: string): Promise<ImportedBlob> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const body = file.readableWebStream() as ReadableStream
    const blob = await sendToNode<ImportedBlob>(target, 'PUT', '/api/v1/control/blobs', body, signal, UPLOAD_TIMEOUT_MS, { 'content-length': String(size) })
    if (sha256 != null && blob.blobId !== blobIdFromSha256(Buffer.from(sha256, 'hex'))) {
      throw new PackageError('ERR_BLOB_NOT_HELD', `the node stored ${path} as blob ${blob.blobId}, which is not the file read here (sha256 ${sha256}); was it changed meanwhile?`)
    }
    return blob
  } finally {
    await file.close()
  }
}

/** The sha256 (hex) of a file, read as a stream. */
export async function sha256OfFile (path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of createReadStream(path, { signal })) hash.update(piece as Buffer)
  return hash.digest('hex')
}

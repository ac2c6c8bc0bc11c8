import assert from 'node:assert/strict'
import { open } from 'node:fs/promises'
import { blobIdFromSha256 } from '../../protocol/blob-id.ts'
import { ChunkIndexBuilder, chunkIndexId, chunkRange, chunkSizeFor, encodeChunkIndex } from '../../protocol/chunk-index.ts'
import { openDatabase } from '../../node/db/database.ts'
import { BlobStore } from '../../node/blobs/blob-store.ts'
import { seededRandom } from './random.ts'
import type { TestContext } from 'node:test'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { ChunkIndex } from '../../protocol/chunk-index.ts'
import type { BlobErrorCode } from '../../node/blobs/errors.ts'
import type { NodeDatabase } from '../../node/db/database.ts'

/** A blob as a peer would offer it: bytes, id, index and index id. */
export interface SampleBlob {
  bytes: Uint8Array
  blobId: BlobId
  index: ChunkIndex
  indexBytes: Uint8Array
  indexId: string
}

/** Seeded bytes of `size`, described as the manifest and index would describe them. */
export function sampleBlob (size: number, seed = size): SampleBlob {
  const random = seededRandom(seed)
  const bytes = Uint8Array.from({ length: size }, () => Math.floor(random() * 256))
  const builder = new ChunkIndexBuilder(chunkSizeFor(size))
  builder.update(bytes)
  const { digest, index } = builder.finish()
  const indexBytes = encodeChunkIndex(index)
  return { bytes, blobId: blobIdFromSha256(digest), index, indexBytes, indexId: chunkIndexId(indexBytes) }
}

/** Chunk `n` of a sample blob, as a fresh copy. */
export function chunkOf (blob: SampleBlob, n: number): Uint8Array {
  const { offset, length } = chunkRange(blob.index, n)
  return blob.bytes.slice(offset, offset + length)
}

/** A store on a database in `dir`; close() closes the database (the store holds nothing else open). */
export async function openStore (t: TestContext, dir: string, now?: () => number): Promise<{ store: BlobStore, db: NodeDatabase }> {
  const db = await openDatabase(dir)
  t.after(async () => { await db.close() })
  return { store: await BlobStore.open(db, dir, now === undefined ? {} : { now }), db }
}

/** Flips one bit of a file in place, the way a failing disk would. */
export async function flipByte (path: string, offset: number): Promise<void> {
  const file = await open(path, 'r+')
  try {
    const byte = Buffer.alloc(1)
    await file.read(byte, 0, 1, offset)
    byte[0] = (byte[0] ?? 0) ^ 0x01
    await file.write(byte, 0, 1, offset)
  } finally {
    await file.close()
  }
}

/** Asserts that `run` rejects with a BlobError of `code`. */
export async function expectBlobError (run: Promise<unknown>, code: BlobErrorCode): Promise<void> {
  await assert.rejects(run, (err: { name?: string, code?: string, message?: string }) => {
    assert.equal(err.name, 'BlobError', err.message)
    assert.equal(err.code, code, err.message)
    return true
  })
}

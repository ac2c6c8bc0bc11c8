import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { pipeline, Readable, Transform } from 'node:stream'
import { parseBlobId, sameDigest } from '../../protocol/blob-id.ts'
import { chunkRange, verifyChunk } from '../../protocol/chunk-index.ts'
import { chunksWhere, hasChunk } from '../../protocol/have-map.ts'
import { fileOf, requireIndex, requireRecord } from './context.ts'
import { BlobError } from './errors.ts'
import { readRange } from './chunk-file.ts'
import { isMissingFile } from './layout.ts'
import { haveOf } from './records.ts'
import type { BlobRecord } from './records.ts'
import { demote, verifyBlob } from './repair.ts'
import type { FileHandle } from 'node:fs/promises'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { BlobContext } from './context.ts'

/**
 * Reads one held chunk for serving, checked against the index first: bad bytes on disk are never
 * served (ERR_CHUNK_CORRUPT) and the chunk becomes missing again. Lock-free, so a blob serves many
 * peers at once; a read that raced a rename (finish, demotion) is tried once more.
 */
export async function readChunk (ctx: BlobContext, blobId: BlobId, n: number, signal?: AbortSignal): Promise<Uint8Array> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted()
    const record = await requireRecord(ctx, blobId)
    const { index } = await requireIndex(ctx, blobId, record)
    const range = chunkRange(index, n)
    if (!hasChunk(haveOf(record), n)) throw new BlobError('ERR_NOT_HELD', `chunk ${n} of blob ${blobId} is not held yet`, { blobId })
    // Checked when it was stored or last read from disk; a damaged file shows at the next disk read or verify.
    const cached = ctx.chunks.get(record.indexId, n)
    if (cached !== undefined) return cached
    const bytes = await readFileRange(fileOf(ctx, blobId, record), range)
    if (bytes !== undefined && verifyChunk(index, n, bytes)) {
      ctx.chunks.put(record.indexId, n, bytes)
      return bytes
    }
    // A file that is gone (and not just renamed: demote checks that) has lost every chunk it held.
    const lost = bytes === undefined ? chunksWhere(haveOf(record), record.chunkCount, true) : [n]
    if (await demote(ctx, blobId, record, lost) || attempt === 2) {
      throw new BlobError('ERR_CHUNK_CORRUPT', `chunk ${n} of blob ${blobId} is damaged on disk; it is missing again`, { blobId })
    }
  }
}

/**
 * A stream of a complete blob for installers. The stream hashes what it delivers and ends with
 * ERR_BLOB_CORRUPT instead of a clean end if the whole does not match the blob id, so nothing
 * damaged is installed; the bad chunks then become missing again.
 */
export async function openRead (ctx: BlobContext, blobId: BlobId, signal?: AbortSignal): Promise<Readable> {
  const record = await requireRecord(ctx, blobId)
  const notHeld = new BlobError('ERR_NOT_HELD', `blob ${blobId} is not complete`, { blobId })
  if (!record.complete) throw notHeld
  const expected = parseBlobId(blobId)
  const hash = createHash('sha256')
  // A small blob that just arrived (a catalog) is read as it arrived: every chunk was checked against
  // the index then, and the whole is hashed below all the same.
  const source = readableOf(cachedChunks(ctx, record)) ?? await openComplete(ctx, blobId, record, notHeld, signal)
  const check = new Transform({
    transform (piece: Buffer, _encoding, done) {
      hash.update(piece)
      done(null, piece)
    },
    flush (done) {
      if (sameDigest(new Uint8Array(hash.digest()), expected)) { done(); return }
      // Mark the bad chunks missing before the reader hears of it; the reader's error is the report either way.
      const corrupt = new BlobError('ERR_BLOB_CORRUPT', `blob ${blobId} does not match its id on disk; its bad chunks are missing again`, { blobId })
      verifyBlob(ctx, blobId).then(() => { done(corrupt) }, () => { done(corrupt) })
    }
  })
  return pipeline(source, check, () => {})
}

/** Every chunk of the blob from memory, in order, or undefined when any is not kept there. */
function cachedChunks (ctx: BlobContext, record: BlobRecord): Uint8Array[] | undefined {
  const chunks: Uint8Array[] = []
  for (let n = 0; n < record.chunkCount; n++) {
    const chunk = ctx.chunks.get(record.indexId, n)
    if (chunk === undefined) return undefined
    chunks.push(chunk)
  }
  return chunks.length > 0 ? chunks : undefined
}

function readableOf (chunks: Uint8Array[] | undefined): Readable | undefined {
  return chunks === undefined ? undefined : Readable.from(chunks.map(chunk => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
}

/** The complete blob's file as a stream (an empty one for an empty blob). */
async function openComplete (ctx: BlobContext, blobId: BlobId, record: BlobRecord, notHeld: BlobError, signal?: AbortSignal): Promise<Readable> {
  let handle: FileHandle
  try {
    handle = await open(ctx.layout.complete(blobId), 'r')
  } catch (err) {
    // Moved back to partial since the record was read.
    if (isMissingFile(err)) throw notHeld
    throw err
  }
  if (record.size > 0) return handle.createReadStream({ start: 0, end: record.size - 1, signal })
  await handle.close()
  return Readable.from([])
}

/** The bytes of a range, fewer if the file is cut short; undefined if the file is gone. */
async function readFileRange (path: string, range: { offset: number, length: number }): Promise<Uint8Array | undefined> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if (isMissingFile(err)) return undefined
    throw err
  }
  try {
    return await readRange(handle, range, new Uint8Array(range.length))
  } finally {
    await handle.close()
  }
}

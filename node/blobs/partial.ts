import { open, rm, truncate } from 'node:fs/promises'
import { parseBlobId, sameDigest } from '../../protocol/blob-id.ts'
import { chunkCount, chunkRange, decodeChunkIndex, verifyChunk } from '../../protocol/chunk-index.ts'
import { chunksWhere, countHeld, emptyHaveMap, hasChunk, setChunk } from '../../protocol/have-map.ts'
import { requireIndex, requireRecord } from './context.ts'
import { BlobError } from './errors.ts'
import { checkChunks, writeFully } from './chunk-file.ts'
import { durableRename } from './layout.ts'
import { asComplete, haveOf, withHave } from './records.ts'
import { markMissing, PARTIAL_OPEN_FLAGS } from './repair.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { BlobContext } from './context.ts'

/** The outcome of offering one chunk. */
export interface WriteChunkResult {
  /** False when the chunk was already held (nothing was written). */
  stored: boolean
  /** Chunks still missing; finish() once this is 0. */
  missing: number
}

/**
 * Starts (or resumes) fetching a blob whose index came from a peer: the index bytes must hash to
 * the id the manifest names. A blob already known under another index is refused with
 * ERR_INDEX_MISMATCH: a blob has exactly one valid index, and a complete one has proven its own.
 */
export async function begin (ctx: BlobContext, blobId: BlobId, indexBytes: Uint8Array, expectedIndexId: string): Promise<void> {
  parseBlobId(blobId)
  const index = decodeChunkIndex(indexBytes, expectedIndexId)
  await ctx.locks.run(blobId, async () => {
    const held = await ctx.records.get(blobId)
    if (held !== undefined) {
      if (held.indexId === expectedIndexId) return
      throw new BlobError('ERR_INDEX_MISMATCH', `blob ${blobId} is held with chunk index ${held.indexId}, not ${expectedIndexId}`, { blobId })
    }
    // File first: a crash before the record leaves an orphan that the next open sweeps away.
    const file = await open(ctx.layout.partial(blobId), PARTIAL_OPEN_FLAGS, 0o600)
    try {
      await file.truncate(index.size)
    } finally {
      await file.close()
    }
    const count = chunkCount(index.size, index.chunkSize)
    const record = { indexId: expectedIndexId, size: index.size, chunkSize: index.chunkSize, chunkCount: count, complete: false, lastNeeded: ctx.now() }
    await ctx.records.add(blobId, withHave(record, emptyHaveMap(count)), indexBytes)
  })
}

/**
 * Stores one chunk of a partial blob after checking it against the index; bad bytes throw
 * ERR_CHUNK_CORRUPT and nothing is written. The data is not synced chunk by chunk: the store checks
 * every recorded chunk of a partial blob again when it opens (reconcile), and finish() checks the
 * whole file before it counts as complete.
 */
export async function writeChunk (ctx: BlobContext, blobId: BlobId, n: number, bytes: Uint8Array): Promise<WriteChunkResult> {
  return await ctx.locks.run(blobId, async () => {
    const record = await requireRecord(ctx, blobId)
    const { index } = await requireIndex(ctx, blobId, record)
    if (!verifyChunk(index, n, bytes)) throw new BlobError('ERR_CHUNK_CORRUPT', `chunk ${n} of blob ${blobId} does not match its digest in the chunk index`, { blobId })
    const have = haveOf(record)
    if (hasChunk(have, n)) return { stored: false, missing: record.chunkCount - countHeld(have) }
    const file = await open(ctx.layout.partial(blobId), PARTIAL_OPEN_FLAGS, 0o600)
    try {
      await writeFully(file, bytes, chunkRange(index, n).offset)
    } finally {
      await file.close()
    }
    setChunk(have, n, true)
    await ctx.records.set(blobId, withHave(record, have))
    // Peers this node tells about the blob ask for what just arrived first.
    ctx.chunks.put(record.indexId, n, bytes)
    ctx.events.emit('chunk', { blobId, n })
    return { stored: true, missing: record.chunkCount - countHeld(have) }
  })
}

/** The chunks of a blob not held yet (none for a complete blob). */
export async function missingChunks (ctx: BlobContext, blobId: BlobId): Promise<number[]> {
  const record = await requireRecord(ctx, blobId)
  return chunksWhere(haveOf(record), record.chunkCount, false)
}

/**
 * Checks a fully fetched blob once more, whole, against its id, and moves it into place. On a
 * mismatch nothing bad is kept: chunks that went bad on disk are missing again (ERR_BLOB_CORRUPT);
 * if every chunk matches the index yet the whole does not, the index belongs to other content and
 * the download is dropped (ERR_INDEX_MISMATCH).
 */
export async function finish (ctx: BlobContext, blobId: BlobId, signal?: AbortSignal): Promise<void> {
  await ctx.locks.run(blobId, async () => {
    const record = await requireRecord(ctx, blobId)
    if (record.complete) return
    const all = chunksWhere(haveOf(record), record.chunkCount, true)
    if (all.length < record.chunkCount) {
      throw new BlobError('ERR_INCOMPLETE', `blob ${blobId} has ${record.chunkCount - all.length} of ${record.chunkCount} chunks still missing`, { blobId })
    }
    const { index } = await requireIndex(ctx, blobId, record)
    const partial = ctx.layout.partial(blobId)
    const { corrupt, digest } = await checkChunks(partial, index, all, signal)
    if (sameDigest(digest, parseBlobId(blobId))) {
      // Bytes past the end are never part of the blob; cut them so the file is exactly the blob.
      await truncate(partial, record.size)
      // One sync for the whole blob, instead of one per chunk, before it counts as complete.
      const file = await open(partial, 'r+')
      try {
        await file.datasync()
      } finally {
        await file.close()
      }
      await durableRename(partial, ctx.layout.complete(blobId))
      await ctx.records.set(blobId, asComplete(record))
      ctx.events.emit('complete', { blobId })
      return
    }
    if (corrupt.length > 0) {
      await markMissing(ctx, blobId, record, corrupt)
      throw new BlobError('ERR_BLOB_CORRUPT', `blob ${blobId}: chunks ${corrupt.join(', ')} changed on disk; they are missing again`, { blobId })
    }
    await rm(partial, { force: true })
    await ctx.records.delete(blobId)
    ctx.events.emit('removed', { blobId })
    throw new BlobError('ERR_INDEX_MISMATCH', `blob ${blobId}: every chunk matches chunk index ${record.indexId}, but the whole file does not match the blob id; the download is dropped`, { blobId })
  })
}

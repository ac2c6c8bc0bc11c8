import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { chunksWhere, fullHaveMap, setChunk } from '../../protocol/have-map.ts'
import { fileOf, requireIndex, requireRecord } from './context.ts'
import { checkChunks } from './chunk-file.ts'
import { durableRename, exists, isMissingFile } from './layout.ts'
import { asComplete, haveOf, withHave } from './records.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { BlobContext } from './context.ts'
import type { BlobRecord } from './records.ts'

/** What one re-verification found. */
export interface VerifyResult {
  blobId: BlobId
  /** Chunks read back and checked. */
  checked: number
  /** Chunks found bad, now missing again. */
  corrupt: number[]
}

/** Open flags for a partial file: create it when gone, never truncate what is there. */
export const PARTIAL_OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT

/**
 * Marks chunks missing again; a complete blob moves back to partial, so the exchange re-fetches
 * them. The caller holds the blob's lock and passes its current record.
 */
export async function markMissing (ctx: BlobContext, blobId: BlobId, record: BlobRecord, chunks: number[]): Promise<void> {
  const partial = ctx.layout.partial(blobId)
  if (record.complete) {
    try {
      await durableRename(ctx.layout.complete(blobId), partial)
    } catch (err) {
      if (!isMissingFile(err)) throw err
    }
  }
  // Recreates a vanished file as holes of the right size; the chunks it held are all in `chunks`.
  const file = await open(partial, PARTIAL_OPEN_FLAGS, 0o600)
  try {
    await file.truncate(record.size)
  } finally {
    await file.close()
  }
  const have = haveOf(record)
  for (const n of chunks) setChunk(have, n, false)
  await ctx.records.set(blobId, withHave(record, have))
  ctx.events.emit('missing', { blobId, chunks })
}

/**
 * Marks chunks found bad by a lock-free read missing, unless the blob changed state since that
 * read (finished, demoted, removed): then the read may have raced a rename and proves nothing.
 * Returns whether the chunks were marked.
 */
export async function demote (ctx: BlobContext, blobId: BlobId, seen: BlobRecord, chunks: number[]): Promise<boolean> {
  return await ctx.locks.run(blobId, async () => {
    const record = await ctx.records.get(blobId)
    if (record === undefined || record.indexId !== seen.indexId || record.complete !== seen.complete) return false
    await markMissing(ctx, blobId, record, chunks)
    return true
  })
}

/** Reads back every held chunk of a blob; bad or cut-off chunks become missing again. */
export async function verifyBlob (ctx: BlobContext, blobId: BlobId, signal?: AbortSignal): Promise<VerifyResult> {
  const record = await requireRecord(ctx, blobId)
  const { index } = await requireIndex(ctx, blobId, record)
  const held = chunksWhere(haveOf(record), record.chunkCount, true)
  // Lock-free, so serving goes on during a long scan; demote() discards findings a state change made stale.
  const { corrupt } = await checkChunks(fileOf(ctx, blobId, record), index, held, signal)
  if (corrupt.length > 0) await demote(ctx, blobId, record, corrupt)
  return { blobId, checked: held.length, corrupt }
}

/**
 * Brings records and files back in line after a crash, before the store is used: each step that
 * moves a file is a rename followed by a record update, so a crash between the two is visible
 * here as a file in the other place. Files no record names are removed. Held chunks of partial
 * blobs are read back and checked.
 */
export async function reconcile (ctx: BlobContext): Promise<void> {
  const records = await ctx.records.all()
  for (const [blobId, record] of records) {
    const complete = ctx.layout.complete(blobId)
    const partial = ctx.layout.partial(blobId)
    if (await exists(record.complete ? complete : partial)) {
      // Chunks of a partial blob are written without a sync each (a sync per chunk made downloads disk-bound):
      // after a crash a recorded chunk may not have reached the disk, so every held one is checked again.
      if (!record.complete) await verifyBlob(ctx, blobId)
      continue
    }
    if (!record.complete && await exists(complete)) {
      // finish() renames only after the whole-file check passed.
      await ctx.records.set(blobId, asComplete(record))
    } else if (record.complete && await exists(partial)) {
      // A demotion stopped half-way and which chunks were bad is lost: re-check them all.
      await ctx.records.set(blobId, withHave(record, fullHaveMap(record.chunkCount)))
      await verifyBlob(ctx, blobId)
    } else {
      await markMissing(ctx, blobId, record, chunksWhere(haveOf(record), record.chunkCount, true))
    }
  }
  await ctx.layout.sweep(new Set(records.map(([blobId]) => blobId)))
}

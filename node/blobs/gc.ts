import { rm } from 'node:fs/promises'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { BlobContext } from './context.ts'

/** @default 7 days: a blob dropped from every manifest stays this long, so a re-published package finds it. */
export const DEFAULT_GC_GRACE_MS = 7 * 24 * 60 * 60 * 1000

export interface GarbageOptions {
  /** @default DEFAULT_GC_GRACE_MS */
  graceMs?: number
  /** Epoch milliseconds to judge against. @default the store's clock */
  now?: number
}

export interface GarbageResult {
  kept: BlobId[]
  removed: BlobId[]
}

/** Removes a blob's files and records; false when the store did not know it. */
export async function removeBlob (ctx: BlobContext, blobId: BlobId): Promise<boolean> {
  return await ctx.locks.run(blobId, async () => {
    if (await ctx.records.get(blobId) === undefined) return false
    // Record last: a crash in between leaves a record without files, which the next open marks missing.
    await rm(ctx.layout.complete(blobId), { force: true })
    await rm(ctx.layout.partial(blobId), { force: true })
    await ctx.records.delete(blobId)
    ctx.events.emit('removed', { blobId })
    return true
  })
}

/**
 * Marks every blob in `live` (those a live manifest or catalog names) as needed now, and removes
 * the others, complete or partial, once they have gone unneeded for the grace period.
 */
export async function collectGarbage (ctx: BlobContext, live: Set<BlobId>, options: GarbageOptions = {}): Promise<GarbageResult> {
  const graceMs = options.graceMs ?? DEFAULT_GC_GRACE_MS
  const now = options.now ?? ctx.now()
  const result: GarbageResult = { kept: [], removed: [] }
  for (const [blobId, seen] of await ctx.records.all()) {
    if (live.has(blobId)) {
      await markNeeded(ctx, blobId, now)
      result.kept.push(blobId)
    } else if (now - seen.lastNeeded < graceMs) {
      result.kept.push(blobId)
    } else if (await removeBlob(ctx, blobId)) {
      result.removed.push(blobId)
    }
  }
  return result
}

async function markNeeded (ctx: BlobContext, blobId: BlobId, now: number): Promise<void> {
  await ctx.locks.run(blobId, async () => {
    // Re-read under the lock: a chunk may have been written since the listing.
    const record = await ctx.records.get(blobId)
    if (record !== undefined && record.lastNeeded < now) await ctx.records.set(blobId, { ...record, lastNeeded: now })
  })
}

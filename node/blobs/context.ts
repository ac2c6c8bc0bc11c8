import { BlobError } from './errors.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { ChunkCache } from './chunk-cache.ts'
import type { BlobEvents } from './events.ts'
import type { KeyedLock } from './keyed-lock.ts'
import type { BlobLayout } from './layout.ts'
import type { BlobRecord, BlobRecords, LoadedIndex } from './records.ts'

/** What the blob store's parts share: database records, recent chunks, disk layout, per-blob lock, events, clock. */
export interface BlobContext {
  records: BlobRecords
  chunks: ChunkCache
  layout: BlobLayout
  locks: KeyedLock
  events: BlobEvents
  /** Epoch milliseconds; a parameter so tests control time. */
  now: () => number
}

/** The record of a blob the store must know; ERR_UNKNOWN_BLOB otherwise. */
export async function requireRecord (ctx: BlobContext, blobId: BlobId): Promise<BlobRecord> {
  const record = await ctx.records.get(blobId)
  if (record === undefined) throw new BlobError('ERR_UNKNOWN_BLOB', `blob ${blobId} is not in the store`, { blobId })
  return record
}

/** The chunk index a record names; ERR_UNKNOWN_BLOB when it is gone (the blob was removed meanwhile). */
export async function requireIndex (ctx: BlobContext, blobId: BlobId, record: BlobRecord): Promise<LoadedIndex> {
  const loaded = await ctx.records.index(blobId, record.indexId)
  if (loaded === undefined) throw new BlobError('ERR_UNKNOWN_BLOB', `blob ${blobId} has no chunk index in the store`, { blobId })
  return loaded
}

/** The file that holds a blob's bytes in the state its record names. */
export function fileOf (ctx: BlobContext, blobId: BlobId, record: BlobRecord): string {
  return record.complete ? ctx.layout.complete(blobId) : ctx.layout.partial(blobId)
}

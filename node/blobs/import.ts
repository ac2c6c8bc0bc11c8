import { open, rm } from 'node:fs/promises'
import { blobIdFromSha256 } from '../../protocol/blob-id.ts'
import { ChunkIndexBuilder, chunkCount, chunkIndexId, chunkSizeFor, encodeChunkIndex } from '../../protocol/chunk-index.ts'
import { writeFully } from './chunk-file.ts'
import { BlobError } from './errors.ts'
import { durableRename } from './layout.ts'
import type { FileHandle } from 'node:fs/promises'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { ChunkIndex } from '../../protocol/chunk-index.ts'
import type { BlobContext } from './context.ts'

/** How far an import has got, for progress bars. */
export interface ImportProgress {
  bytes: number
  total: number
}

export interface ImportOptions {
  signal?: AbortSignal
  onProgress?: (progress: ImportProgress) => void
}

export interface ImportResult {
  blobId: BlobId
  indexId: string
  size: number
  chunkCount: number
  /** False when the store already held this content (the import changed nothing). */
  stored: boolean
}

/** One read at a time, into one reused buffer: an import of any size holds this much of the file. */
const READ_PIECE_BYTES = 1024 * 1024

/** Imports a file by streaming it once: hashed, copied to a temp file, then moved into place. */
export async function importFile (ctx: BlobContext, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  let source: FileHandle
  try {
    source = await open(path, 'r')
  } catch (err) {
    throw sourceError(path, err)
  }
  try {
    const { size } = await source.stat()
    return await importPieces(ctx, readPieces(source, path), size, options)
  } finally {
    await source.close()
  }
}

/** Imports bytes held in memory (small blobs, tests). */
export async function importBytes (ctx: BlobContext, bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportResult> {
  return await importPieces(ctx, [bytes], bytes.byteLength, options)
}

/**
 * Hashes pieces as they are written to a temp file (a piece may be reused by its producer once
 * the next is asked for), syncs it, and adopts it as a complete blob.
 */
async function importPieces (ctx: BlobContext, pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, total: number, options: ImportOptions): Promise<ImportResult> {
  options.signal?.throwIfAborted()
  const builder = new ChunkIndexBuilder(chunkSizeFor(total))
  const temp = ctx.layout.temp()
  try {
    const file = await open(temp, 'wx', 0o600)
    try {
      for await (const piece of pieces) {
        options.signal?.throwIfAborted()
        builder.update(piece)
        await writeFully(file, piece, null)
        options.onProgress?.({ bytes: builder.size, total })
      }
      await file.sync()
    } finally {
      await file.close()
    }
    const { digest, index } = builder.finish()
    // The chunk size was chosen from the size seen before reading; the index is valid only if it still fits.
    if (index.size !== total) throw new BlobError('ERR_SOURCE_CHANGED', `the file to import was ${total} bytes when opened and ${index.size} bytes when read`)
    return await adopt(ctx, temp, blobIdFromSha256(digest), index)
  } finally {
    await rm(temp, { force: true })
  }
}

/** Moves a hashed temp file into place, unless the blob is already complete (then nothing changes). */
async function adopt (ctx: BlobContext, temp: string, blobId: BlobId, index: ChunkIndex): Promise<ImportResult> {
  const encoded = encodeChunkIndex(index)
  const indexId = chunkIndexId(encoded)
  const result = { blobId, indexId, size: index.size, chunkCount: chunkCount(index.size, index.chunkSize) }
  return await ctx.locks.run(blobId, async () => {
    if ((await ctx.records.get(blobId))?.complete === true) return { ...result, stored: false }
    await durableRename(temp, ctx.layout.complete(blobId))
    // A download of the same blob in progress is finished by the import; its chunks are no longer needed.
    await rm(ctx.layout.partial(blobId), { force: true })
    await ctx.records.add(blobId, {
      indexId,
      size: index.size,
      chunkSize: index.chunkSize,
      chunkCount: result.chunkCount,
      complete: true,
      lastNeeded: ctx.now()
    }, encoded)
    ctx.events.emit('complete', { blobId })
    return { ...result, stored: true }
  })
}

async function * readPieces (source: FileHandle, path: string): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.allocUnsafe(READ_PIECE_BYTES)
  for (;;) {
    let bytesRead: number
    try {
      ({ bytesRead } = await source.read(buffer, 0, buffer.byteLength, null))
    } catch (err) {
      throw sourceError(path, err)
    }
    if (bytesRead === 0) return
    yield buffer.subarray(0, bytesRead)
  }
}

function sourceError (path: string, err: unknown): BlobError {
  return new BlobError('ERR_IMPORT_SOURCE', `${path}: cannot read the file to import: ${(err as Error).message}`, { cause: err })
}

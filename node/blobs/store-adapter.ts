import { BlobError } from './errors.ts'
import type { BlobStore } from './blob-store.ts'
import type { ServiceStore } from './blob-service.ts'

/** The blob store seen by the exchange: what is not held (or failed verification on read) is simply not served. */
export function exchangeView (store: BlobStore): ServiceStore {
  return {
    encodedIndex: async blobId => await orUndefined(async () => (await store.chunkIndex(blobId)).bytes),
    readChunk: async (blobId, n) => await orUndefined(async () => await store.readChunk(blobId, n)),
    haveMap: async blobId => await orUndefined(async () => await store.haveMap(blobId)),
    begin: async (blobId, encodedIndex, indexId) => { await store.begin(blobId, encodedIndex, indexId) },
    chunkCount: async blobId => (await store.status(blobId))?.chunkCount,
    missingChunks: async blobId => await store.missingChunks(blobId),
    writeChunk: async (blobId, n, bytes) => { await store.writeChunk(blobId, n, bytes) },
    finish: async blobId => { await store.finish(blobId) },
    progress: async blobId => {
      const status = await store.status(blobId)
      return status == null ? undefined : { chunkCount: status.chunkCount, held: status.held, complete: status.complete, size: status.size }
    }
  }
}

/** Codes that mean "we do not have it (any more)": a peer gets not-held, a corrupt chunk is re-fetched by the store's repair. */
const NOT_SERVED = new Set(['ERR_UNKNOWN_BLOB', 'ERR_NOT_HELD', 'ERR_CHUNK_CORRUPT', 'ERR_BLOB_CORRUPT'])

async function orUndefined<T> (read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (err) {
    if (err instanceof BlobError && NOT_SERVED.has(err.code)) return undefined
    throw err
  }
}

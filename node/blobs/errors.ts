/** A blob store failure with a stable `code` that the exchange, installer and tests branch on. */
export class BlobError extends Error {
  override readonly name = 'BlobError'
  readonly code: BlobErrorCode
  /** The blob concerned, when there is one. */
  readonly blobId?: string

  constructor (code: BlobErrorCode, message: string, options: { blobId?: string, cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.code = code
    if (options.blobId !== undefined) this.blobId = options.blobId
  }
}

export type BlobErrorCode =
  /** The store holds no record of the blob: never imported nor begun, or removed. */
  | 'ERR_UNKNOWN_BLOB'
  /** The blob is known, but the chunk (or, for a whole-blob read, some chunk) is not held yet. */
  | 'ERR_NOT_HELD'
  /** Chunk bytes that do not match the index: refused when offered, or found on disk (the chunk is missing again). */
  | 'ERR_CHUNK_CORRUPT'
  /** The whole file does not match its blob id because chunks went bad on disk; they are missing again. */
  | 'ERR_BLOB_CORRUPT'
  /** The chunk index does not describe the blob (every chunk matches it, the whole file does not), or conflicts with the index already in use; nothing is kept. */
  | 'ERR_INDEX_MISMATCH'
  /** finish() before every chunk is held. */
  | 'ERR_INCOMPLETE'
  /** The file to import cannot be read. */
  | 'ERR_IMPORT_SOURCE'
  /** The file to import changed size while it was read, so its chunking no longer fits. */
  | 'ERR_SOURCE_CHANGED'
  /** The blob folder cannot be read or written (disk full, permissions). */
  | 'ERR_BLOB_IO'
  // The exchange's codes (node/blobs/blob-*.ts), kept in the one union so callers branch on one type.
  /** A transfer was cancelled by its caller's signal, or its stream closed. */
  | 'ERR_ABORTED'
  /** A peer did not answer within its deadline. */
  | 'ERR_PEER_STALLED'
  /** A peer answered outside the blob protocol (an answer without a request, a bad frame). */
  | 'ERR_PEER_PROTOCOL'
  /** The stream to a peer failed or the peer went away. */
  | 'ERR_PEER_GONE'

/** Runs a store operation, turning file system and database failures into ERR_BLOB_IO; every other error (typed, abort) passes unchanged. */
export async function withIoErrors<T> (what: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task()
  } catch (err) {
    if (!isStorageFailure(err)) throw err
    throw new BlobError('ERR_BLOB_IO', `cannot ${what}: ${(err as Error).message}`, { cause: err })
  }
}

/** Node's file system errors carry the failed `syscall`; abstract-level's carry LEVEL_ codes. */
function isStorageFailure (err: unknown): boolean {
  if (err == null || typeof err !== 'object') return false
  const { code } = err as { code?: unknown }
  return 'syscall' in err || (typeof code === 'string' && code.startsWith('LEVEL_'))
}

import { createHash } from 'node:crypto'
import { varint } from 'multiformats'
import { blobIdOf, parseBlobId, sameDigest, sha256, SHA256_BYTES } from './blob-id.ts'
import { FormatError } from './errors.ts'
import type { BlobId } from './blob-id.ts'

/** What a blob's chunks must hash to (DESIGN, "Blobs"): checked before a chunk is stored or served. */
export interface ChunkIndex {
  /** The blob's size in bytes. */
  size: number
  /** Every chunk but the last is this long; the last holds the rest. */
  chunkSize: number
  /** The sha2-256 of each chunk, 32 bytes per chunk, concatenated in chunk order. */
  digests: Uint8Array
}

/** Where one chunk lies in its blob. */
export interface ChunkRange {
  offset: number
  length: number
}

/** @default 256 KiB: small enough to fetch from a slow branch link within a request deadline. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024
/** @default 16,384: chunk sizes double past this, so an index (and a have-map) stays small. */
export const MAX_CHUNKS = 16_384
/** @default 16 MiB: the largest chunk any node buffers; with MAX_CHUNKS it bounds a blob at 256 GiB. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024
export const MAX_BLOB_SIZE = MAX_CHUNKS * MAX_CHUNK_SIZE

/** 'PMCI', then the format byte. */
const MAGIC = Uint8Array.of(0x50, 0x4d, 0x43, 0x49)
export const CHUNK_INDEX_FORMAT = 1
/** Two varints of safe integers take at most 8 bytes each. */
const MAX_HEADER_BYTES = MAGIC.length + 1 + 2 * 8
/** The largest valid encoding (about 512 KiB): the most a peer or manifest can make us read. */
export const MAX_CHUNK_INDEX_BYTES = MAX_HEADER_BYTES + MAX_CHUNKS * SHA256_BYTES

/** How many chunks a blob of `size` bytes has; an empty blob has none. */
export function chunkCount (size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize)
}

/** The chunk size for a blob of `size` bytes: 256 KiB, doubled until the blob has at most MAX_CHUNKS chunks. */
export function chunkSizeFor (size: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_BLOB_SIZE) {
    throw new FormatError('ERR_TOO_LARGE', `blob size ${size}: expected 0 to ${MAX_BLOB_SIZE} bytes`)
  }
  let chunkSize = DEFAULT_CHUNK_SIZE
  while (chunkCount(size, chunkSize) > MAX_CHUNKS) chunkSize *= 2
  return chunkSize
}

/** Encodes an index: MAGIC ‖ format ‖ varint size ‖ varint chunkSize ‖ digests. Throws FormatError for an inconsistent index. */
export function encodeChunkIndex (index: ChunkIndex): Uint8Array {
  checkIndex(index, 'chunk index to encode')
  const header = MAGIC.length + 1 + varint.encodingLength(index.size) + varint.encodingLength(index.chunkSize)
  const bytes = new Uint8Array(header + index.digests.byteLength)
  bytes.set(MAGIC, 0)
  bytes[MAGIC.length] = CHUNK_INDEX_FORMAT
  varint.encodeTo(index.size, bytes, MAGIC.length + 1)
  varint.encodeTo(index.chunkSize, bytes, MAGIC.length + 1 + varint.encodingLength(index.size))
  bytes.set(index.digests, header)
  return bytes
}

/**
 * Decodes an index; with `expectedId` (from a manifest) the bytes must hash to it, checked before
 * anything else is parsed. Throws FormatError: ERR_TOO_LARGE, ERR_DIGEST_MISMATCH,
 * ERR_UNSUPPORTED_FORMAT, or ERR_SCHEMA naming the field.
 */
export function decodeChunkIndex (bytes: Uint8Array, expectedId?: string, source = 'chunk index'): ChunkIndex {
  if (bytes.byteLength > MAX_CHUNK_INDEX_BYTES) throw new FormatError('ERR_TOO_LARGE', `${bytes.byteLength} bytes; the limit is ${MAX_CHUNK_INDEX_BYTES}`, { source })
  if (expectedId !== undefined && !sameDigest(sha256(bytes), parseBlobId(expectedId, `${source} id`))) {
    throw new FormatError('ERR_DIGEST_MISMATCH', `the bytes do not hash to ${expectedId}`, { source })
  }
  if (bytes.byteLength < MAGIC.length + 1 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new FormatError('ERR_SCHEMA', 'not a chunk index (its first bytes are not "PMCI")', { source })
  }
  const format = bytes[MAGIC.length]
  if (format !== CHUNK_INDEX_FORMAT) throw new FormatError('ERR_UNSUPPORTED_FORMAT', `chunk index format ${String(format)}; this node reads format ${CHUNK_INDEX_FORMAT}`, { source })
  const [size, sizeEnd] = readVarint(bytes, MAGIC.length + 1, 'size', source)
  const [chunkSize, headerEnd] = readVarint(bytes, sizeEnd, 'chunkSize', source)
  // A copy as a plain Uint8Array: Buffer's slice() would share the caller's memory.
  const index = { size, chunkSize, digests: new Uint8Array(bytes.subarray(headerEnd)) }
  checkIndex(index, source)
  return index
}

/** The id of an encoded chunk index, as a manifest names it. */
export function chunkIndexId (encoded: Uint8Array): BlobId {
  return blobIdOf(encoded)
}

/** Where chunk `n` lies; throws FormatError ERR_SCHEMA for a chunk number the blob does not have. */
export function chunkRange (index: ChunkIndex, n: number): ChunkRange {
  checkChunkNumber(index, n)
  const offset = n * index.chunkSize
  return { offset, length: Math.min(index.chunkSize, index.size - offset) }
}

/** The sha2-256 digest chunk `n` must have. */
export function chunkDigest (index: ChunkIndex, n: number): Uint8Array {
  checkChunkNumber(index, n)
  return index.digests.subarray(n * SHA256_BYTES, (n + 1) * SHA256_BYTES)
}

/** True when `bytes` are exactly chunk `n` of the blob the index describes. */
export function verifyChunk (index: ChunkIndex, n: number, bytes: Uint8Array): boolean {
  return bytes.byteLength === chunkRange(index, n).length && sameDigest(sha256(bytes), chunkDigest(index, n))
}

/**
 * Hashes a blob as its bytes stream past, without keeping them: the whole-file digest (the blob id)
 * and each chunk's digest (the index). Pieces may have any length; chunk boundaries are found here.
 */
export class ChunkIndexBuilder {
  readonly #chunkSize: number
  readonly #whole = createHash('sha256')
  #chunk = createHash('sha256')
  #inChunk = 0
  #size = 0
  readonly #digests: Uint8Array[] = []

  constructor (chunkSize: number) {
    this.#chunkSize = chunkSize
  }

  /** The bytes seen so far. */
  get size (): number {
    return this.#size
  }

  /** Adds the next piece of the blob. */
  update (piece: Uint8Array): void {
    this.#whole.update(piece)
    this.#size += piece.byteLength
    for (let offset = 0; offset < piece.byteLength;) {
      const take = Math.min(this.#chunkSize - this.#inChunk, piece.byteLength - offset)
      this.#chunk.update(piece.subarray(offset, offset + take))
      this.#inChunk += take
      offset += take
      if (this.#inChunk === this.#chunkSize) this.#endChunk()
    }
  }

  /** The whole-file digest and the index; the builder is spent afterwards. */
  finish (): { digest: Uint8Array, index: ChunkIndex } {
    if (this.#inChunk > 0) this.#endChunk()
    const digests = new Uint8Array(this.#digests.length * SHA256_BYTES)
    this.#digests.forEach((digest, n) => { digests.set(digest, n * SHA256_BYTES) })
    return { digest: new Uint8Array(this.#whole.digest()), index: { size: this.#size, chunkSize: this.#chunkSize, digests } }
  }

  #endChunk (): void {
    this.#digests.push(this.#chunk.digest())
    this.#chunk = createHash('sha256')
    this.#inChunk = 0
  }
}

/**
 * An index is valid only with the canonical chunk size for its blob size: then the index is a
 * function of the blob's bytes, so every node (and every manifest) names the same index for a blob.
 */
function checkIndex (index: ChunkIndex, source: string): void {
  if (!Number.isSafeInteger(index.size) || index.size < 0 || index.size > MAX_BLOB_SIZE) {
    throw new FormatError('ERR_SCHEMA', `field "size": expected 0 to ${MAX_BLOB_SIZE} bytes; got ${index.size}`, { source })
  }
  const expected = chunkSizeFor(index.size)
  if (index.chunkSize !== expected) {
    throw new FormatError('ERR_SCHEMA', `field "chunkSize": a blob of ${index.size} bytes has chunks of ${expected} bytes; got ${index.chunkSize}`, { source })
  }
  const count = chunkCount(index.size, index.chunkSize)
  if (index.digests.byteLength !== count * SHA256_BYTES) {
    throw new FormatError('ERR_SCHEMA', `field "digests": ${count} chunks need ${count * SHA256_BYTES} bytes of digests; got ${index.digests.byteLength}`, { source })
  }
}

function checkChunkNumber (index: ChunkIndex, n: number): void {
  const count = chunkCount(index.size, index.chunkSize)
  if (!Number.isSafeInteger(n) || n < 0 || n >= count) {
    throw new FormatError('ERR_SCHEMA', `chunk ${n}: the blob has chunks 0 to ${count - 1}`, { source: 'chunk number' })
  }
}

function readVarint (bytes: Uint8Array, offset: number, field: string, source: string): [number, number] {
  try {
    const [value, length] = varint.decode(bytes, offset)
    return [value, offset + length]
  } catch {
    // Truncated, over-long, not minimally encoded, or beyond 2^53: multiformats refuses them all.
    throw new FormatError('ERR_SCHEMA', `field "${field}": expected an unsigned varint`, { source })
  }
}

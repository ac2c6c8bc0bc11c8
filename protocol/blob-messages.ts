import { MAX_CHUNK_SIZE } from './chunk-index.ts'
import { FormatError } from './errors.ts'

/**
 * /patchmesh/blob/1.0.0: one stream carries a sequence of requests, each answered in order, so a
 * client keeps several requests in flight on one stream (pipelining) without request ids.
 * Every frame is length-prefixed by the transport (lpStream); these are the frames' contents.
 *
 * Request: kind (1 byte), the blob's sha2-256 digest (32 bytes), chunk number (u32, big-endian; 0 unless kind is chunk).
 * Answer:  status (1 byte), then the payload: the encoded chunk index, the chunk's bytes, or the have-map.
 */
export type BlobRequestKind = 'index' | 'chunk' | 'have'
export type BlobAnswerStatus = 'ok' | 'not-held' | 'busy' | 'bad-request'

export interface BlobRequest {
  kind: BlobRequestKind
  /** The blob's sha2-256 digest (the multihash inside its CID). */
  digest: Uint8Array
  /** Chunk number, for `chunk` requests. */
  chunk: number
}

export interface BlobAnswer {
  status: BlobAnswerStatus
  payload: Uint8Array
}

export const BLOB_REQUEST_BYTES = 1 + 32 + 4
/** The largest answer: the largest chunk a blob may have, or the largest chunk index, plus the status byte. */
export const MAX_BLOB_ANSWER_BYTES = MAX_CHUNK_SIZE + 1

const KINDS: readonly BlobRequestKind[] = ['index', 'chunk', 'have']
const STATUSES: readonly BlobAnswerStatus[] = ['ok', 'not-held', 'busy', 'bad-request']

/** Encodes a request frame. */
export function encodeBlobRequest (request: BlobRequest): Uint8Array {
  if (request.digest.byteLength !== 32) throw new FormatError('ERR_SCHEMA', 'blob digest must be 32 bytes', { source: 'blob request' })
  if (!Number.isInteger(request.chunk) || request.chunk < 0 || request.chunk > 0xffff_ffff) throw new FormatError('ERR_SCHEMA', `chunk number ${request.chunk} is not a 32-bit unsigned integer`, { source: 'blob request' })
  const bytes = new Uint8Array(BLOB_REQUEST_BYTES)
  bytes[0] = KINDS.indexOf(request.kind)
  bytes.set(request.digest, 1)
  new DataView(bytes.buffer).setUint32(33, request.chunk)
  return bytes
}

/** Decodes a request frame; throws FormatError on a wrong length or an unknown kind. */
export function decodeBlobRequest (bytes: Uint8Array): BlobRequest {
  if (bytes.byteLength !== BLOB_REQUEST_BYTES) {
    throw new FormatError('ERR_SCHEMA', `request of ${bytes.byteLength} bytes; expected ${BLOB_REQUEST_BYTES}`, { source: 'blob request' })
  }
  const kind = KINDS[bytes[0] as number]
  if (kind == null) throw new FormatError('ERR_UNSUPPORTED_FORMAT', `unknown request kind ${bytes[0] as number}`, { source: 'blob request' })
  const chunk = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(33)
  return { kind, digest: bytes.slice(1, 33), chunk }
}

/** Encodes an answer frame. */
export function encodeBlobAnswer (answer: BlobAnswer): Uint8Array {
  const bytes = new Uint8Array(1 + answer.payload.byteLength)
  bytes[0] = STATUSES.indexOf(answer.status)
  bytes.set(answer.payload, 1)
  return bytes
}

/** Decodes an answer frame; the caller verifies the payload against the chunk index. */
export function decodeBlobAnswer (bytes: Uint8Array): BlobAnswer {
  if (bytes.byteLength > MAX_BLOB_ANSWER_BYTES) throw new FormatError('ERR_TOO_LARGE', `answer of ${bytes.byteLength} bytes; the limit is ${MAX_BLOB_ANSWER_BYTES}`, { source: 'blob answer' })
  if (bytes.byteLength < 1) throw new FormatError('ERR_SCHEMA', 'empty answer; expected a status byte', { source: 'blob answer' })
  const status = STATUSES[bytes[0] as number]
  if (status == null) throw new FormatError('ERR_UNSUPPORTED_FORMAT', `unknown answer status ${bytes[0] as number}`, { source: 'blob answer' })
  return { status, payload: bytes.subarray(1) }
}

import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { FormatError } from './errors.ts'

/**
 * A blob's id: the CIDv1 (raw codec, sha2-256) of the whole file, as base32 text. Chunk-index ids
 * are the same kind of id over the encoded index, so everything here applies to them too.
 */
export type BlobId = string

export const SHA256_BYTES = 32
const SHA2_256_CODE = 0x12
/** A base32 CIDv1 of a 32-byte sha2-256 digest is 59 characters; anything much longer is not one of ours. */
const MAX_BLOB_ID_CHARS = 100

/** The sha2-256 digest of bytes held in memory. */
export function sha256 (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

/** The blob id for a whole-file sha2-256 digest. */
export function blobIdFromSha256 (digest: Uint8Array): BlobId {
  if (digest.byteLength !== SHA256_BYTES) throw new FormatError('ERR_SCHEMA', `a sha2-256 digest is ${SHA256_BYTES} bytes; got ${digest.byteLength}`)
  return CID.createV1(raw.code, createDigest(SHA2_256_CODE, digest)).toString()
}

/** The id of bytes held in memory (a small blob, or an encoded chunk index). */
export function blobIdOf (bytes: Uint8Array): BlobId {
  return blobIdFromSha256(sha256(bytes))
}

/**
 * The 32-byte sha2-256 digest a blob id names. Only the canonical spelling is accepted (CIDv1,
 * raw, sha2-256, base32), so one blob has exactly one id: ids are database keys and file names.
 */
export function parseBlobId (text: string, source = 'blob id'): Uint8Array {
  if (typeof text !== 'string' || text.length > MAX_BLOB_ID_CHARS) throw invalid(source, 'a CIDv1 text of at most 100 characters')
  let cid: CID
  try {
    cid = CID.parse(text)
  } catch {
    throw invalid(source, 'a CIDv1 in base32 (it does not parse as a CID)')
  }
  if (cid.version !== 1) throw invalid(source, `a CIDv1; got CIDv${cid.version}`)
  if (cid.code !== raw.code) throw invalid(source, `the raw codec (0x55); got 0x${cid.code.toString(16)}`)
  if (cid.multihash.code !== SHA2_256_CODE || cid.multihash.digest.byteLength !== SHA256_BYTES) {
    throw invalid(source, `a 32-byte sha2-256 multihash (0x12); got 0x${cid.multihash.code.toString(16)} of ${cid.multihash.digest.byteLength} bytes`)
  }
  if (cid.toString() !== text) throw invalid(source, `the base32 spelling ${cid.toString()}`)
  return new Uint8Array(cid.multihash.digest)
}

/** True when two digests hold the same bytes. */
export function sameDigest (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}

function invalid (source: string, expected: string): FormatError {
  return new FormatError('ERR_SCHEMA', `not a valid blob id: expected ${expected}`, { source })
}

import { MAX_CHUNKS } from './chunk-index.ts'
import { FormatError } from './errors.ts'
import { decodeHaveMap, fullHaveMap } from './have-map.ts'
import type { HaveMap } from './have-map.ts'

/**
 * A node's advertisement of what it holds of one blob, gossiped while it downloads and when it
 * completes, so that peers downloading at the same time feed each other and each node knows which
 * peers of its own site hold what. The gossip message's signed `from` says who advertises.
 *
 * Layout: 'PMBH', format 1, flags (1 = complete, 2 = wants the blob), blob digest (32 bytes),
 * chunk count (u32), site length (1 byte) + site (UTF-8), then the have-map unless complete.
 */
export interface BlobHave {
  /** The blob's sha2-256 digest. */
  digest: Uint8Array
  chunkCount: number
  complete: boolean
  /** The node downloads (or keeps) this blob, so its site-mates count it when sharing the WAN work. */
  wants: boolean
  site: string
  /** One bit per chunk, most significant bit first; all ones when complete. */
  haveMap: HaveMap
}

const MAGIC = [0x50, 0x4d, 0x42, 0x48] // PMBH
const FORMAT = 1
const HEADER_BYTES = 4 + 1 + 1 + 32 + 4 + 1
export const MAX_SITE_BYTES = 64
/** A blob has at most MAX_CHUNKS chunks, so a have-map is at most 2 KiB: gossip carries kilobytes. */
export const MAX_HAVE_CHUNKS = MAX_CHUNKS
export const MAX_BLOB_HAVE_BYTES = HEADER_BYTES + MAX_SITE_BYTES + MAX_HAVE_CHUNKS / 8

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Encodes an advertisement. */
export function encodeBlobHave (have: BlobHave): Uint8Array {
  if (have.digest.byteLength !== 32) throw new FormatError('ERR_SCHEMA', `blob digest of ${have.digest.byteLength} bytes; expected 32`, { source: 'blob have' })
  const site = encoder.encode(have.site)
  if (site.byteLength > MAX_SITE_BYTES) throw new FormatError('ERR_TOO_LARGE', `site name longer than ${MAX_SITE_BYTES} bytes`, { source: 'blob have' })
  const map = have.complete ? new Uint8Array(0) : have.haveMap
  const bytes = new Uint8Array(HEADER_BYTES + site.byteLength + map.byteLength)
  bytes.set(MAGIC, 0)
  bytes[4] = FORMAT
  bytes[5] = (have.complete ? 1 : 0) | (have.wants ? 2 : 0)
  bytes.set(have.digest, 6)
  new DataView(bytes.buffer).setUint32(38, have.chunkCount)
  bytes[42] = site.byteLength
  bytes.set(site, HEADER_BYTES)
  bytes.set(map, HEADER_BYTES + site.byteLength)
  return bytes
}

/** Decodes an advertisement; throws FormatError naming what is wrong. */
export function decodeBlobHave (bytes: Uint8Array): BlobHave {
  const fail = (code: 'ERR_TOO_LARGE' | 'ERR_SCHEMA' | 'ERR_UNSUPPORTED_FORMAT', detail: string): never => { throw new FormatError(code, detail, { source: 'blob have' }) }
  if (bytes.byteLength > MAX_BLOB_HAVE_BYTES) fail('ERR_TOO_LARGE', `${bytes.byteLength} bytes; the limit is ${MAX_BLOB_HAVE_BYTES}`)
  if (bytes.byteLength < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) fail('ERR_SCHEMA', 'not a blob advertisement')
  if (bytes[4] !== FORMAT) fail('ERR_UNSUPPORTED_FORMAT', `format ${bytes[4] as number}; expected ${FORMAT}`)
  const flags = bytes[5] as number
  if ((flags & ~3) !== 0) fail('ERR_SCHEMA', `unknown flags ${flags}`)
  const chunkCount = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(38)
  if (chunkCount > MAX_HAVE_CHUNKS) fail('ERR_SCHEMA', `chunk count ${chunkCount}; expected at most ${MAX_HAVE_CHUNKS}`)
  const siteLength = bytes[42] as number
  const complete = (flags & 1) !== 0
  const mapLength = complete ? 0 : Math.ceil(chunkCount / 8)
  if (siteLength > MAX_SITE_BYTES || bytes.byteLength !== HEADER_BYTES + siteLength + mapLength) {
    fail('ERR_SCHEMA', `length ${bytes.byteLength} does not match a site of ${siteLength} bytes and a map of ${mapLength}`)
  }
  let site = ''
  try {
    site = decoder.decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + siteLength))
  } catch {
    fail('ERR_SCHEMA', 'site is not UTF-8')
  }
  const haveMap = complete ? fullHaveMap(chunkCount) : decodeHaveMap(bytes.subarray(HEADER_BYTES + siteLength), chunkCount, 'blob have')
  return { digest: bytes.slice(6, 38), chunkCount, complete, wants: (flags & 2) !== 0, site, haveMap }
}

import { createHash } from 'node:crypto'
import { FormatError } from './errors.ts'

/**
 * Anti-entropy over /patchmesh/sync/1.0.0, one stream per round:
 * 1. the dialer sends a `SyncHello` with a fingerprint of what it holds;
 * 2. the listener answers `SyncDigest`: `same` when its fingerprint matches (the round ends; an idle
 *    mesh pays a few hundred bytes a round), else its full digest;
 * 3. the dialer sends a `SyncOffer`: the records the listener lacks, and the nodes it wants;
 * 4. the listener sends a `SyncReply` with the wanted records.
 * Records travel as their signed bytes, so either side verifies them as if they came by gossip.
 */
export interface SyncHello {
  fingerprint: string
}

export interface SyncDigest {
  same: boolean
  /** [node id, newest status seq held]; empty when `same`. */
  status: Array<[string, number]>
}

export interface SyncOffer {
  records: Uint8Array[]
  /** Node ids whose records the dialer lacks or holds older. */
  want: string[]
}

export interface SyncReply {
  records: Uint8Array[]
}

/** @default 8 MiB: a digest of 100k nodes, or a few thousand records, per frame. */
export const MAX_SYNC_FRAME_BYTES = 8 * 1024 * 1024
const MAX_ENTRIES = 200_000
const MAX_ID_LENGTH = 128

const encoder = new TextEncoder()

/** A digest's fingerprint: equal holdings give equal fingerprints whatever the order. */
export function digestFingerprint (status: Array<[string, number]>): string {
  const hash = createHash('sha256')
  for (const [node, seq] of [...status].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) hash.update(`${node} ${seq}\n`)
  return hash.digest('hex')
}

export function encodeSyncHello (hello: SyncHello): Uint8Array {
  return encoder.encode(JSON.stringify({ fingerprint: hello.fingerprint }))
}

export function encodeSyncDigest (digest: SyncDigest): Uint8Array {
  return encoder.encode(JSON.stringify({ same: digest.same, status: digest.status }))
}

export function encodeSyncOffer (offer: SyncOffer): Uint8Array {
  return encoder.encode(JSON.stringify({ records: offer.records.map(toBase64), want: offer.want }))
}

export function encodeSyncReply (reply: SyncReply): Uint8Array {
  return encoder.encode(JSON.stringify({ records: reply.records.map(toBase64) }))
}

/** Decodes the dialer's hello; throws FormatError naming the bad field. */
export function decodeSyncHello (bytes: Uint8Array): SyncHello {
  const { fingerprint } = parseFrame(bytes, 'sync hello')
  if (typeof fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(fingerprint)) {
    throw new FormatError('ERR_SCHEMA', 'field "fingerprint": expected 64 hex digits', { source: 'sync hello' })
  }
  return { fingerprint }
}

/** Decodes the listener's digest. */
export function decodeSyncDigest (bytes: Uint8Array): SyncDigest {
  const frame = parseFrame(bytes, 'sync digest')
  if (typeof frame.same !== 'boolean') throw new FormatError('ERR_SCHEMA', 'field "same": expected true or false', { source: 'sync digest' })
  const status = list(frame.status, 'sync digest', 'status').map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || !isId(entry[0]) || !Number.isSafeInteger(entry[1]) || entry[1] < 0) {
      throw new FormatError('ERR_SCHEMA', `status[${i}]: expected [node id, seq]`, { source: 'sync digest' })
    }
    return [entry[0], entry[1]] as [string, number]
  })
  return { same: frame.same, status }
}

/** Decodes the dialer's offer. */
export function decodeSyncOffer (bytes: Uint8Array): SyncOffer {
  const frame = parseFrame(bytes, 'sync offer')
  const want = list(frame.want, 'sync offer', 'want').map((id, i) => {
    if (!isId(id)) throw new FormatError('ERR_SCHEMA', `want[${i}]: expected a node id`, { source: 'sync offer' })
    return id
  })
  return { records: records(frame.records, 'sync offer'), want }
}

/** Decodes the listener's reply. */
export function decodeSyncReply (bytes: Uint8Array): SyncReply {
  return { records: records(parseFrame(bytes, 'sync reply').records, 'sync reply') }
}

function parseFrame (bytes: Uint8Array, source: string): Record<string, unknown> {
  if (bytes.byteLength > MAX_SYNC_FRAME_BYTES) throw new FormatError('ERR_TOO_LARGE', `frame larger than ${MAX_SYNC_FRAME_BYTES} bytes`, { source })
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new FormatError('ERR_SCHEMA', 'not a JSON frame', { source })
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) throw new FormatError('ERR_SCHEMA', 'expected a JSON object', { source })
  return value as Record<string, unknown>
}

function list (value: unknown, source: string, field: string): unknown[] {
  if (!Array.isArray(value) || value.length > MAX_ENTRIES) throw new FormatError('ERR_SCHEMA', `field "${field}": expected a list of at most ${MAX_ENTRIES} entries`, { source })
  return value
}

function records (value: unknown, source: string): Uint8Array[] {
  return list(value, source, 'records').map((item, i) => {
    if (typeof item !== 'string') throw new FormatError('ERR_SCHEMA', `records[${i}]: expected base64 record bytes`, { source })
    return new Uint8Array(Buffer.from(item, 'base64'))
  })
}

function isId (value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH
}

function toBase64 (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

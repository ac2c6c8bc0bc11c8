import { FormatError } from './errors.ts'

/**
 * Anti-entropy over /patchmesh/sync/1.0.0, one stream per round:
 * the dialer sends a `SyncDigest` of what it holds, the listener answers with a `SyncOffer` (what the
 * dialer lacks, and what the listener wants), the dialer sends a `SyncReply` with the wanted records.
 * Records travel as their signed bytes, so either side verifies them as if they came by gossip.
 */
export interface SyncDigest {
  /** [node id, newest status seq held]. */
  status: Array<[string, number]>
}

export interface SyncOffer {
  records: Uint8Array[]
  /** Node ids whose records the listener lacks or holds older. */
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

export function encodeSyncDigest (digest: SyncDigest): Uint8Array {
  return encoder.encode(JSON.stringify({ status: digest.status }))
}

export function encodeSyncOffer (offer: SyncOffer): Uint8Array {
  return encoder.encode(JSON.stringify({ records: offer.records.map(toBase64), want: offer.want }))
}

export function encodeSyncReply (reply: SyncReply): Uint8Array {
  return encoder.encode(JSON.stringify({ records: reply.records.map(toBase64) }))
}

/** Decodes the dialer's digest; throws FormatError naming the bad field. */
export function decodeSyncDigest (bytes: Uint8Array): SyncDigest {
  const frame = parseFrame(bytes, 'sync digest')
  const status = list(frame.status, 'sync digest', 'status').map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || !isId(entry[0]) || !Number.isSafeInteger(entry[1]) || entry[1] < 0) {
      throw new FormatError('ERR_SCHEMA', `status[${i}]: expected [node id, seq]`, { source: 'sync digest' })
    }
    return [entry[0], entry[1]] as [string, number]
  })
  return { status }
}

/** Decodes the listener's offer. */
export function decodeSyncOffer (bytes: Uint8Array): SyncOffer {
  const frame = parseFrame(bytes, 'sync offer')
  const want = list(frame.want, 'sync offer', 'want').map((id, i) => {
    if (!isId(id)) throw new FormatError('ERR_SCHEMA', `want[${i}]: expected a node id`, { source: 'sync offer' })
    return id
  })
  return { records: records(frame.records, 'sync offer'), want }
}

/** Decodes the dialer's reply. */
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

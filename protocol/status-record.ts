import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { multiaddr } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { identity } from 'multiformats/hashes/identity'
import { SEVERITIES } from './catalog.ts'
import { FormatError } from './errors.ts'
import { PATCH_STATES } from './scan-result.ts'
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES, signBytes, verifyBytes } from './signatures.ts'
import type { ScanSummary } from './scan-result.ts'
import type { SigningKey } from './signatures.ts'

/**
 * The compact status every node gossips after each scan (DESIGN, "The flow" 1–2). Signed by the
 * node's own libp2p key inside the record, so it stays verifiable when relayed or handed over by sync.
 */
export interface StatusRecord {
  mesh: string
  /** The publishing node's peer id; must be the peer id of the key that signed the record. */
  node: string
  /** Only grows per node; the fleet view keeps the highest. */
  seq: number
  host: string
  os: string
  versionId: string
  /** Empty when the node was given no site. */
  site: string
  /**
   * Where the node accepts peers: up to MAX_STATUS_ADDRESSES multiaddrs in canonical form, without
   * /p2p/ID (the record names the node) or, if given, ending in this node's own /p2p/ID. Other
   * nodes dial them by peer id, so peers meet without mDNS. Empty when the node listens nowhere.
   */
  addresses: string[]
  agentVersion: string
  /** The catalog the scan used; null before the node's first scan. */
  catalog: { id: string, version: number } | null
  summary: ScanSummary
  /** Missing patches counted by bulletin severity; the counts add up to summary.missing. */
  missingBySeverity: Record<string, number>
  /** Ids of the missing patches (summary.missing of them). */
  missing: string[]
  /** ISO timestamp of the scan; null before the first scan. */
  scannedAt: string | null
  /** ISO timestamp of publication; freshness is judged by it. */
  publishedAt: string
}

/** 'PMSR', then the format byte: a stray message of another kind fails at the first bytes. */
const MAGIC = Uint8Array.of(0x50, 0x4d, 0x53, 0x52)
export const STATUS_RECORD_FORMAT = 1
const HEADER_BYTES = MAGIC.length + 1
const TRAILER_BYTES = ED25519_KEY_BYTES + ED25519_SIGNATURE_BYTES

/** @default 64 KiB: gossip carries kilobytes; 10,000 missing ids still fit. */
export const MAX_STATUS_RECORD_BYTES = 64 * 1024
/** @default 1 MiB: the most a payload may inflate to (decompression bombs stop here). */
export const MAX_INFLATED_STATUS_BYTES = 1024 * 1024
export const MAX_MISSING_IDS = 100_000
export const MAX_STATUS_ID_CHARS = 128
/** @default 8 addresses: a computer's interfaces, both IP families, a few ports. */
export const MAX_STATUS_ADDRESSES = 8
/** @default 256 characters: /dns4/ with a 253-character name and a port still fits. */
export const MAX_STATUS_ADDRESS_CHARS = 256
const MAX_HOST_CHARS = 255
const MAX_NAME_CHARS = 64
const MAX_TIMESTAMP_CHARS = 32

const RECORD_FIELDS = ['mesh', 'node', 'seq', 'host', 'os', 'versionId', 'site', 'addresses', 'agentVersion', 'catalog', 'summary', 'missingBySeverity', 'missing', 'scannedAt', 'publishedAt']
const CATALOG_FIELDS = ['id', 'version']
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/
/** libp2p's protobuf PublicKey header: field 1 (type) = 1 (Ed25519), field 2 (data), 32 bytes. */
const ED25519_PUBLIC_KEY_PROTOBUF_PREFIX = Uint8Array.of(0x08, 0x01, 0x12, 0x20)

export interface DecodeStatusRecordOptions {
  /** @default MAX_STATUS_RECORD_BYTES */
  maxBytes?: number
  /** Where the bytes came from, for error messages. */
  source?: string
}

/**
 * Encodes and signs a record: MAGIC ‖ format ‖ payload (deflate-raw JSON) ‖ public key ‖ signature.
 * The signature covers everything before the key, so the magic also separates it from libp2p's own
 * signatures made with the same node key. Throws FormatError for a record its peers would refuse.
 */
export function encodeStatusRecord (record: StatusRecord, key: SigningKey): Uint8Array {
  const source = 'status record to publish'
  const canonical = readRecord(record, source)
  const signer = peerIdFromEd25519PublicKey(key.publicKey)
  if (canonical.node !== signer) throw new FormatError('ERR_WRONG_SIGNER', `field "node" is ${canonical.node}; the signing key belongs to ${signer}`, { source })
  const json = new TextEncoder().encode(JSON.stringify(canonical))
  if (json.byteLength > MAX_INFLATED_STATUS_BYTES) throw new FormatError('ERR_TOO_LARGE', `${json.byteLength} bytes of JSON; the limit is ${MAX_INFLATED_STATUS_BYTES}`, { source })
  const payload = deflateRawSync(json, { level: 9 })
  const signedEnd = HEADER_BYTES + payload.byteLength
  const envelope = new Uint8Array(signedEnd + TRAILER_BYTES)
  if (envelope.byteLength > MAX_STATUS_RECORD_BYTES) throw new FormatError('ERR_TOO_LARGE', `${envelope.byteLength} bytes encoded; the limit is ${MAX_STATUS_RECORD_BYTES}`, { source })
  envelope.set(MAGIC, 0)
  envelope[MAGIC.length] = STATUS_RECORD_FORMAT
  envelope.set(payload, HEADER_BYTES)
  envelope.set(key.publicKey, signedEnd)
  const signature = signBytes(envelope.subarray(0, signedEnd), key)
  // A seed that does not match its public half would sign records every peer refuses.
  if (!verifyBytes(envelope.subarray(0, signedEnd), signature, key.publicKey)) throw new FormatError('ERR_BAD_SIGNATURE', 'the signing key\'s public half does not match its private seed', { source })
  envelope.set(signature, signedEnd + ED25519_KEY_BYTES)
  return envelope
}

/** Decodes, verifies and validates a record; throws FormatError with the code of the first problem found. */
export function decodeStatusRecord (bytes: Uint8Array, options: DecodeStatusRecordOptions = {}): StatusRecord {
  const source = options.source ?? 'status record'
  const maxBytes = options.maxBytes ?? MAX_STATUS_RECORD_BYTES
  if (bytes.byteLength > maxBytes) throw new FormatError('ERR_TOO_LARGE', `${bytes.byteLength} bytes; the limit is ${maxBytes}`, { source })
  if (bytes.byteLength < HEADER_BYTES + 1 + TRAILER_BYTES) throw new FormatError('ERR_SCHEMA', `${bytes.byteLength} bytes is too short for a status record`, { source })
  if (MAGIC.some((byte, i) => bytes[i] !== byte)) throw new FormatError('ERR_SCHEMA', 'not a status record (its first bytes are not "PMSR")', { source })
  const format = bytes[MAGIC.length]
  if (format !== STATUS_RECORD_FORMAT) throw new FormatError('ERR_UNSUPPORTED_FORMAT', `status record format ${String(format)}; this node reads format ${STATUS_RECORD_FORMAT}`, { source })
  const signedEnd = bytes.byteLength - TRAILER_BYTES
  const publicKey = bytes.subarray(signedEnd, signedEnd + ED25519_KEY_BYTES)
  // Verify first: a byte changed anywhere fails here, before zlib or JSON.parse see the payload.
  if (!verifyBytes(bytes.subarray(0, signedEnd), bytes.subarray(signedEnd + ED25519_KEY_BYTES), publicKey)) {
    throw new FormatError('ERR_BAD_SIGNATURE', 'the signature does not verify with the embedded key', { source })
  }
  const record = readRecord(parsePayload(bytes.subarray(HEADER_BYTES, signedEnd), source), source)
  const signer = peerIdFromEd25519PublicKey(publicKey)
  if (record.node !== signer) throw new FormatError('ERR_WRONG_SIGNER', `record names node ${record.node} but is signed by ${signer}`, { source })
  return record
}

/** The libp2p peer id (base58btc, no multibase prefix) of a raw 32-byte Ed25519 public key. */
export function peerIdFromEd25519PublicKey (publicKey: Uint8Array): string {
  if (publicKey.byteLength !== ED25519_KEY_BYTES) throw new FormatError('ERR_SCHEMA', `an Ed25519 public key is ${ED25519_KEY_BYTES} bytes; got ${publicKey.byteLength}`)
  const protobuf = new Uint8Array(ED25519_PUBLIC_KEY_PROTOBUF_PREFIX.length + ED25519_KEY_BYTES)
  protobuf.set(ED25519_PUBLIC_KEY_PROTOBUF_PREFIX, 0)
  protobuf.set(publicKey, ED25519_PUBLIC_KEY_PROTOBUF_PREFIX.length)
  // Keys this small are inlined in the id with the identity multihash rather than hashed.
  return base58btc.baseEncode(identity.digest(protobuf).bytes)
}

/**
 * The seq for a node's next record: past the previous one, and at least the clock in milliseconds,
 * so a node that lost its database (but kept its key) still outranks the records it published before.
 */
export function nextStatusSeq (previous: number | undefined, nowMs: number): number {
  return Math.max((previous ?? -1) + 1, Math.floor(nowMs))
}

function parsePayload (payload: Uint8Array, source: string): unknown {
  let json: Uint8Array
  try {
    json = inflateRawSync(payload, { maxOutputLength: MAX_INFLATED_STATUS_BYTES })
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FormatError('ERR_TOO_LARGE', `payload inflates to more than ${MAX_INFLATED_STATUS_BYTES} bytes`, { source })
    }
    throw new FormatError('ERR_SCHEMA', 'payload is not deflate-raw data', { source })
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json))
  } catch {
    throw new FormatError('ERR_SCHEMA', 'payload is not UTF-8 JSON', { source })
  }
}

/** Checks every field and returns a fresh record with the fields in canonical order (no extras). */
function readRecord (value: unknown, source: string): StatusRecord {
  const fields = exactObject(value, 'record', RECORD_FIELDS, source)
  const record: StatusRecord = {
    mesh: text(fields.mesh, 'mesh', 1, MAX_STATUS_ID_CHARS, source),
    node: text(fields.node, 'node', 1, MAX_STATUS_ID_CHARS, source),
    seq: count(fields.seq, 'seq', source),
    host: text(fields.host, 'host', 1, MAX_HOST_CHARS, source),
    os: text(fields.os, 'os', 0, MAX_NAME_CHARS, source),
    versionId: text(fields.versionId, 'versionId', 0, MAX_NAME_CHARS, source),
    site: text(fields.site, 'site', 0, MAX_NAME_CHARS, source),
    // fields.node was checked just above: literal properties are evaluated in order.
    addresses: readAddresses(fields.addresses, String(fields.node), source),
    agentVersion: text(fields.agentVersion, 'agentVersion', 1, MAX_NAME_CHARS, source),
    catalog: readCatalog(fields.catalog, source),
    summary: readSummary(fields.summary, source),
    missingBySeverity: readSeverityCounts(fields.missingBySeverity, source),
    missing: readMissing(fields.missing, source),
    scannedAt: fields.scannedAt === null ? null : timestamp(fields.scannedAt, 'scannedAt', source),
    publishedAt: timestamp(fields.publishedAt, 'publishedAt', source)
  }
  // Reports count from both; a record that contradicts itself would show two truths.
  if (record.missing.length !== record.summary.missing) {
    throw schemaError(source, 'missing', `${record.summary.missing} ids (summary.missing); got ${record.missing.length}`)
  }
  const bySeverity = Object.values(record.missingBySeverity).reduce((sum, n) => sum + n, 0)
  if (bySeverity !== record.summary.missing) {
    throw schemaError(source, 'missingBySeverity', `counts adding up to ${record.summary.missing} (summary.missing); they add up to ${bySeverity}`)
  }
  return record
}

function readCatalog (value: unknown, source: string): StatusRecord['catalog'] {
  if (value === null) return null
  const fields = exactObject(value, 'catalog', CATALOG_FIELDS, source)
  return { id: text(fields.id, 'catalog.id', 1, MAX_STATUS_ID_CHARS, source), version: count(fields.version, 'catalog.version', source) }
}

function readSummary (value: unknown, source: string): ScanSummary {
  const fields = exactObject(value, 'summary', PATCH_STATES, source)
  return {
    missing: count(fields.missing, 'summary.missing', source),
    superseded: count(fields.superseded, 'summary.superseded', source),
    installed: count(fields.installed, 'summary.installed', source),
    'not-applicable': count(fields['not-applicable'], 'summary.not-applicable', source)
  }
}

function readSeverityCounts (value: unknown, source: string): Record<string, number> {
  if (!isPlainObject(value)) throw schemaError(source, 'missingBySeverity', 'an object of counts')
  const unknown = Object.keys(value).find(key => !(SEVERITIES as readonly string[]).includes(key))
  if (unknown !== undefined) throw schemaError(source, 'missingBySeverity', `severities among ${SEVERITIES.join(', ')}; got "${unknown.slice(0, 40)}"`)
  // Canonical order, and Object.fromEntries defines own properties (a "__proto__" key stays inert).
  return Object.fromEntries(SEVERITIES.filter(severity => Object.hasOwn(value, severity))
    .map(severity => [severity, count(value[severity], `missingBySeverity.${severity}`, source)]))
}

function readMissing (value: unknown, source: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_MISSING_IDS) throw schemaError(source, 'missing', `a list of at most ${MAX_MISSING_IDS} patch ids`)
  const seen = new Set<string>()
  for (let i = 0; i < value.length; i++) {
    const id = text(value[i], `missing[${i}]`, 1, MAX_STATUS_ID_CHARS, source)
    if (seen.has(id)) throw new FormatError('ERR_DUPLICATE_ID', `field "missing[${i}]": patch id ${id} is listed twice`, { source })
    seen.add(id)
  }
  return [...seen]
}

function readAddresses (value: unknown, node: string, source: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_STATUS_ADDRESSES) throw schemaError(source, 'addresses', `a list of at most ${MAX_STATUS_ADDRESSES} multiaddrs`)
  const seen = new Set<string>()
  for (let i = 0; i < value.length; i++) {
    const field = `addresses[${i}]`
    const address = text(value[i], field, 1, MAX_STATUS_ADDRESS_CHARS, source)
    const problem = addressProblem(address, node)
    if (problem !== undefined) throw schemaError(source, field, `a multiaddr such as /ip4/192.0.2.10/tcp/4001; ${problem}`)
    if (seen.has(address)) throw new FormatError('ERR_DUPLICATE_ID', `field "${field}": address ${address} is listed twice`, { source })
    seen.add(address)
  }
  return [...seen]
}

/** Why `address` is not one address of `node` in canonical multiaddr form, or undefined when it is. */
function addressProblem (address: string, node: string): string | undefined {
  let canonical: string
  let components
  try {
    const parsed = multiaddr(address)
    // Reading the bytes checks values the string parser lets through, such as a malformed peer id.
    void parsed.bytes
    canonical = parsed.toString()
    components = parsed.getComponents()
  } catch {
    return 'got a string that does not parse as one'
  }
  // One spelling per address, as for timestamps: the same address always compares equal.
  if (canonical !== address) return `got a non-canonical spelling of ${canonical.slice(0, 80)}`
  const p2p = components.findIndex(c => c.name === 'p2p')
  if (p2p === -1) return undefined
  if (p2p !== components.length - 1 || components[p2p]?.value !== node) return 'its /p2p/ part, if any, must end it and name the record\'s node'
  return undefined
}

function exactObject (value: unknown, field: string, keys: readonly string[], source: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw schemaError(source, field, `an object with ${keys.join(', ')}`)
  const extra = Object.keys(value).find(key => !keys.includes(key))
  if (extra !== undefined) throw schemaError(source, field, `only ${keys.join(', ')}; got unknown field "${extra.slice(0, 40)}"`)
  const absent = keys.find(key => !Object.hasOwn(value, key))
  if (absent !== undefined) throw schemaError(source, field, `field "${absent}" as well`)
  return value
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function text (value: unknown, field: string, min: number, max: number, source: string): string {
  if (typeof value !== 'string' || value.length < min || value.length > max || !value.isWellFormed() || CONTROL_CHARACTER.test(value)) {
    throw schemaError(source, field, `a string of ${min} to ${max} printable characters`)
  }
  return value
}

function count (value: unknown, field: string, source: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw schemaError(source, field, 'a non-negative safe integer')
  return value
}

/** Only the canonical form Date#toISOString writes (UTC, milliseconds): one spelling per instant. */
function timestamp (value: unknown, field: string, source: string): string {
  const ok = typeof value === 'string' && value.length <= MAX_TIMESTAMP_CHARS && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value
  if (!ok) throw schemaError(source, field, 'an ISO timestamp such as 2026-11-01T12:00:00.000Z')
  return value
}

function schemaError (source: string, field: string, expected: string): FormatError {
  return new FormatError('ERR_SCHEMA', `field "${field}": expected ${expected}`, { source })
}

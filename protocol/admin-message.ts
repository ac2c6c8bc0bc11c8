import { FormatError } from './errors.ts'
import { decodeSignedDocument, encodeSignedDocument } from './signatures.ts'
import type { SignedDocument } from './signatures.ts'

/** What an admin-topic message carries; its verifier is chosen by this (protocol/admin-document.ts). */
export type AdminMessageKind = 'catalog-announcement' | 'package-manifest' | 'mesh-update'

/** One message on a mesh's admin gossip topic: a signed admin document and what kind it is. */
export interface AdminMessage {
  kind: AdminMessageKind
  document: SignedDocument
}

/**
 * Layout: 'PMAM', format byte, kind byte, then the signed-document envelope (encodeSignedDocument).
 * The kind travels outside the signed bytes: a wrong kind only sends the document to a verifier
 * whose format reader refuses it.
 */
const MAGIC = Uint8Array.of(0x50, 0x4d, 0x41, 0x4d)
export const ADMIN_MESSAGE_FORMAT = 1
const HEADER_BYTES = MAGIC.length + 2
/** Kind bytes; 0 is never used, so a zeroed buffer is not a message. */
const KIND_BYTES: Readonly<Record<AdminMessageKind, number>> = { 'catalog-announcement': 1, 'package-manifest': 2, 'mesh-update': 3 }
const KINDS = Object.keys(KIND_BYTES) as AdminMessageKind[]

/** @default 256 KiB: gossip carries kilobytes; the largest package manifest still fits with its signatures. */
export const MAX_ADMIN_MESSAGE_BYTES = 256 * 1024

export interface DecodeAdminMessageOptions {
  /** @default MAX_ADMIN_MESSAGE_BYTES */
  maxBytes?: number
  /** Where the bytes came from, for error messages. */
  source?: string
}

/** True when bytes begin like an admin message (to tell them from other records without decoding). */
export function isAdminMessage (bytes: Uint8Array): boolean {
  return MAGIC.every((byte, i) => bytes[i] === byte)
}

/** Encodes an admin message; throws FormatError (ERR_TOO_LARGE) for one its peers would refuse. */
export function encodeAdminMessage (message: AdminMessage): Uint8Array {
  const envelope = encodeSignedDocument(message.document)
  const bytes = new Uint8Array(HEADER_BYTES + envelope.byteLength)
  if (bytes.byteLength > MAX_ADMIN_MESSAGE_BYTES) {
    throw new FormatError('ERR_TOO_LARGE', `${bytes.byteLength} bytes encoded; the limit is ${MAX_ADMIN_MESSAGE_BYTES}`, { source: `${message.kind} to publish` })
  }
  bytes.set(MAGIC, 0)
  bytes[MAGIC.length] = ADMIN_MESSAGE_FORMAT
  bytes[MAGIC.length + 1] = KIND_BYTES[message.kind]
  bytes.set(envelope, HEADER_BYTES)
  return bytes
}

/** Decodes an admin message without judging its signatures; throws FormatError naming what is wrong. */
export function decodeAdminMessage (bytes: Uint8Array, options: DecodeAdminMessageOptions = {}): AdminMessage {
  const source = options.source ?? 'admin message'
  const maxBytes = options.maxBytes ?? MAX_ADMIN_MESSAGE_BYTES
  if (bytes.byteLength > maxBytes) throw new FormatError('ERR_TOO_LARGE', `${bytes.byteLength} bytes; the limit is ${maxBytes}`, { source })
  if (bytes.byteLength <= HEADER_BYTES) throw new FormatError('ERR_SCHEMA', `${bytes.byteLength} bytes is too short for an admin message`, { source })
  if (MAGIC.some((byte, i) => bytes[i] !== byte)) throw new FormatError('ERR_SCHEMA', 'not an admin message (its first bytes are not "PMAM")', { source })
  const format = bytes[MAGIC.length]
  if (format !== ADMIN_MESSAGE_FORMAT) {
    throw new FormatError('ERR_UNSUPPORTED_FORMAT', `admin message format ${String(format)}; this node reads format ${ADMIN_MESSAGE_FORMAT}`, { source })
  }
  const kindByte = bytes[MAGIC.length + 1]
  const kind = KINDS.find(name => KIND_BYTES[name] === kindByte)
  // A kind added by a newer version: not garbage, so not ERR_SCHEMA.
  if (kind === undefined) throw new FormatError('ERR_UNSUPPORTED_FORMAT', `admin message kind ${String(kindByte)}; this node reads kinds 1 to ${KINDS.length}`, { source })
  return { kind, document: decodeSignedDocument(bytes.subarray(HEADER_BYTES), maxBytes, `${source} (${kind})`) }
}

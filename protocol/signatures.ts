import { createPrivateKey, createPublicKey, generateKeyPairSync, createHash, sign, verify } from 'node:crypto'
import { base32 } from 'multiformats/bases/base32'
import { FormatError } from './errors.ts'

/** An Ed25519 key pair as raw bytes: 32-byte seed, 32-byte public key. */
export interface SigningKey {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** One signature over a document's exact bytes. */
export interface DocumentSignature {
  keyId: string
  signature: Uint8Array
}

/** A document as published (its exact bytes) with the signatures over those bytes. */
export interface SignedDocument {
  bytes: Uint8Array
  signatures: DocumentSignature[]
}

/** The outcome of checking a document's signatures against trusted keys. */
export interface SignatureCheck {
  /** Distinct trusted keys whose signature verified. */
  valid: string[]
  problems: Array<{ keyId: string, reason: 'unknown-key' | 'bad-signature' | 'duplicate' }>
}

export const ED25519_SIGNATURE_BYTES = 64
export const ED25519_KEY_BYTES = 32

/** Makes a new Ed25519 key pair. */
export function generateSigningKey (): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  return { privateKey: fromBase64Url(jwk.d ?? ''), publicKey: fromBase64Url(jwk.x ?? '') }
}

/** A key's short stable id: base32 of the first 10 bytes of SHA-256 over the raw public key. */
export function keyIdOf (publicKey: Uint8Array): string {
  return base32.baseEncode(createHash('sha256').update(publicKey).digest().subarray(0, 10))
}

/** Signs exact bytes. */
export function signBytes (bytes: Uint8Array, key: SigningKey): Uint8Array {
  const keyObject = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: toBase64Url(key.privateKey), x: toBase64Url(key.publicKey) }, format: 'jwk' })
  return new Uint8Array(sign(null, bytes, keyObject))
}

/** True when `signature` is a valid Ed25519 signature of `bytes` by `publicKey`; never throws. */
export function verifyBytes (bytes: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES || publicKey.byteLength !== ED25519_KEY_BYTES) return false
  try {
    const keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }, format: 'jwk' })
    return verify(null, bytes, keyObject, signature)
  } catch {
    return false
  }
}

/** Checks every signature of a document against the trusted keys (key id → raw public key). */
export function checkSignatures (document: SignedDocument, trusted: ReadonlyMap<string, Uint8Array>): SignatureCheck {
  const valid: string[] = []
  const problems: SignatureCheck['problems'] = []
  for (const { keyId, signature } of document.signatures) {
    const publicKey = trusted.get(keyId)
    if (publicKey == null) problems.push({ keyId, reason: 'unknown-key' })
    else if (valid.includes(keyId)) problems.push({ keyId, reason: 'duplicate' })
    else if (!verifyBytes(document.bytes, signature, publicKey)) problems.push({ keyId, reason: 'bad-signature' })
    else valid.push(keyId)
  }
  return { valid, problems }
}

/** Adds (or replaces) one key's signature over the document's bytes. */
export function addSignature (document: SignedDocument, key: SigningKey): SignedDocument {
  const keyId = keyIdOf(key.publicKey)
  return {
    bytes: document.bytes,
    signatures: [...document.signatures.filter(s => s.keyId !== keyId), { keyId, signature: signBytes(document.bytes, key) }]
  }
}

/** Most signatures one document may carry: far above any sane k of n, far below a flood. */
export const MAX_SIGNATURES = 32

/** Encodes a signed document as a small JSON envelope. */
export function encodeSignedDocument (document: SignedDocument): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    v: 1,
    doc: Buffer.from(document.bytes).toString('base64'),
    sigs: document.signatures.map(s => ({ key: s.keyId, sig: Buffer.from(s.signature).toString('base64') }))
  }))
}

/** Decodes a signed-document envelope; throws FormatError naming the field that is wrong. */
export function decodeSignedDocument (bytes: Uint8Array, maxBytes: number, source = 'signed document'): SignedDocument {
  if (bytes.byteLength > maxBytes) throw new FormatError('ERR_TOO_LARGE', `larger than the limit of ${maxBytes} bytes`, { source })
  let envelope: unknown
  try {
    envelope = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new FormatError('ERR_SCHEMA', 'not a JSON signed-document envelope', { source })
  }
  const { v, doc, sigs } = (envelope ?? {}) as { v?: unknown, doc?: unknown, sigs?: unknown }
  if (v !== 1) throw new FormatError('ERR_SCHEMA', `envelope version ${String(v)}; expected 1`, { source })
  if (typeof doc !== 'string') throw new FormatError('ERR_SCHEMA', 'field "doc" missing; expected base64 document bytes', { source })
  if (!Array.isArray(sigs) || sigs.length > MAX_SIGNATURES) throw new FormatError('ERR_SCHEMA', `field "sigs" must be a list of at most ${MAX_SIGNATURES} signatures`, { source })
  const signatures = sigs.map((s: { key?: unknown, sig?: unknown }, i): DocumentSignature => {
    if (typeof s?.key !== 'string' || s.key.length > 64 || typeof s.sig !== 'string') {
      throw new FormatError('ERR_SCHEMA', `signature ${i}: expected { key, sig }`, { source })
    }
    return { keyId: s.key, signature: new Uint8Array(Buffer.from(s.sig, 'base64')) }
  })
  return { bytes: new Uint8Array(Buffer.from(doc, 'base64')), signatures }
}

/** base64url without padding, as JWK wants. */
export function toBase64Url (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

export function fromBase64Url (text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'))
}

import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { open } from 'node:fs/promises'
import { promisify } from 'node:util'
import { ED25519_KEY_BYTES, keyIdOf, signBytes, verifyBytes } from '../protocol/signatures.ts'
import type { SigningKey } from '../protocol/signatures.ts'
import { AdminError } from './errors.ts'
import { writeNewFile } from './files.ts'

export const KEY_FILE_FORMAT = 'patchmesh-key/1'

/** What a key may sign: package manifests and mesh changes (admin), or catalogs (catalog-signer). */
export type KeyRole = 'admin' | 'catalog-signer'
export const KEY_ROLES: readonly KeyRole[] = ['admin', 'catalog-signer']

/** scrypt cost of a key file. */
export interface ScryptCost {
  N: number
  r: number
  p: number
}

/** About 100–200 ms and 32 MiB per unlock: cheap for a person, dear for a guesser. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 }
/** A key file is well under a kilobyte; anything much larger is not one. */
export const MAX_KEY_FILE_BYTES = 64 * 1024
/** Refuse key files whose cost would take more memory than this to unlock. */
const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024
const SALT_BYTES = 16
const IV_BYTES = 12
const TAG_BYTES = 16
const CHECK_BYTES = 32
const CIPHER = 'aes-256-gcm'
const FIELDS = ['format', 'role', 'keyId', 'publicKey', 'kdf', 'cipher', 'iv', 'tag', 'check', 'ciphertext']
const KDF_FIELDS = ['name', 'N', 'r', 'p', 'salt']

const scryptAsync = promisify(scrypt) as (password: string, salt: Uint8Array, length: number, options: ScryptCost & { maxmem: number }) => Promise<Buffer>

/** A key file's public part: readable without the passphrase. */
export interface PublicKeyInfo {
  role: KeyRole
  keyId: string
  publicKey: Uint8Array
}

/** A decrypted key file. */
export interface UnlockedKey {
  key: SigningKey
  role: KeyRole
  keyId: string
}

/** The JSON of a key file; byte fields are base64. */
interface KeyFileFields {
  format: string
  role: KeyRole
  keyId: string
  publicKey: string
  kdf: { name: 'scrypt', salt: string } & ScryptCost
  cipher: typeof CIPHER
  iv: string
  tag: string
  /** SHA-256 of the second half of the scrypt output: tells a wrong passphrase from a damaged file. */
  check: string
  ciphertext: string
}

/**
 * Writes `key` encrypted under `passphrase` to a new file readable by its owner only (mode 0600).
 * Refuses to overwrite an existing file (ERR_EXISTS).
 */
export async function writeKeyFile (path: string, key: SigningKey, role: KeyRole, passphrase: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<PublicKeyInfo> {
  if (passphrase === '') throw new AdminError('ERR_NO_PASSPHRASE', `${path}: refusing to protect a key with an empty passphrase`)
  if (!KEY_ROLES.includes(role)) throw new TypeError(`unknown key role "${String(role)}"`)
  if (!isKeyPair(key)) throw new TypeError('the public key does not belong to the private key')
  const keyId = keyIdOf(key.publicKey)
  const salt = randomBytes(SALT_BYTES)
  const iv = randomBytes(IV_BYTES)
  const fields: Omit<KeyFileFields, 'tag' | 'check' | 'ciphertext'> = {
    format: KEY_FILE_FORMAT, role, keyId, publicKey: base64(key.publicKey), kdf: { name: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: base64(salt) }, cipher: CIPHER, iv: base64(iv)
  }
  const { encryptionKey, check } = await deriveKeys(passphrase, salt, cost)
  const cipher = createCipheriv(CIPHER, encryptionKey, iv, { authTagLength: TAG_BYTES }).setAAD(associatedData(fields))
  const ciphertext = Buffer.concat([cipher.update(key.privateKey), cipher.final()])
  encryptionKey.fill(0)
  const text = JSON.stringify({ ...fields, tag: base64(cipher.getAuthTag()), check: base64(check), ciphertext: base64(ciphertext) }, null, 2) + '\n'
  await writeNewFile(path, text, 0o600)
  return { role, keyId, publicKey: key.publicKey }
}

/** Reads and decrypts a key file: ERR_BAD_PASSPHRASE for a wrong passphrase, ERR_KEY_FILE for a malformed or altered file. */
export async function readKeyFile (path: string, passphrase: string): Promise<UnlockedKey> {
  const { fields, info } = await readKeyFileFields(path)
  const { encryptionKey, check } = await deriveKeys(passphrase, fromBase64(fields.kdf.salt), fields.kdf)
  try {
    if (!timingSafeEqual(check, fromBase64(fields.check))) throw new AdminError('ERR_BAD_PASSPHRASE', `cannot decrypt ${path}: wrong passphrase`)
    const decipher = createDecipheriv(CIPHER, encryptionKey, fromBase64(fields.iv), { authTagLength: TAG_BYTES })
      .setAAD(associatedData(fields))
      .setAuthTag(fromBase64(fields.tag))
    let privateKey: Uint8Array
    try {
      const plain = Buffer.concat([decipher.update(fromBase64(fields.ciphertext)), decipher.final()])
      privateKey = new Uint8Array(plain)
      plain.fill(0)
    } catch {
      throw keyFileError(path, 'fields "ciphertext", "tag", "iv", "role", "keyId" or "publicKey" were altered: the encrypted key does not authenticate')
    }
    const key = { privateKey, publicKey: info.publicKey }
    if (!isKeyPair(key)) throw keyFileError(path, 'field "publicKey" does not belong to the encrypted key')
    return { key, role: info.role, keyId: info.keyId }
  } finally {
    encryptionKey.fill(0)
  }
}

/** Reads a key file's role, key id and public key without decrypting it. */
export async function readPublicKeyFile (path: string): Promise<PublicKeyInfo> {
  return (await readKeyFileFields(path)).info
}

async function readKeyFileFields (path: string): Promise<{ fields: KeyFileFields, info: PublicKeyInfo }> {
  const text = await readSmallFile(path)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw keyFileError(path, `not JSON; expected a ${KEY_FILE_FORMAT} key file`)
  }
  const fields = checkFields(path, json)
  const publicKey = new Uint8Array(fromBase64(fields.publicKey))
  if (fields.keyId !== keyIdOf(publicKey)) throw keyFileError(path, `field "keyId" is "${fields.keyId}"; expected "${keyIdOf(publicKey)}", the id of field "publicKey"`)
  return { fields, info: { role: fields.role, keyId: fields.keyId, publicKey } }
}

/** Checks every field's type and size, so decryption only ever sees well-formed values. */
function checkFields (path: string, json: unknown): KeyFileFields {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw keyFileError(path, `not a JSON object; expected a ${KEY_FILE_FORMAT} key file`)
  const record = json as Record<string, unknown>
  if (record.format !== KEY_FILE_FORMAT) throw keyFileError(path, `field "format" is ${JSON.stringify(record.format)}; expected "${KEY_FILE_FORMAT}"`)
  onlyFields(path, record, FIELDS, '')
  if (!KEY_ROLES.includes(record.role as KeyRole)) throw keyFileError(path, `field "role" is ${JSON.stringify(record.role)}; expected one of ${KEY_ROLES.join(', ')}`)
  if (typeof record.keyId !== 'string') throw keyFileError(path, 'field "keyId" missing; expected the key id')
  if (record.cipher !== CIPHER) throw keyFileError(path, `field "cipher" is ${JSON.stringify(record.cipher)}; expected "${CIPHER}"`)
  bytesField(path, record, 'publicKey', ED25519_KEY_BYTES)
  bytesField(path, record, 'iv', IV_BYTES)
  bytesField(path, record, 'tag', TAG_BYTES)
  bytesField(path, record, 'check', CHECK_BYTES)
  bytesField(path, record, 'ciphertext', ED25519_KEY_BYTES)
  const kdf = record.kdf
  if (kdf === null || typeof kdf !== 'object' || Array.isArray(kdf)) throw keyFileError(path, 'field "kdf" missing; expected { name: "scrypt", N, r, p, salt }')
  const params = kdf as Record<string, unknown>
  onlyFields(path, params, KDF_FIELDS, 'kdf.')
  if (params.name !== 'scrypt') throw keyFileError(path, `field "kdf.name" is ${JSON.stringify(params.name)}; expected "scrypt"`)
  bytesField(path, params, 'salt', SALT_BYTES, 'kdf.')
  const { N, r, p } = params
  if (!Number.isSafeInteger(N) || (N as number) < 2 ** 10 || ((N as number) & ((N as number) - 1)) !== 0) throw keyFileError(path, 'field "kdf.N" must be a power of two of at least 1024')
  if (!Number.isSafeInteger(r) || (r as number) < 1 || (r as number) > 32) throw keyFileError(path, 'field "kdf.r" must be an integer from 1 to 32')
  if (!Number.isSafeInteger(p) || (p as number) < 1 || (p as number) > 16) throw keyFileError(path, 'field "kdf.p" must be an integer from 1 to 16')
  // A hostile file must not make us allocate gigabytes or spin for minutes.
  if (scryptMemory(N as number, r as number) > MAX_SCRYPT_MEMORY_BYTES || (N as number) * (r as number) * (p as number) > 2 ** 24) {
    throw keyFileError(path, `fields "kdf.N", "kdf.r" and "kdf.p" ask for more than ${MAX_SCRYPT_MEMORY_BYTES / 1024 / 1024} MiB or too much work`)
  }
  return json as KeyFileFields
}

function onlyFields (path: string, record: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const field of Object.keys(record)) {
    if (!allowed.includes(field)) throw keyFileError(path, `unknown field "${prefix}${field}"; expected only ${allowed.map(name => prefix + name).join(', ')}`)
  }
}

function bytesField (path: string, record: Record<string, unknown>, field: string, length: number, prefix = ''): void {
  const value = record[field]
  // Buffer skips what is not base64; re-encoding shows whether the text was exactly the bytes.
  if (typeof value !== 'string' || Buffer.from(value, 'base64').toString('base64') !== value || Buffer.byteLength(value, 'base64') !== length) {
    throw keyFileError(path, `field "${prefix}${field}" is not base64 of ${length} bytes`)
  }
}

/** The fields the cipher authenticates besides the ciphertext: changing role or key is detected. */
function associatedData (fields: Omit<KeyFileFields, 'tag' | 'check' | 'ciphertext'>): Buffer {
  const { format, role, keyId, publicKey, kdf, cipher, iv } = fields
  return Buffer.from(JSON.stringify([format, role, keyId, publicKey, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt, cipher, iv]))
}

/** scrypt's 64 bytes: the first half encrypts, the hash of the second half is stored to recognise the passphrase. */
async function deriveKeys (passphrase: string, salt: Uint8Array, cost: ScryptCost): Promise<{ encryptionKey: Buffer, check: Buffer }> {
  // The same passphrase typed on two systems may arrive in different Unicode normal forms.
  const derived = await scryptAsync(passphrase.normalize('NFC'), salt, 64, { N: cost.N, r: cost.r, p: cost.p, maxmem: 2 * scryptMemory(cost.N, cost.r) })
  const check = createHash('sha256').update(derived.subarray(32)).digest()
  const encryptionKey = Buffer.from(derived.subarray(0, 32))
  derived.fill(0)
  return { encryptionKey, check }
}

function scryptMemory (N: number, r: number): number {
  return 128 * N * r
}

/** True when the private key signs for the public key. */
function isKeyPair (key: SigningKey): boolean {
  if (key.privateKey.byteLength !== ED25519_KEY_BYTES || key.publicKey.byteLength !== ED25519_KEY_BYTES) return false
  const probe = new TextEncoder().encode('patchmesh key pair check')
  try {
    return verifyBytes(probe, signBytes(probe, key), key.publicKey)
  } catch {
    return false
  }
}

async function readSmallFile (path: string): Promise<string> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw keyFileError(path, `cannot read: ${(err as { code?: string }).code === 'ENOENT' ? 'not found' : (err as Error).message}`, err)
  }
  try {
    // Read at most one byte past the limit rather than trusting the size on disk.
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let total = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, null)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > MAX_KEY_FILE_BYTES) throw keyFileError(path, `larger than ${MAX_KEY_FILE_BYTES} bytes; not a key file`)
    }
    return buffer.toString('utf8', 0, total)
  } catch (err) {
    if (err instanceof AdminError) throw err
    throw keyFileError(path, `cannot read: ${(err as Error).message}`, err)
  } finally {
    await handle.close()
  }
}

function keyFileError (path: string, detail: string, cause?: unknown): AdminError {
  return new AdminError('ERR_KEY_FILE', `${path}: ${detail}`, { cause })
}

function base64 (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

function fromBase64 (text: string): Buffer {
  return Buffer.from(text, 'base64')
}

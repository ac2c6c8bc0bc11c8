import { multiaddr } from '@multiformats/multiaddr'
import { ED25519_KEY_BYTES, MAX_SIGNATURES, keyIdOf } from './signatures.ts'
import {
  allowAttributes, attributeValue, childElements, dateAttribute, duplicateError, expectEmpty, expectRoot,
  integerAttribute, readXml, requiredAttribute, schemaError
} from './xml.ts'
import type { XmlElement } from './xml.ts'

export const MESH_NAMESPACE = 'urn:patchmesh:mesh:1'
/** Default size limit: a mesh file holds a few dozen keys and addresses, a few kilobytes. */
export const MAX_MESH_FILE_BYTES = 1024 * 1024
/** Mesh > Admins > Key is the deepest the format goes. */
const MESH_MAX_DEPTH = 3
/** Lower-case letters, digits and dashes: the name goes into gossip topic names and file names. */
export const MESH_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/
const MESH_NAME_EXPECTED = '1 to 63 lower-case letters, digits or dashes, starting with a letter or digit'
const BOOTSTRAP_EXPECTED = 'a multiaddr ending in /p2p/PEER-ID, such as /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW…'

const MESH_ATTRIBUTES = ['xmlns', 'name', 'version', 'created']
const MESH_CHILDREN = ['Admins', 'CatalogSigners', 'Bootstrap']
const ADMINS_ATTRIBUTES = ['threshold']
const KEY_CHILDREN = ['Key']
const KEY_ATTRIBUTES = ['id', 'publicKey']
const BOOTSTRAP_ATTRIBUTES = ['address']
const NO_ATTRIBUTES: string[] = []

/** A public key the mesh trusts, with its id (always keyIdOf(publicKey)). */
export interface TrustedKey {
  id: string
  /** Raw Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array
}

/** The mesh's trust root (DESIGN, "Mesh file"): who may sign packages and catalogs, and where to find peers. */
export interface MeshFile {
  name: string
  /** Grows with every change of the file. */
  version: number
  /** ISO 8601 timestamp, as written. */
  created: string
  /** Package manifests need valid signatures by `threshold` distinct admin keys. */
  admins: { threshold: number, keys: TrustedKey[] }
  catalogSigners: TrustedKey[]
  /** Multiaddrs, each ending in /p2p/PEER-ID. */
  bootstrap: string[]
}

export interface ParseMeshFileOptions {
  /** File name, for error messages. */
  source?: string
  /** @default MAX_MESH_FILE_BYTES */
  maxBytes?: number
}

/** Parses and validates a mesh file; throws FormatError on anything it would not trust. */
export function parseMeshFile (input: Uint8Array | string, options: ParseMeshFileOptions = {}): MeshFile {
  const root = readXml(input, { maxBytes: options.maxBytes ?? MAX_MESH_FILE_BYTES, maxDepth: MESH_MAX_DEPTH, source: options.source })
  expectRoot(root, 'Mesh', MESH_NAMESPACE)
  allowAttributes(root, MESH_ATTRIBUTES)
  const name = requiredAttribute(root, 'name', MESH_NAME_EXPECTED)
  if (!MESH_NAME.test(name)) throw schemaError(root, `attribute "name" is "${name}"; expected ${MESH_NAME_EXPECTED}`)
  const version = integerAttribute(root, 'version', 1)
  const created = dateAttribute(root, 'created')

  let admins: XmlElement | undefined
  let signers: XmlElement | undefined
  const bootstrap: string[] = []
  const bootstrapElements: XmlElement[] = []
  for (const child of childElements(root, MESH_CHILDREN)) {
    if (child.name === 'Bootstrap') {
      const address = readBootstrap(child)
      const first = bootstrap.indexOf(address)
      if (first !== -1) throw duplicateError(child, 'bootstrap address', address, bootstrapElements[first] as XmlElement)
      bootstrap.push(address)
      bootstrapElements.push(child)
    } else if (child.name === 'Admins') {
      if (admins !== undefined) throw schemaError(child, `second <Admins>; the first is on line ${admins.line}`)
      admins = child
    } else {
      if (signers !== undefined) throw schemaError(child, `second <CatalogSigners>; the first is on line ${signers.line}`)
      signers = child
    }
  }
  if (admins === undefined) throw schemaError(root, 'no <Admins> child; expected <Admins threshold="K"> with at least one <Key>')
  if (signers === undefined) throw schemaError(root, 'no <CatalogSigners> child; expected <CatalogSigners> with at least one <Key>')

  // Key ids are unique across the whole file: one key, one role.
  const seen = new Map<string, XmlElement>()
  allowAttributes(admins, ADMINS_ATTRIBUTES)
  const threshold = integerAttribute(admins, 'threshold', 1, MAX_SIGNATURES)
  const adminKeys = readKeys(admins, seen)
  if (threshold > adminKeys.length) {
    throw schemaError(admins, `attribute "threshold" is ${threshold} but only ${adminKeys.length} admin key${adminKeys.length === 1 ? ' is' : 's are'} listed; expected at most ${adminKeys.length}`)
  }
  allowAttributes(signers, NO_ATTRIBUTES)
  const catalogSigners = readKeys(signers, seen)
  return { name, version, created, admins: { threshold, keys: adminKeys }, catalogSigners, bootstrap }
}

function readKeys (parent: XmlElement, seen: Map<string, XmlElement>): TrustedKey[] {
  const keys: TrustedKey[] = []
  for (const element of childElements(parent, KEY_CHILDREN)) {
    allowAttributes(element, KEY_ATTRIBUTES)
    expectEmpty(element)
    const id = requiredAttribute(element, 'id', 'the key id')
    const publicKey = decodePublicKey(element, requiredAttribute(element, 'publicKey', 'base64 of a 32-byte Ed25519 public key'))
    const expected = keyIdOf(publicKey)
    if (id !== expected) throw schemaError(element, `key "${id}" does not match its public key, whose id is "${expected}"`)
    const first = seen.get(id)
    if (first !== undefined) throw duplicateError(element, 'key', id, first)
    seen.set(id, element)
    keys.push({ id, publicKey })
  }
  if (keys.length === 0) throw schemaError(parent, 'no <Key> children; expected at least one <Key id publicKey/>')
  return keys
}

function decodePublicKey (element: XmlElement, text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64')
  // Buffer skips what is not base64; re-encoding shows whether the text was exactly the key.
  if (bytes.byteLength !== ED25519_KEY_BYTES || bytes.toString('base64') !== text) {
    throw schemaError(element, `attribute "publicKey" is not base64 of ${ED25519_KEY_BYTES} bytes; expected a raw Ed25519 public key`)
  }
  return new Uint8Array(bytes)
}

function readBootstrap (element: XmlElement): string {
  allowAttributes(element, BOOTSTRAP_ATTRIBUTES)
  expectEmpty(element)
  const address = requiredAttribute(element, 'address', BOOTSTRAP_EXPECTED)
  const problem = bootstrapAddressProblem(address)
  if (problem !== undefined) throw schemaError(element, `attribute "address" is "${address}": ${problem}; expected ${BOOTSTRAP_EXPECTED}`)
  return address
}

/** Why `address` cannot serve as a bootstrap address, or undefined when it can. */
export function bootstrapAddressProblem (address: string): string | undefined {
  let components
  try {
    const parsed = multiaddr(address)
    // Reading the bytes checks values the string parser lets through, such as a malformed peer id.
    void parsed.bytes
    components = parsed.getComponents()
  } catch (err) {
    return `not a multiaddr (${(err as Error).message})`
  }
  // libp2p's bootstrap discovery silently skips addresses without a peer id: refuse them here instead.
  if (components.length < 2 || components.at(-1)?.name !== 'p2p') return 'no transport address followed by /p2p/PEER-ID'
  return undefined
}

/** Writes a mesh file; throws FormatError (as parseMeshFile would) for a mesh no reader would accept. */
export function serializeMeshFile (mesh: MeshFile): string {
  const key = (k: TrustedKey): string =>
    `    <Key id="${attributeValue('Key', 'id', k.id)}" publicKey="${Buffer.from(k.publicKey).toString('base64')}"/>`
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Mesh xmlns="${MESH_NAMESPACE}" name="${attributeValue('Mesh', 'name', mesh.name)}" version="${mesh.version}" created="${attributeValue('Mesh', 'created', mesh.created)}">`,
    `  <Admins threshold="${mesh.admins.threshold}">`,
    ...mesh.admins.keys.map(key),
    '  </Admins>',
    '  <CatalogSigners>',
    ...mesh.catalogSigners.map(key),
    '  </CatalogSigners>',
    ...mesh.bootstrap.map(address => `  <Bootstrap address="${attributeValue('Bootstrap', 'address', address)}"/>`),
    '</Mesh>',
    ''
  ]
  const text = lines.join('\n')
  // Reading back what we wrote applies every rule of the reader, so a written file is always readable.
  parseMeshFile(text, { source: 'mesh file being written' })
  return text
}

/** Key id → public key, as checkSignatures wants its trusted keys. */
export function trustedKeyMap (keys: readonly TrustedKey[]): Map<string, Uint8Array> {
  return new Map(keys.map(key => [key.id, key.publicKey]))
}

import { parseBlobId } from './blob-id.ts'
import type { BlobId } from './blob-id.ts'
import { FormatError } from './errors.ts'
import { MESH_NAME } from './mesh-file.ts'
import { requiredAttribute, schemaError } from './xml.ts'
import type { XmlElement } from './xml.ts'

// Attribute readers shared by the admin documents (package manifests, catalog announcements).

const MESH_NAME_EXPECTED = 'the mesh name: lower-case letters, digits and dashes'

/** A required attribute whose whole value matches `pattern`; `expected` describes it for the error message. */
export function patternAttribute (element: XmlElement, name: string, pattern: RegExp, expected: string): string {
  const value = requiredAttribute(element, name, expected)
  if (!pattern.test(value)) throw schemaError(element, `attribute "${name}" is "${value.slice(0, 80)}"; expected ${expected}`)
  return value
}

/** The `mesh` attribute: the name of the mesh the document belongs to. */
export function meshNameAttribute (element: XmlElement): string {
  return patternAttribute(element, 'mesh', MESH_NAME, MESH_NAME_EXPECTED)
}

/** A required attribute holding a BlobId (canonical CIDv1, raw, sha2-256); throws FormatError located at the element. */
export function blobIdAttribute (element: XmlElement, name: string): BlobId {
  const value = requiredAttribute(element, name, 'a CIDv1 of raw bytes hashed with sha2-256, in base32 (bafkrei…)')
  try {
    parseBlobId(value, `attribute "${name}"`)
  } catch (err) {
    // parseBlobId names the attribute as its source; the element error adds file, line and element.
    if (err instanceof FormatError) throw schemaError(element, err.message)
    throw err
  }
  return value
}

import { MAX_CATALOG_BYTES } from './catalog.ts'
import type { BlobId } from './blob-id.ts'
import { blobIdAttribute, meshNameAttribute } from './admin-attributes.ts'
import {
  allowAttributes, attributeValue, dateAttribute, expectEmpty, expectRoot, integerAttribute, readXml, requiredAttribute
} from './xml.ts'

export const CATALOG_ANNOUNCEMENT_NAMESPACE = 'urn:patchmesh:catalog-announcement:1'
/** One element of a few hundred bytes; 4 KiB leaves room and nothing more. */
export const MAX_CATALOG_ANNOUNCEMENT_BYTES = 4 * 1024
const ANNOUNCEMENT_ATTRIBUTES = ['xmlns', 'mesh', 'catalog', 'version', 'published', 'blob', 'index', 'size']

/**
 * A catalog-signer's word that a catalog version is published to the mesh as a blob (DESIGN, "The
 * flow" 1). Signed by one catalog-signer key of the mesh file; the catalog itself travels as the blob.
 */
export interface CatalogAnnouncement {
  mesh: string
  /** The catalog's id, as its root element states it. */
  catalog: string
  /** The catalog's version: only grows per catalog id. */
  version: number
  published: string
  blob: BlobId
  /** Id of the blob's chunk index. */
  index: BlobId
  /** Bytes of the catalog document: no larger than any node would read. */
  size: number
}

export interface ParseCatalogAnnouncementOptions {
  source?: string
  /** @default MAX_CATALOG_ANNOUNCEMENT_BYTES */
  maxBytes?: number
}

/** Parses and validates a catalog announcement; throws FormatError. */
export function parseCatalogAnnouncement (input: Uint8Array | string, options: ParseCatalogAnnouncementOptions = {}): CatalogAnnouncement {
  const root = readXml(input, { maxBytes: options.maxBytes ?? MAX_CATALOG_ANNOUNCEMENT_BYTES, maxDepth: 1, source: options.source })
  expectRoot(root, 'CatalogAnnouncement', CATALOG_ANNOUNCEMENT_NAMESPACE)
  allowAttributes(root, ANNOUNCEMENT_ATTRIBUTES)
  expectEmpty(root)
  return {
    mesh: meshNameAttribute(root),
    catalog: requiredAttribute(root, 'catalog', 'the catalog id'),
    version: integerAttribute(root, 'version', 1),
    published: dateAttribute(root, 'published'),
    blob: blobIdAttribute(root, 'blob'),
    index: blobIdAttribute(root, 'index'),
    size: integerAttribute(root, 'size', 1, MAX_CATALOG_BYTES)
  }
}

/** Writes an announcement; throws FormatError (as the parser would) for one no reader would accept. */
export function serializeCatalogAnnouncement (announcement: CatalogAnnouncement): string {
  const attributes = (['mesh', 'catalog', 'version', 'published', 'blob', 'index', 'size'] as const)
    .map(name => ` ${name}="${attributeValue('CatalogAnnouncement', name, String(announcement[name]))}"`)
    .join('')
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<CatalogAnnouncement xmlns="${CATALOG_ANNOUNCEMENT_NAMESPACE}"${attributes}/>\n`
  // Reading back what we wrote applies every rule of the reader.
  parseCatalogAnnouncement(text, { source: 'catalog announcement being written' })
  return text
}

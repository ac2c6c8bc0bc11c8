import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  CATALOG_ANNOUNCEMENT_NAMESPACE, MAX_CATALOG_ANNOUNCEMENT_BYTES, parseCatalogAnnouncement, serializeCatalogAnnouncement
} from '../../protocol/catalog-announcement.ts'
import { MAX_CATALOG_BYTES } from '../../protocol/catalog.ts'
import { blobIdFor } from '../helpers/admin-documents.ts'
import { expectFormatError } from '../helpers/format-error.ts'
import type { CatalogAnnouncement } from '../../protocol/catalog-announcement.ts'
import type { FormatErrorCode } from '../../protocol/errors.ts'

const announcement: CatalogAnnouncement = {
  mesh: 'acme', catalog: 'patchmesh-demo', version: 7, published: '2026-11-24T06:00:00Z', blob: blobIdFor('catalog'), index: blobIdFor('catalog index'), size: 36_000_000
}
const TEXT = serializeCatalogAnnouncement(announcement)

function refuses (text: string | Uint8Array, code: FormatErrorCode, pattern?: RegExp): void {
  const error = expectFormatError(() => parseCatalogAnnouncement(text, { source: 'announcement' }), code)
  if (pattern !== undefined) assert.match(error.message, pattern)
}

describe('catalog announcements', () => {
  it('round-trips serialize then parse to the same announcement', () => {
    assert.deepEqual(parseCatalogAnnouncement(TEXT), announcement)
    assert.equal(serializeCatalogAnnouncement(parseCatalogAnnouncement(TEXT)), TEXT)
    assert.ok(TEXT.includes(`<CatalogAnnouncement xmlns="${CATALOG_ANNOUNCEMENT_NAMESPACE}" mesh="acme" catalog="patchmesh-demo" version="7"`))
  })

  it('refuses an unknown attribute', () => {
    refuses(TEXT.replace('size=', 'url="http://x" size='), 'ERR_SCHEMA', /unknown attribute "url"/)
  })

  it('refuses a child element: the announcement is one empty element', () => {
    refuses(TEXT.replace('/>', '><Note/></CatalogAnnouncement>'), 'ERR_XML_TOO_DEEP')
  })

  it('refuses a blob id that is not a raw sha2-256 CIDv1', () => {
    refuses(TEXT.replace(blobIdFor('catalog'), 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'), 'ERR_SCHEMA', /attribute "blob"/)
  })

  it('refuses a catalog larger than any node would read', () => {
    refuses(TEXT.replace('size="36000000"', `size="${MAX_CATALOG_BYTES + 1}"`), 'ERR_SCHEMA', /attribute "size"/)
  })

  it('refuses a DOCTYPE', () => {
    refuses(`<!DOCTYPE a [<!ENTITY b "c">]>${TEXT.slice(TEXT.indexOf('<Catalog'))}`, 'ERR_XML_FORBIDDEN')
  })

  it('refuses an announcement over its size limit', () => {
    refuses(new Uint8Array(MAX_CATALOG_ANNOUNCEMENT_BYTES + 1), 'ERR_TOO_LARGE')
  })

  it('refuses to write an announcement no reader would accept', () => {
    expectFormatError(() => serializeCatalogAnnouncement({ ...announcement, version: 0 }), 'ERR_SCHEMA')
    expectFormatError(() => serializeCatalogAnnouncement({ ...announcement, blob: 'x' }), 'ERR_SCHEMA')
  })
})

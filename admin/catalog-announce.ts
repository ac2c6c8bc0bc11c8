import { serializeCatalogAnnouncement } from '../protocol/catalog-announcement.ts'
import { encodeAdminMessage } from '../protocol/admin-message.ts'
import { addSignature } from '../protocol/signatures.ts'
import { AdminError } from './errors.ts'
import type { Catalog } from '../protocol/catalog-types.ts'
import type { UnlockedKey } from './keys.ts'

/** Where the catalog blob is: what the node's blob store answered when it imported the bytes. */
export interface StoredBlob {
  blobId: string
  indexId: string
  size: number
}

/**
 * The signed admin message that announces a catalog to the mesh: catalog id and version, and the
 * blob that carries the exact bytes. Nodes fetch the blob, check it is that catalog, and take it.
 */
export function announceCatalog (catalog: Pick<Catalog, 'id' | 'version'>, blob: StoredBlob, mesh: string, key: UnlockedKey, now = new Date()): Uint8Array {
  if (key.role !== 'catalog-signer') throw new AdminError('ERR_KEY_ROLE', `key ${key.keyId} is an ${key.role} key; catalogs are signed with a catalog-signer key (catalog-signer.key from "patchmesh admin init")`)
  const xml = serializeCatalogAnnouncement({ mesh, catalog: catalog.id, version: catalog.version, published: now.toISOString(), blob: blob.blobId, index: blob.indexId, size: blob.size })
  const document = addSignature({ bytes: new TextEncoder().encode(xml), signatures: [] }, key.key)
  return encodeAdminMessage({ kind: 'catalog-announcement', document })
}

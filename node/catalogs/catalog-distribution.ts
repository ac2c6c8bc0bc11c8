import { MAX_CATALOG_BYTES, parseCatalog } from '../../protocol/catalog.ts'
import { NodeError } from '../errors.ts'
import type { CatalogAnnouncement } from '../../protocol/catalog-announcement.ts'
import type { BlobService } from '../blobs/blob-service.ts'
import type { BlobStore } from '../blobs/blob-store.ts'
import type { Logger } from '../log.ts'
import type { CatalogStore } from '../scan/catalog-store.ts'

export interface CatalogDistributionComponents {
  blobs: BlobService
  store: BlobStore
  catalogs: CatalogStore
  logger: Logger
  /** Scans again once a new catalog is in place. */
  rescan: () => Promise<void>
  /** Records why an announced catalog could not be taken (visible in the API). */
  refuse: (announcement: CatalogAnnouncement, detail: string) => Promise<void>
}

/**
 * Takes announced catalogs into use: fetches the catalog blob from peers (verified chunk by chunk,
 * then as a whole), checks it is the catalog and version the signed announcement names, stores it
 * and rescans. Announcements are handled one at a time; an older one that waited behind a newer
 * one is dropped.
 */
export class CatalogDistribution {
  readonly #c: CatalogDistributionComponents
  readonly #log: Logger
  #queue: Promise<void> = Promise.resolve()
  #newest?: CatalogAnnouncement

  constructor (components: CatalogDistributionComponents) {
    this.#c = components
    this.#log = components.logger.child({ module: 'catalogs' })
  }

  /** Queues an accepted announcement; resolves when it was taken into use or given up. */
  async take (announcement: CatalogAnnouncement, signal?: AbortSignal): Promise<void> {
    if (this.#newest != null && this.#newest.catalog === announcement.catalog && this.#newest.version >= announcement.version) return
    this.#newest = announcement
    const turn = this.#queue.then(async () => {
      if (this.#newest !== announcement) return // a newer one came while this waited
      await this.#install(announcement, signal)
    })
    this.#queue = turn.catch(() => {})
    await turn
  }

  async #install (announcement: CatalogAnnouncement, signal?: AbortSignal): Promise<void> {
    const { catalog, version, blob, index } = announcement
    const held = await this.#c.catalogs.record()
    if (held?.id === catalog && held.version >= version) return
    try {
      this.#log.info({ catalog, version, blob }, 'fetching announced catalog')
      const progress = await this.#c.blobs.fetch(blob, index, { signal })
      const bytes = await this.#read(blob, announcement.size)
      const parsed = parseCatalog(bytes, { source: `catalog blob ${blob}` })
      if (parsed.id !== catalog || parsed.version !== version) {
        throw new NodeError('ERR_CATALOG_SOURCE', `the blob holds catalog ${parsed.id} version ${parsed.version}, but the announcement names ${catalog} version ${version}`)
      }
      const { stored } = await this.#c.catalogs.import(bytes, `catalog ${catalog} version ${version} from the mesh`, { otherIdReplaces: true })
      this.#log.info({ catalog, version, stored, fromSameSite: progress.bytesSameSite, fromOtherSites: progress.bytesOtherSites }, 'catalog verified and stored')
      if (stored) await this.#c.rescan()
    } catch (err) {
      if (signal?.aborted === true) return
      this.#log.error({ err, catalog, version }, 'announced catalog could not be taken into use')
      await this.#c.refuse(announcement, (err as Error).message)
    }
  }

  /** The whole catalog blob; the announcement's size bounds it, as does the catalog size limit. */
  async #read (blobId: string, size: number): Promise<Uint8Array> {
    if (size > MAX_CATALOG_BYTES) throw new NodeError('ERR_CATALOG_SOURCE', `announced catalog size ${size} is over the limit of ${MAX_CATALOG_BYTES} bytes`)
    const parts: Buffer[] = []
    let length = 0
    for await (const part of await this.#c.store.openRead(blobId)) {
      length += (part as Buffer).byteLength
      if (length > size) throw new NodeError('ERR_CATALOG_SOURCE', `catalog blob ${blobId} is larger than the announced ${size} bytes`)
      parts.push(part as Buffer)
    }
    return new Uint8Array(Buffer.concat(parts, length))
  }
}

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
 * @default 5 s that a node holds back relaying a catalog announcement while it fetches the catalog
 * (see CatalogDistribution.blobHeld); past that it relays anyway, so a slow fetch cannot stop the news.
 */
export const DEFAULT_RELAY_HOLD_MS = 5_000

export interface TakeOptions {
  /** The peer that handed the announcement over: it relays one only once it holds the catalog, so it is asked first. */
  holder?: string
  signal?: AbortSignal
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
  /** Per announcement being taken (`catalog@version`): resolved once its blob is held, or the attempt ended. */
  readonly #blobHeld = new Map<string, PromiseWithResolvers<void>>()

  constructor (components: CatalogDistributionComponents) {
    this.#c = components
    this.#log = components.logger.child({ module: 'catalogs' })
  }

  /** Queues an accepted announcement; resolves when it was taken into use or given up. */
  async take (announcement: CatalogAnnouncement, options: TakeOptions = {}): Promise<void> {
    if (this.#newest != null && this.#newest.catalog === announcement.catalog && this.#newest.version >= announcement.version) return
    this.#newest = announcement
    const key = turnKey(announcement.catalog, announcement.version)
    const held = Promise.withResolvers<void>()
    this.#blobHeld.set(key, held)
    const turn = this.#queue.then(async () => {
      if (this.#newest !== announcement) return // a newer one came while this waited
      await this.#install(announcement, { ...options, onBlobHeld: held.resolve })
    }).finally(() => {
      held.resolve()
      this.#blobHeld.delete(key)
    })
    this.#queue = turn.catch(() => {})
    await turn
  }

  /**
   * Resolves once this node holds the announced catalog's blob (or gave up on it), or after `holdMs`.
   * The admin topic relays a catalog announcement only then: whoever hears it from this node hears it
   * from a connected peer that can serve the catalog, and fetches it from there without a word to the
   * mesh. Without this, every node asked the whole mesh for the catalog at once, every holder answered
   * every asker, and at 50 nodes that gossip took most of a minute to drain.
   */
  async blobHeld (catalog: string, version: number, holdMs = DEFAULT_RELAY_HOLD_MS): Promise<void> {
    const held = this.#blobHeld.get(turnKey(catalog, version))
    if (held == null) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([held.promise, new Promise<void>(resolve => { timer = setTimeout(resolve, holdMs) })])
    clearTimeout(timer)
  }

  async #install (announcement: CatalogAnnouncement, { holder, signal, onBlobHeld }: TakeOptions & { onBlobHeld: () => void }): Promise<void> {
    const { catalog, version, blob, index } = announcement
    const held = await this.#c.catalogs.record()
    if (held?.id === catalog && held.version >= version) return
    try {
      this.#log.info({ catalog, version, blob, holder }, 'fetching announced catalog')
      const progress = await this.#c.blobs.fetch(blob, index, { signal, holder, size: announcement.size })
      onBlobHeld()
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

function turnKey (catalog: string, version: number): string {
  return `${catalog}@${version}`
}

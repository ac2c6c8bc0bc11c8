import { announceCatalog } from '../../admin/catalog-announce.ts'
import { readCatalogSource } from './catalog-source.ts'
import type { UnlockedKey } from '../../admin/keys.ts'
import type { AdminDocuments } from '../admin-docs/admin-documents.ts'
import type { BlobStore } from '../blobs/blob-store.ts'
import type { Logger } from '../log.ts'
import type { CatalogStore } from '../scan/catalog-store.ts'

/** @default 1 h between looks at the catalog source. */
export const DEFAULT_CATALOG_SYNC_INTERVAL_MS = 60 * 60_000

export interface CatalogSyncInit {
  /** A folder of catalog files, or an http(s) URL. */
  source: string
  /** A catalog-signer key the mesh file names. */
  key: UnlockedKey
  mesh: string
  catalogs: CatalogStore
  blobs: BlobStore
  admin: AdminDocuments
  /** Gossips an admin message this node accepted. */
  publish: (bytes: Uint8Array) => Promise<void>
  logger: Logger
  /** @default DEFAULT_CATALOG_SYNC_INTERVAL_MS */
  intervalMs?: number
}

/**
 * The designated catalog-sync computer's job: look at the catalog source on a schedule and publish
 * every newer version to the mesh, signed with the catalog-signer key this node was given.
 */
export class CatalogSync {
  readonly #init: CatalogSyncInit
  readonly #log: Logger
  readonly #stopped = new AbortController()
  #timer?: NodeJS.Timeout
  #running?: Promise<void>

  constructor (init: CatalogSyncInit) {
    this.#init = init
    this.#log = init.logger.child({ module: 'catalog-sync' })
  }

  /** Checks now, then every interval. */
  start (): void {
    this.#running = this.check()
    this.#timer = setInterval(() => { this.#running = this.check() }, this.#init.intervalMs ?? DEFAULT_CATALOG_SYNC_INTERVAL_MS)
    this.#timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    this.#stopped.abort()
    await this.#running
  }

  /** One look at the source; problems are logged (the next look may succeed), never thrown. */
  async check (): Promise<void> {
    const { source, catalogs, admin, key, mesh } = this.#init
    try {
      const { bytes, catalog, origin } = await readCatalogSource(source, this.#stopped.signal)
      const held = await catalogs.record()
      if (held?.id === catalog.id && held.version >= catalog.version) {
        this.#log.debug({ catalog: catalog.id, version: catalog.version, held: held.version }, 'catalog source has nothing newer')
        return
      }
      const blob = await this.#init.blobs.importBytes(bytes, { signal: this.#stopped.signal })
      const outcome = await admin.offer(announceCatalog(catalog, blob, mesh, key), 'catalog-source')
      if (outcome.result !== 'stored' || outcome.name == null) {
        this.#log.error({ origin, status: outcome.status, detail: outcome.detail }, 'catalog from the source was not accepted')
        return
      }
      const message = await admin.store.get('catalog-announcement', outcome.name)
      if (message != null) await this.#init.publish(new Uint8Array(Buffer.from(message.message, 'base64')))
      this.#log.info({ origin, catalog: catalog.id, version: catalog.version, blob: blob.blobId }, 'newer catalog from the source published to the mesh')
    } catch (err) {
      if (this.#stopped.signal.aborted) return
      this.#log.error({ err, source }, 'catalog source check failed')
    }
  }
}

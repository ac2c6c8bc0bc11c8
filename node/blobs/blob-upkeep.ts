import { parseCatalogAnnouncement } from '../../protocol/catalog-announcement.ts'
import { parsePackageManifest } from '../../protocol/package-manifest.ts'
import { isTargeted } from '../../protocol/package-target.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { TargetedComputer } from '../../protocol/package-target.ts'
import type { AdminDocStore } from '../admin-docs/admin-doc-store.ts'
import type { Logger } from '../log.ts'
import type { BlobService } from './blob-service.ts'
import type { BlobStore } from './blob-store.ts'

/** @default 24 h between background re-verifications of every stored chunk. */
export const DEFAULT_VERIFY_INTERVAL_MS = 24 * 60 * 60_000
/** @default 24 h between garbage collections. */
export const DEFAULT_GC_INTERVAL_MS = 24 * 60 * 60_000

export interface BlobUpkeepComponents {
  store: BlobStore
  exchange: BlobService
  admin: AdminDocStore
  /** This computer, for package targets. */
  computer: TargetedComputer
  logger: Logger
}

export interface BlobUpkeepInit {
  /** @default DEFAULT_VERIFY_INTERVAL_MS */
  verifyIntervalMs?: number
  /** @default DEFAULT_GC_INTERVAL_MS */
  gcIntervalMs?: number
  /** How long an unneeded blob stays before it is removed. @default the store's DEFAULT_GC_GRACE_MS */
  gcGraceMs?: number
}

/**
 * Keeps the blob store healthy without an operator: fetches the blobs of packages that target this
 * computer as soon as they are accepted (pre-staging, ahead of any install window), re-verifies
 * stored chunks in the background and re-fetches what went bad, and removes blobs that no live
 * package or catalog needs once their grace period is over.
 */
export class BlobUpkeep {
  readonly #c: BlobUpkeepComponents
  readonly #init: BlobUpkeepInit
  readonly #log: Logger
  readonly #timers: NodeJS.Timeout[] = []
  readonly #stopped = new AbortController()

  constructor (components: BlobUpkeepComponents, init: BlobUpkeepInit = {}) {
    this.#c = components
    this.#init = init
    this.#log = components.logger.child({ module: 'blob-upkeep' })
  }

  /** Pre-stages what held packages need, then verifies and collects on schedule. */
  async start (): Promise<void> {
    for (const manifest of await this.#liveManifests()) this.prestage(manifest)
    this.#every(this.#init.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS, async () => { await this.verify() })
    this.#every(this.#init.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS, async () => { await this.collect() })
  }

  stop (): void {
    this.#stopped.abort()
    for (const timer of this.#timers) clearInterval(timer)
  }

  /** Starts fetching the blobs of an accepted package that targets this computer (the download runs on in the background). */
  prestage (manifest: PackageManifest): void {
    if (!isTargeted(manifest.target, this.#c.computer)) return
    for (const patch of manifest.patches) {
      if (manifest.retracted.includes(patch.id)) continue
      this.#log.info({ package: manifest.name, version: manifest.version, patch: patch.id, blob: patch.blob }, 'pre-staging patch file')
      void this.#c.exchange.fetch(patch.blob, patch.index).catch(err => {
        if (!this.#stopped.signal.aborted) this.#log.error({ err, blob: patch.blob }, 'pre-staging failed')
      })
    }
  }

  /** Re-checks every stored chunk; blobs with bad chunks are fetched again from peers. */
  async verify (): Promise<void> {
    const results = await this.#c.store.verifyAll({ signal: this.#stopped.signal })
    for (const { blobId, corrupt } of results) {
      if (corrupt.length === 0) continue
      const status = await this.#c.store.status(blobId)
      this.#log.warn({ blobId, corrupt: corrupt.length }, 'stored chunks failed verification; fetching them again')
      if (status != null) void this.#c.exchange.fetch(blobId, status.indexId).catch(err => { this.#log.error({ err, blobId }, 'repair fetch failed') })
    }
  }

  /** Removes blobs that neither a live package nor the newest catalog needs. */
  async collect (): Promise<void> {
    const live = new Set<BlobId>()
    for (const manifest of await this.#liveManifests()) for (const patch of manifest.patches) live.add(patch.blob)
    for (const held of await this.#c.admin.list('catalog-announcement')) {
      const message = await this.#c.admin.message('catalog-announcement', held.name)
      if (message != null) live.add(parseCatalogAnnouncement(message.document.bytes).blob)
    }
    const { removed } = await this.#c.store.collectGarbage(live, { graceMs: this.#init.gcGraceMs })
    if (removed.length > 0) this.#log.info({ removed }, 'removed blobs no package or catalog needs')
  }

  /** Accepted (not pending) package manifests held. */
  async #liveManifests (): Promise<PackageManifest[]> {
    const manifests: PackageManifest[] = []
    for (const held of await this.#c.admin.list('package-manifest')) {
      if (held.state !== 'accepted') continue
      const message = await this.#c.admin.message('package-manifest', held.name)
      if (message != null) manifests.push(parsePackageManifest(message.document.bytes))
    }
    return manifests
  }

  #every (intervalMs: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch(err => { if (!this.#stopped.signal.aborted) this.#log.error({ err }, 'blob upkeep failed') })
    }, intervalMs)
    timer.unref()
    this.#timers.push(timer)
  }
}

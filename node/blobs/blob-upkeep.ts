import { parseCatalogAnnouncement } from '../../protocol/catalog-announcement.ts'
import { livePatches } from '../../protocol/install-plan.ts'
import { isTargeted } from '../../protocol/package-target.ts'
import { acceptedManifests } from '../packages/held-manifests.ts'
import { SiteCopies } from './site-copies.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { TargetedComputer } from '../../protocol/package-target.ts'
import type { AdminDocStore } from '../admin-docs/admin-doc-store.ts'
import type { FleetStore } from '../fleet/fleet-store.ts'
import type { Logger } from '../log.ts'
import type { BlobService } from './blob-service.ts'
import type { BlobStore } from './blob-store.ts'
import type { SiteCopiesInit, WantedBlob } from './site-copies.ts'

/** @default 24 h between background re-verifications of every stored chunk. */
export const DEFAULT_VERIFY_INTERVAL_MS = 24 * 60 * 60_000
/** @default 24 h between garbage collections. */
export const DEFAULT_GC_INTERVAL_MS = 24 * 60 * 60_000

export interface BlobUpkeepComponents {
  store: BlobStore
  exchange: BlobService
  admin: AdminDocStore
  /** This computer, for package targets; its site is the one it keeps copies for. */
  computer: TargetedComputer
  /** This node's id, as its site-mates rank it. */
  nodeId: string
  /** The fleet view: who else is in the site, and who went quiet. */
  fleet: Pick<FleetStore, 'list' | 'onStored'>
  logger: Logger
}

export interface BlobUpkeepInit extends SiteCopiesInit {
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
 * stored chunks in the background and re-fetches what went bad, keeps the configured number of copies
 * of every live patch file in its site (site-copies.ts), and removes blobs that no live package or
 * catalog needs once their grace period is over.
 */
export class BlobUpkeep {
  readonly #c: BlobUpkeepComponents
  readonly #init: BlobUpkeepInit
  readonly #log: Logger
  readonly #timers: NodeJS.Timeout[] = []
  readonly #stopped = new AbortController()
  readonly #siteCopies: SiteCopies

  constructor (components: BlobUpkeepComponents, init: BlobUpkeepInit = {}) {
    this.#c = components
    this.#init = init
    this.#log = components.logger.child({ module: 'blob-upkeep' })
    this.#siteCopies = new SiteCopies({
      store: components.store,
      exchange: components.exchange,
      fleet: components.fleet,
      self: { id: components.nodeId, site: components.computer.site },
      wanted: async () => await this.#wanted(),
      logger: components.logger
    }, init)
  }

  /** Blobs this node keeps for its site. */
  get kept (): ReadonlySet<BlobId> {
    return this.#siteCopies.kept
  }

  /** Pre-stages what held packages need, keeps the site's copies, then verifies and collects on schedule. */
  async start (): Promise<void> {
    for (const manifest of await acceptedManifests(this.#c.admin)) this.prestage(manifest)
    this.#siteCopies.start()
    this.#every(this.#init.verifyIntervalMs ?? DEFAULT_VERIFY_INTERVAL_MS, async () => { await this.verify() })
    this.#every(this.#init.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS, async () => { await this.collect() })
  }

  stop (): void {
    this.#stopped.abort()
    this.#siteCopies.stop()
    for (const timer of this.#timers) clearInterval(timer)
  }

  /** Takes up an accepted package: fetches its blobs when it targets this computer (in the background), and looks at the site's copies again. */
  prestage (manifest: PackageManifest): void {
    this.#siteCopies.schedule()
    if (!isTargeted(manifest.target, this.#c.computer)) return
    for (const patch of livePatches(manifest)) {
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
    for (const manifest of await acceptedManifests(this.#c.admin)) for (const patch of manifest.patches) live.add(patch.blob)
    // Kept copies are live patch files already; said outright so a narrower notion of live never drops a site's copy.
    for (const blobId of this.#siteCopies.kept) live.add(blobId)
    for (const held of await this.#c.admin.list('catalog-announcement')) {
      const message = await this.#c.admin.message('catalog-announcement', held.name)
      if (message != null) live.add(parseCatalogAnnouncement(message.document.bytes).blob)
    }
    const { removed } = await this.#c.store.collectGarbage(live, { graceMs: this.#init.gcGraceMs })
    if (removed.length > 0) this.#log.info({ removed }, 'removed blobs no package or catalog needs')
  }

  /** The patch files of the live packages, for the site's copies. */
  async #wanted (): Promise<WantedBlob[]> {
    return (await acceptedManifests(this.#c.admin)).flatMap(manifest => livePatches(manifest).map(patch => ({
      blob: patch.blob,
      index: patch.index,
      package: manifest.name,
      patch: patch.id,
      target: manifest.target
    })))
  }

  #every (intervalMs: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch(err => { if (!this.#stopped.signal.aborted) this.#log.error({ err }, 'blob upkeep failed') })
    }, intervalMs)
    timer.unref()
    this.#timers.push(timer)
  }
}

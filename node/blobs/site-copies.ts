import { debounce, JitteredSchedule } from '../schedule.ts'
import { DEFAULT_COPIES_PER_SITE, keptInSite, liveSiteMembers, siteKeepers } from './site-keepers.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { PackageTarget } from '../../protocol/package-manifest-types.ts'
import type { FleetStore } from '../fleet/fleet-store.ts'
import type { Logger } from '../log.ts'
import type { BlobService } from './blob-service.ts'
import type { BlobStore } from './blob-store.ts'

/** @default 5 min between looks at the site's copies besides fleet-view changes: staleness comes with time, not with an event. */
export const DEFAULT_SITE_COPIES_INTERVAL_MS = 5 * 60_000
/** @default 1 min: spreads the looks of a site's nodes. */
export const DEFAULT_SITE_COPIES_JITTER_MS = 60_000
/** @default 1 min after start before the first look: anti-entropy has filled the fleet view by then, so a new node does not take itself for its site's only member. */
export const DEFAULT_SITE_COPIES_SETTLE_MS = 60_000
/** @default 1 s: a sync round stores many records at once; one look follows the burst. */
export const DEFAULT_SITE_COPIES_DEBOUNCE_MS = 1_000

/** A patch file a live package needs. */
export interface WantedBlob {
  blob: BlobId
  index: BlobId
  package: string
  patch: string
  target?: PackageTarget
}

export interface SiteCopiesComponents {
  store: Pick<BlobStore, 'has'>
  exchange: Pick<BlobService, 'fetch'>
  fleet: Pick<FleetStore, 'list' | 'onStored'>
  self: { id: string, site: string }
  /** The patch files of the live packages. */
  wanted: () => Promise<WantedBlob[]>
  logger: Logger
}

export interface SiteCopiesInit {
  /** Complete copies of every live patch file each site keeps; 0 turns keeping off. @default DEFAULT_COPIES_PER_SITE */
  copiesPerSite?: number
  /** @default DEFAULT_SITE_COPIES_INTERVAL_MS */
  intervalMs?: number
  /** @default DEFAULT_SITE_COPIES_JITTER_MS */
  jitterMs?: number
  /** @default DEFAULT_SITE_COPIES_SETTLE_MS */
  settleMs?: number
  /** @default DEFAULT_SITE_COPIES_DEBOUNCE_MS */
  debounceMs?: number
  /** A site-mate silent for longer is no longer counted on to keep its copies. @default the fleet view's DEFAULT_STALE_AFTER_MS */
  staleAfterMs?: number
  /** Epoch milliseconds; a parameter so tests control time. @default Date.now */
  now?: () => number
}

/**
 * Keeps the configured number of complete copies of every live patch file in this node's site. Each
 * node ranks the live site-mates of its fleet view per blob (site-keepers.ts); a keeper that lacks the
 * blob fetches it. When a keeper's record goes stale, the ranking shifts and the next member fetches
 * a copy: the site heals without anyone telling it to, and without a message of its own.
 */
export class SiteCopies {
  readonly #c: SiteCopiesComponents
  readonly #init: SiteCopiesInit
  readonly #copies: number
  readonly #log: Logger
  readonly #stopped = new AbortController()
  readonly #schedule: JitteredSchedule
  readonly #soon: ReturnType<typeof debounce>
  #settle?: NodeJS.Timeout
  #settled = false
  #unsubscribe?: () => void
  #running?: Promise<void>
  #again = false
  /** Blobs this node keeps, as of the last look. */
  #kept = new Set<BlobId>()
  /** The keepers of every wanted blob at the last look, to say whom a new keeper replaces. */
  #keepers = new Map<BlobId, string[]>()
  #members = new Set<string>()
  readonly #fetching = new Set<BlobId>()

  constructor (components: SiteCopiesComponents, init: SiteCopiesInit = {}) {
    this.#c = components
    this.#init = init
    this.#copies = init.copiesPerSite ?? DEFAULT_COPIES_PER_SITE
    this.#log = components.logger.child({ module: 'site-copies' })
    this.#schedule = new JitteredSchedule({
      intervalMs: init.intervalMs ?? DEFAULT_SITE_COPIES_INTERVAL_MS,
      jitterMs: init.jitterMs ?? DEFAULT_SITE_COPIES_JITTER_MS,
      run: async () => { await this.#run() }
    })
    this.#soon = debounce(init.debounceMs ?? DEFAULT_SITE_COPIES_DEBOUNCE_MS, () => { void this.#run() })
  }

  /** Blobs this node keeps for its site; garbage collection leaves them. */
  get kept (): ReadonlySet<BlobId> {
    return this.#kept
  }

  /** Looks at the site's copies once the fleet view has settled, then on every change that concerns the site and on a timer. */
  start (): void {
    if (this.#copies === 0 || this.#settle != null || this.#stopped.signal.aborted) return
    this.#unsubscribe = this.#c.fleet.onStored(record => {
      // Records of other sites never change this site's ranking, unless a member moved away.
      if (record.site === this.#c.self.site || this.#members.has(record.node)) this.schedule()
    })
    this.#settle = setTimeout(() => {
      this.#settled = true
      this.#schedule.start()
      void this.#run()
    }, this.#init.settleMs ?? DEFAULT_SITE_COPIES_SETTLE_MS)
    this.#settle.unref()
  }

  stop (): void {
    this.#stopped.abort()
    clearTimeout(this.#settle)
    this.#soon.cancel()
    this.#schedule.stop()
    this.#unsubscribe?.()
  }

  /** Looks again shortly (a package was accepted, a site-mate's record changed). */
  schedule (): void {
    if (this.#settled && !this.#stopped.signal.aborted) this.#soon()
  }

  /** Ranks the live site members for every wanted blob and fetches those this node keeps but lacks. */
  async evaluate (options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = AbortSignal.any([this.#stopped.signal, ...(options.signal == null ? [] : [options.signal])])
    const { id, site } = this.#c.self
    const entries = await this.#c.fleet.list({ now: (this.#init.now ?? Date.now)(), staleAfterMs: this.#init.staleAfterMs })
    const members = liveSiteMembers(entries, this.#c.self)
    const kept = new Set<BlobId>()
    const keepers = new Map<BlobId, string[]>()
    for (const wanted of await this.#c.wanted()) {
      signal.throwIfAborted()
      if (keepers.has(wanted.blob) || !keptInSite(wanted.target, site)) continue
      const ranked = siteKeepers(wanted.blob, members, this.#copies)
      keepers.set(wanted.blob, ranked)
      if (!ranked.includes(id)) continue
      kept.add(wanted.blob)
      if (this.#fetching.has(wanted.blob) || await this.#c.store.has(wanted.blob)) continue
      const previous = this.#keepers.get(wanted.blob)
      const replaces = previous?.filter(keeper => !ranked.includes(keeper)) ?? []
      this.#log.info({
        blob: wanted.blob,
        package: wanted.package,
        patch: wanted.patch,
        site,
        rank: ranked.indexOf(id) + 1,
        copies: this.#copies,
        members: members.length,
        ...(replaces.length > 0 ? { replaces } : {})
      }, replaces.length > 0 ? 'keeping a copy for the site: a keeper went stale or left the site, and this node is next in the ranking' : 'keeping a copy for the site: this node ranks among its keepers')
      this.#fetch(wanted)
    }
    this.#kept = kept
    this.#keepers = keepers
    this.#members = new Set(members)
  }

  /** Fetches in the background: the download outlives the look that started it, and ends with this service. */
  #fetch (wanted: WantedBlob): void {
    this.#fetching.add(wanted.blob)
    this.#c.exchange.fetch(wanted.blob, wanted.index, { signal: this.#stopped.signal })
      .then(() => { this.#log.info({ blob: wanted.blob, package: wanted.package, patch: wanted.patch }, 'site copy complete') })
      // The next look tries again: the blob is still kept and still missing.
      .catch(err => { if (!this.#stopped.signal.aborted) this.#log.error({ err, blob: wanted.blob }, 'fetching a site copy failed') })
      .finally(() => { this.#fetching.delete(wanted.blob) })
  }

  /** One look at a time; a request during a look runs one more after it. */
  async #run (): Promise<void> {
    if (this.#running != null) {
      this.#again = true
      return await this.#running
    }
    this.#running = (async () => {
      do {
        this.#again = false
        try {
          await this.evaluate()
        } catch (err) {
          if (!this.#stopped.signal.aborted) this.#log.error({ err }, 'looking at the site copies failed')
        }
      } while (this.#again && !this.#stopped.signal.aborted)
    })().finally(() => { this.#running = undefined })
    await this.#running
  }
}

import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseCatalogAnnouncement } from '../protocol/catalog-announcement.ts'
import { encodeStatusRecord, nextStatusSeq } from '../protocol/status-record.ts'
import { AdminDocuments } from './admin-docs/admin-documents.ts'
import { adminGossipValidator, adminSyncRecords, RelayHold } from './admin-docs/admin-sync.ts'
import { BlobService } from './blobs/blob-service.ts'
import { BlobStore } from './blobs/blob-store.ts'
import { BlobUpkeep } from './blobs/blob-upkeep.ts'
import { exchangeView } from './blobs/store-adapter.ts'
import { CatalogDistribution } from './catalogs/catalog-distribution.ts'
import { CatalogSync } from './catalogs/catalog-sync.ts'
import { NodeError } from './errors.ts'
import { controlRoutes } from './http/control-api.ts'
import { meshRoutes } from './http/mesh-api.ts'
import { packageRoutes } from './http/package-api.ts'
import { PackageDrafts } from './packages/package-drafts.ts'
import { createControlToken, removeControlToken } from './http/control-token.ts'
import { openDatabase } from './db/database.ts'
import { FleetStore } from './fleet/fleet-store.ts'
import { apiRoutes } from './http/api.ts'
import { HttpServer } from './http/server.ts'
import { loadNodeIdentity } from './identity.ts'
import { selectInventoryProvider } from './inventory/select.ts'
import { CatalogStore, EXAMPLE_CATALOG_PATH, readCatalogFile } from './scan/catalog-store.ts'
import { watchInventory } from './scan/inventory-watch.ts'
import { Mesh } from './mesh/mesh.ts'
import { loadMeshConfig } from './mesh/mesh-config.ts'
import { isPeerId } from './mesh/peer-id.ts'
import { spreadStatus } from './mesh/status-spread.ts'
import { statusRecordOf } from './mesh/status-of-scan.ts'
import { ScanStore } from './scan/scan-store.ts'
import { Scanner } from './scan/scanner.ts'
import { DEFAULT_INVENTORY_DEBOUNCE_MS, ScanSchedule } from './scan/schedule.ts'
import { debounce } from './schedule.ts'
import { AGENT_VERSION } from './version.ts'
import type { UnlockedKey } from '../admin/keys.ts'
import type { BlobServiceInit } from './blobs/blob-service.ts'
import type { NodeDatabase } from './db/database.ts'
import type { InventorySourceOptions } from './inventory/select.ts'
import type { Logger } from './log.ts'
import type { ScanTrigger } from './scan/scan-store.ts'

export const DEFAULT_HTTP_HOST = '127.0.0.1'
export const DEFAULT_HTTP_PORT = 8470
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/4001']
/** Where a running node says how to reach it, for the CLI's `--node` default. */
export const RUNTIME_FILE = 'node.json'

export interface NodeInit {
  dataDir: string
  logger: Logger
  /** A catalog file to import at start (refused when older than the one held). */
  catalogFile?: string
  inventory?: InventorySourceOptions
  /** @default { host: DEFAULT_HTTP_HOST, port: DEFAULT_HTTP_PORT } */
  http?: { host: string, port: number }
  scanIntervalMs?: number
  scanJitterMs?: number
  /** @default DEFAULT_INVENTORY_DEBOUNCE_MS */
  inventoryDebounceMs?: number
  /** The mesh file to join; without one the node makes a one-node mesh of its own. */
  meshFile?: string
  /** @default DEFAULT_LISTEN */
  listen?: string[]
  /** Peers to dial besides the mesh file's bootstrap addresses. */
  bootstrap?: string[]
  /** The node's site (branch office), carried in its status record. @default '' */
  site?: string
  /** Find peers on the LAN by mDNS. @default true */
  mdns?: boolean
  /** Time between anti-entropy rounds with a random peer. */
  syncIntervalMs?: number
  /** How long a computer may stay silent before the reports mark it stale and its site-mates replace the copies it keeps. @default DEFAULT_STALE_AFTER_MS */
  staleAfterMs?: number
  /** Complete copies of every live patch file each site keeps; 0 turns keeping off. @default DEFAULT_COPIES_PER_SITE (blobs/site-keepers.ts) */
  copiesPerSite?: number
  /** Blob exchange limits: upload slots, upload/download/WAN rates. */
  blobs?: BlobServiceInit
  /** Tags packages may target this computer by (e.g. server, kiosk). @default [] */
  tags?: string[]
  /** Makes this node the catalog-sync computer: it publishes each newer catalog from the source. */
  catalogSource?: { source: string, key: UnlockedKey, intervalMs?: number }
}

/** One patchmesh node: holds the database, scans this computer, gossips its status in the mesh, and serves the fleet reports. */
export class PatchmeshNode {
  readonly #init: NodeInit
  readonly #stops: Array<() => Promise<void> | void> = []
  #id?: string
  #url?: string
  #publish?: (trigger: ScanTrigger) => Promise<void>

  constructor (init: NodeInit) {
    this.#init = init
  }

  /** The computer's id (its peer id), once started. */
  get id (): string | undefined { return this.#id }
  /** The HTTP interface's base URL, once started. */
  get url (): string | undefined { return this.#url }

  /** Opens the data folder, imports catalogs, joins the mesh, scans once, then serves and keeps scanning on schedule and on inventory change. */
  async start (): Promise<void> {
    const { dataDir, logger } = this.#init
    try {
      const db = await openDatabase(dataDir)
      this.#stops.push(() => db.close())
      const identity = await loadNodeIdentity(dataDir)
      this.#id = identity.id
      const catalogs = await this.#importCatalogs(db)
      const inventory = await selectInventoryProvider(this.#init.inventory ?? {})
      const scans = new ScanStore(db)
      const scanner = new Scanner({ catalogs, scans, inventory, logger })
      const meshConfig = await loadMeshConfig(this.#init.meshFile, identity.id)
      const fleet = new FleetStore(db)
      const site = this.#init.site ?? ''
      let distribution: CatalogDistribution | undefined
      let upkeep: BlobUpkeep | undefined
      // Whoever hears of a catalog from this node asks this node for it first: the news waits for the catalog.
      const relayHold = new RelayHold(async outcome => {
        if (outcome.kind === 'catalog-announcement' && outcome.name != null && outcome.version != null) await distribution?.blobHeld(outcome.name, outcome.version)
      })
      const admin = new AdminDocuments({
        db,
        mesh: meshConfig.file,
        logger,
        heldCatalog: async id => { const held = await catalogs.record(); return held?.id === id ? held.version : undefined },
        events: {
          catalog: (announcement, from) => { void distribution?.take(announcement, { holder: isPeerId(from) ? from : undefined }) },
          package: (manifest, state) => { if (state === 'accepted') upkeep?.prestage(manifest) }
        }
      })
      await admin.restore()
      const mesh: Mesh = new Mesh({
        name: meshConfig.name,
        identity,
        db,
        fleet,
        logger,
        site,
        listen: this.#init.listen ?? DEFAULT_LISTEN,
        bootstrap: [...meshConfig.bootstrap, ...(this.#init.bootstrap ?? [])],
        mdns: this.#init.mdns,
        sync: { intervalMs: this.#init.syncIntervalMs },
        moreRecords: adminSyncRecords(admin, async bytes => { await mesh.publish('admin', bytes) }, relayHold)
      })
      await mesh.start()
      this.#stops.push(() => mesh.stop())
      mesh.join('admin', adminGossipValidator(admin, relayHold))

      const blobStore = await BlobStore.open(db, dataDir)
      const blobs = new BlobService({ store: exchangeView(blobStore), mesh, self: { id: identity.id, site }, logger, siteOf: async peer => (await fleet.get(peer))?.record.site,
        members: async () => (await fleet.list({ now: Date.now() })).map(({ record }) => ({ id: record.node, site: record.site }))
      }, this.#init.blobs)
      await blobs.start()
      this.#stops.push(() => blobs.stop())

      const computer = { site, tags: this.#init.tags ?? [], os: '' }
      const stopping = new AbortController()
      this.#stops.push(() => { stopping.abort() })
      this.#publish = async (trigger) => {
        // A new catalog reaches the whole fleet at once. Each node passes it on first, and rescans and
        // gossips its status at a moment spread out over the fleet's, not all in the same seconds.
        if (trigger === 'catalog' && !await spreadStatus((await fleet.digest()).length, stopping.signal)) return
        const scan = await scanner.scan(trigger)
        computer.os = scan.inventory.os
        const record = statusRecordOf(scan, await catalogs.newest(), {
          mesh: meshConfig.name,
          node: identity.id,
          seq: nextStatusSeq(await fleet.seq(identity.id), Date.now()),
          site,
          agentVersion: AGENT_VERSION,
          addresses: mesh.addresses,
          now: new Date()
        })
        await mesh.publishStatus(encodeStatusRecord(record, identity.signingKey))
      }
      await this.#publish('start')
      distribution = new CatalogDistribution({
        blobs,
        store: blobStore,
        catalogs,
        logger,
        rescan: async () => { await this.#scanLogged('catalog') },
        refuse: async (announcement, detail) => {
          await admin.store.refuse({ at: new Date().toISOString(), kind: 'catalog-announcement', name: announcement.catalog, version: announcement.version, reason: 'catalog-unusable', detail, from: 'blob' })
        }
      })
      // Announcements accepted before a restart whose catalog never arrived are taken up again.
      for (const held of await admin.store.list('catalog-announcement')) {
        const message = await admin.store.message('catalog-announcement', held.name)
        if (message != null) void distribution.take(parseCatalogAnnouncement(message.document.bytes))
      }

      upkeep = new BlobUpkeep({ store: blobStore, exchange: blobs, admin: admin.store, computer, nodeId: identity.id, fleet, logger }, { copiesPerSite: this.#init.copiesPerSite, staleAfterMs: this.#init.staleAfterMs })
      await upkeep.start()
      this.#stops.push(() => upkeep?.stop())

      const { catalogSource } = this.#init
      if (catalogSource != null) {
        if (meshConfig.file == null) throw new NodeError('ERR_USAGE', 'a catalog source needs a mesh with catalog-signer keys: give --mesh FILE (from "patchmesh admin init")')
        const sync = new CatalogSync({ ...catalogSource, mesh: meshConfig.name, catalogs, blobs: blobStore, admin, logger, publish: async bytes => { await mesh.publish('admin', bytes) } })
        sync.start()
        this.#stops.push(async () => { await sync.stop() })
      }

      const schedule = new ScanSchedule({
        intervalMs: this.#init.scanIntervalMs,
        jitterMs: this.#init.scanJitterMs,
        run: async () => { await this.#scanLogged('schedule') }
      })
      schedule.start()
      this.#stops.push(() => schedule.stop())
      const onInventoryChange = debounce(this.#init.inventoryDebounceMs ?? DEFAULT_INVENTORY_DEBOUNCE_MS, () => { void this.#scanLogged('inventory') })
      const unwatch = watchInventory(inventory.watchPaths, onInventoryChange, logger)
      this.#stops.push(() => { unwatch(); onInventoryChange.cancel() })

      const packages = new PackageDrafts({ db, meshName: meshConfig.name, mesh: () => admin.mesh, admin: admin.store, catalogs, blobs: blobStore, logger })
      const controlToken = await createControlToken(dataDir)
      this.#stops.push(() => removeControlToken(dataDir))
      const http = new HttpServer({
        ...(this.#init.http ?? { host: DEFAULT_HTTP_HOST, port: DEFAULT_HTTP_PORT }),
        logger,
        controlToken,
        routes: [
          ...apiRoutes({ nodeId: identity.id, mesh: meshConfig.name, staleAfterMs: this.#init.staleAfterMs, addresses: () => mesh.addresses, agentVersion: AGENT_VERSION, startedAt: new Date().toISOString(), inventorySource: inventory.description, catalogs, scans, fleet, admin: admin.store, blobStore, blobs, computer }),
          ...controlRoutes({ dataDir, blobs: blobStore, exchange: blobs, admin, logger, publishAdmin: async bytes => { await mesh.publish('admin', bytes) }, scan: async () => { await this.scan('manual') } }),
          ...meshRoutes({ admin }),
          ...packageRoutes({ drafts: packages, admin: admin.store, mesh: () => admin.mesh })
        ]
      })
      this.#url = await http.start()
      this.#stops.push(() => http.stop())
      await writeFile(join(dataDir, RUNTIME_FILE), JSON.stringify({ id: identity.id, pid: process.pid, url: this.#url }) + '\n')
      this.#stops.push(() => rm(join(dataDir, RUNTIME_FILE), { force: true }))
      logger.info({ id: identity.id, url: this.#url, site, inventory: inventory.description }, 'node started')
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Stops timers, watchers and the HTTP server, then closes the database; safe to call twice. */
  async stop (): Promise<void> {
    while (this.#stops.length > 0) {
      const undo = this.#stops.pop() as () => Promise<void> | void
      try {
        await undo()
      } catch (err) {
        this.#init.logger.warn({ err }, 'error while stopping')
      }
    }
  }

  /** Scans now (an administrator's request or a new catalog) and publishes the new status. */
  async scan (trigger: ScanTrigger = 'manual'): Promise<void> {
    await this.#publish?.(trigger)
  }

  async #scanLogged (trigger: ScanTrigger): Promise<void> {
    try {
      await this.scan(trigger)
    } catch (err) {
      this.#init.logger.error({ err, trigger }, 'scan failed')
    }
  }

  /** Imports --catalog when given; on a first run without one, the shipped example so the reports show something real. */
  async #importCatalogs (db: NodeDatabase): Promise<CatalogStore> {
    const { catalogFile, logger } = this.#init
    const catalogs = new CatalogStore(db)
    if (catalogFile != null) {
      const { record, stored } = await catalogs.import(await readCatalogFile(catalogFile), catalogFile)
      logger.info({ catalog: record.id, version: record.version, stored }, stored ? 'catalog imported' : 'catalog already held')
    } else if (await catalogs.record() == null) {
      const { record } = await catalogs.import(await readCatalogFile(EXAMPLE_CATALOG_PATH), EXAMPLE_CATALOG_PATH)
      logger.warn({ catalog: record.id, version: record.version }, 'no catalog yet: using the example catalog shipped with patchmesh; give --catalog FILE for a real one')
    }
    return catalogs
  }
}

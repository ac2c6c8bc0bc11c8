import { evaluate } from '../../protocol/applicability.ts'
import { recordScan } from '../../protocol/scan-result.ts'
import { NodeError } from '../errors.ts'
import type { CatalogStore } from './catalog-store.ts'
import type { ScanStore, ScanTrigger } from './scan-store.ts'
import type { InventoryProvider } from '../inventory/provider.ts'
import type { Logger } from '../log.ts'
import type { ScanRecord } from '../../protocol/scan-result.ts'

export interface ScannerComponents {
  catalogs: CatalogStore
  scans: ScanStore
  inventory: InventoryProvider
  logger: Logger
}

/** Reads the inventory, evaluates the newest stored catalog and records the result. */
export class Scanner {
  readonly #components: ScannerComponents
  #running?: Promise<ScanRecord>

  constructor (components: ScannerComponents) {
    this.#components = components
  }

  /** Scans now; a scan requested while one runs waits for that one instead of starting a second. */
  async scan (trigger: ScanTrigger, signal?: AbortSignal): Promise<ScanRecord> {
    this.#running ??= this.#scanOnce(trigger, signal).finally(() => { this.#running = undefined })
    return await this.#running
  }

  async #scanOnce (trigger: ScanTrigger, signal?: AbortSignal): Promise<ScanRecord> {
    const { catalogs, scans, inventory, logger } = this.#components
    const started = performance.now()
    const loaded = await catalogs.scanIndex()
    if (loaded == null) throw new NodeError('ERR_NO_CATALOG', 'no catalog stored yet: import one with --catalog FILE')
    if (loaded.rebuiltBecause != null) logger.warn({ reason: loaded.rebuiltBecause }, 'scan index file unusable; rebuilt it from the stored catalog')
    const { index } = loaded
    const snapshot = await inventory.read(signal)
    signal?.throwIfAborted()
    const result = recordScan({ id: index.catalogId, version: index.catalogVersion }, evaluate(index, snapshot), snapshot, new Date())
    const durationMs = Math.round(performance.now() - started)
    await scans.record(result, trigger, durationMs)
    logger.info({ trigger, catalog: result.catalog.version, summary: result.summary, durationMs }, 'scan complete')
    return result
  }
}

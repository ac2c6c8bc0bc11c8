import { sublevel } from '../db/database.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'
import type { ScanRecord, ScanSummary } from '../../protocol/scan-result.ts'

/** Why a scan ran. */
export type ScanTrigger = 'start' | 'schedule' | 'catalog' | 'inventory' | 'manual' | 'install'

/** One line of the scan history: enough to chart compliance over time without keeping every result. */
export interface ScanHistoryEntry {
  scannedAt: string
  trigger: ScanTrigger
  catalogVersion: number
  summary: ScanSummary
  durationMs: number
}

/** @default 1000 entries */
export const DEFAULT_SCAN_HISTORY_LIMIT = 1000

/** Keeps this computer's latest scan result and a bounded history of summaries. */
export class ScanStore {
  readonly #db: NodeDatabase
  readonly #latest: Sublevel<ScanRecord>
  readonly #history: Sublevel<ScanHistoryEntry>
  readonly #historyLimit: number

  constructor (db: NodeDatabase, historyLimit = DEFAULT_SCAN_HISTORY_LIMIT) {
    this.#db = db
    this.#latest = sublevel(db, 'scans')
    this.#history = sublevel(db, 'scan-history')
    this.#historyLimit = historyLimit
  }

  /** Stores a result as the latest and appends it to the history, trimming the oldest entries. */
  async record (result: ScanRecord, trigger: ScanTrigger, durationMs: number): Promise<void> {
    const entry: ScanHistoryEntry = { scannedAt: result.scannedAt, trigger, catalogVersion: result.catalog.version, summary: result.summary, durationMs }
    // Scans run daily, so reading the bounded key list once per scan is cheap.
    const drop = (await this.#history.keys({ reverse: true }).all()).slice(this.#historyLimit - 1)
    await this.#db.batch([
      { type: 'put', sublevel: this.#latest, key: 'latest', value: result },
      // ISO timestamps sort by time; the suffix keeps two scans in one millisecond apart.
      { type: 'put', sublevel: this.#history, key: `${result.scannedAt}#${process.hrtime.bigint()}`, value: entry },
      ...drop.map(key => ({ type: 'del' as const, sublevel: this.#history, key }))
    ])
  }

  /** The latest scan result, if this computer was ever scanned. */
  async latest (): Promise<ScanRecord | undefined> {
    return await this.#latest.get('latest')
  }

  /** History entries, newest first. */
  async history (limit = 100): Promise<ScanHistoryEntry[]> {
    return await this.#history.values({ reverse: true, limit }).all()
  }
}

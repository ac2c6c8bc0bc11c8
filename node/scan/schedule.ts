import { JitteredSchedule } from '../schedule.ts'

/** @default 24 h: DESIGN's daily scan. */
export const DEFAULT_SCAN_INTERVAL_MS = 24 * 60 * 60 * 1000
/** @default 1 h: spreads a fleet's daily scans so they do not all hit at once. */
export const DEFAULT_SCAN_JITTER_MS = 60 * 60 * 1000
/** @default 2 s: dpkg writes its status file several times per operation; one scan follows the burst. */
export const DEFAULT_INVENTORY_DEBOUNCE_MS = 2_000

/** The scan timer: daily, jittered, unless told otherwise. */
export class ScanSchedule extends JitteredSchedule {
  constructor (init: { intervalMs?: number, jitterMs?: number, run: () => Promise<void> }) {
    super({ intervalMs: init.intervalMs ?? DEFAULT_SCAN_INTERVAL_MS, jitterMs: init.jitterMs ?? DEFAULT_SCAN_JITTER_MS, run: init.run })
  }
}

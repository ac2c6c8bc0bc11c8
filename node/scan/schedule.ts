/** @default 24 h: DESIGN's daily scan. */
export const DEFAULT_SCAN_INTERVAL_MS = 24 * 60 * 60 * 1000
/** @default 1 h: spreads a fleet's daily scans so they do not all hit at once. */
export const DEFAULT_SCAN_JITTER_MS = 60 * 60 * 1000
/** @default 2 s: dpkg writes its status file several times per operation; one scan follows the burst. */
export const DEFAULT_INVENTORY_DEBOUNCE_MS = 2_000

/** Calls `run` every interval plus a random share of the jitter, until stopped. */
export class ScanSchedule {
  readonly #intervalMs: number
  readonly #jitterMs: number
  readonly #run: () => Promise<void>
  #timer?: NodeJS.Timeout

  constructor (init: { intervalMs?: number, jitterMs?: number, run: () => Promise<void> }) {
    this.#intervalMs = init.intervalMs ?? DEFAULT_SCAN_INTERVAL_MS
    this.#jitterMs = init.jitterMs ?? DEFAULT_SCAN_JITTER_MS
    this.#run = init.run
  }

  start (): void {
    if (this.#timer != null) return
    this.#arm()
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm (): void {
    const delay = this.#intervalMs + Math.floor(Math.random() * this.#jitterMs)
    this.#timer = setTimeout(() => {
      void this.#run().finally(() => { if (this.#timer != null) this.#arm() })
    }, delay)
    this.#timer.unref()
  }
}

/** Debounces a burst of calls into one call `delayMs` after the last. */
export function debounce (delayMs: number, fn: () => void): { (): void, cancel: () => void } {
  let timer: NodeJS.Timeout | undefined
  const call = (): void => {
    clearTimeout(timer)
    timer = setTimeout(fn, delayMs)
  }
  call.cancel = () => clearTimeout(timer)
  return call
}

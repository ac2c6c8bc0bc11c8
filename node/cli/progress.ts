import type { CliIo } from './io.ts'

/** @default 100 ms between redraws: smooth to the eye, cheap for the terminal. */
const REDRAW_INTERVAL_MS = 100
const BAR_WIDTH = 24

/** A byte count for people: 1.5 MB, 320 kB. */
export function formatBytes (bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++ }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? ''}`
}

/** A bar and its percentage, `width` characters between the brackets: [#######.........]  45% */
export function renderBar (done: number, total: number, width = BAR_WIDTH): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1
  // Both rounded down, so a full bar and 100% mean done, never "almost done".
  const filled = Math.floor(fraction * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`
}

/** One line: [#######.........]  45%  22 MB / 50 MB  3.1 MB/s  detail */
export function renderProgress (done: number, total: number, bytesPerSecond: number, detail = ''): string {
  const rate = bytesPerSecond > 0 ? `  ${formatBytes(bytesPerSecond)}/s` : ''
  return `${renderBar(done, total)}  ${formatBytes(done)} / ${formatBytes(total)}${rate}${detail === '' ? '' : '  ' + detail}`
}

/** Draws a progress bar on a terminal, at most every REDRAW_INTERVAL_MS; draws nothing when no terminal reads it. */
export class ProgressBar {
  readonly #io: CliIo
  readonly #started = Date.now()
  #drawn = 0

  constructor (io: CliIo) {
    this.#io = io
  }

  update (done: number, total: number, detail = '', force = false): void {
    const now = Date.now()
    if (this.#io.progress == null || (!force && now - this.#drawn < REDRAW_INTERVAL_MS)) return
    this.#drawn = now
    const seconds = (now - this.#started) / 1000
    this.#io.progress(renderProgress(done, total, seconds > 0 ? done / seconds : 0, detail))
  }

  /** Leaves the last state on screen and moves to a fresh line. */
  end (): void {
    this.#io.progress?.('\n')
  }
}

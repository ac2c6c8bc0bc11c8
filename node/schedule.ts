/** Calls `run` every interval plus a random share of the jitter (so a fleet does not act in step), until stopped. */
export class JitteredSchedule {
  readonly #intervalMs: number
  readonly #jitterMs: number
  readonly #run: () => Promise<void>
  #timer?: NodeJS.Timeout

  constructor (init: { intervalMs: number, jitterMs: number, run: () => Promise<void> }) {
    this.#intervalMs = init.intervalMs
    this.#jitterMs = init.jitterMs
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

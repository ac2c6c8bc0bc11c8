import { abortable } from '../abortable.ts'

/**
 * A token bucket for bytes: `take(n)` waits until n bytes of budget have accrued at `bytesPerSecond`.
 * Static limits (as BigFix learned to prefer over adaptive ones) keep a branch's WAN link usable.
 */
export class TokenBucket {
  readonly #rate: number
  readonly #burst: number
  #tokens: number
  #updated: number
  /** Waiters queue up so a large take cannot starve behind many small ones, nor they behind it. */
  #queue: Promise<void> = Promise.resolve()

  /** @param bytesPerSecond Infinity for no limit. @param burstBytes at most this much at once (default: one second's worth). */
  constructor (bytesPerSecond: number, burstBytes = bytesPerSecond) {
    this.#rate = bytesPerSecond
    this.#burst = Math.max(1, burstBytes)
    this.#tokens = this.#burst
    this.#updated = Date.now()
  }

  get unlimited (): boolean {
    return !Number.isFinite(this.#rate)
  }

  /** Waits until `bytes` may be sent or received; rejects when the signal aborts. */
  async take (bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.unlimited) return
    signal?.throwIfAborted()
    const before = this.#queue
    let release = (): void => {}
    this.#queue = new Promise<void>(resolve => { release = resolve })
    try {
      // An abort while queued leaves at once; the queue moves on when the turn would have come.
      await abortable(before, signal)
      await this.#wait(bytes, signal)
    } finally {
      void before.then(release)
    }
  }

  async #wait (bytes: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    this.#refill()
    // A take larger than the burst is allowed to drive the bucket negative, then pays it back.
    this.#tokens -= bytes
    if (this.#tokens >= 0) return
    const waitMs = Math.ceil((-this.#tokens / this.#rate) * 1000)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, waitMs)
      const onAbort = (): void => { clearTimeout(timer); this.#tokens += bytes; reject(signal?.reason) }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  #refill (): void {
    const now = Date.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updated) / 1000 * this.#rate)
    this.#updated = now
  }
}

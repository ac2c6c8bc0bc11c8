/** Lets a loop sleep until there is news, a timeout passes or its signal aborts, whichever is first. */
export class Wakeup {
  #wake?: () => void

  /** Ends the wait in progress, if any; news that comes while nobody waits is left for the loop's next look. */
  ring (): void {
    this.#wake?.()
  }

  async wait (ms: number, signal: AbortSignal): Promise<void> {
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        this.#wake = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
      this.#wake = done
    })
  }
}

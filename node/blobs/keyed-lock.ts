/**
 * Runs tasks for one key one at a time (tasks for different keys run freely), so the state changes
 * of one blob — chunk written, finished, demoted, removed — never interleave.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>()

  /** Runs `task` once every earlier task for `key` has settled. */
  async run<T> (key: string, task: () => Promise<T>): Promise<T> {
    // Tails never reject, so the task runs whatever became of the one before it.
    const current = (this.#tails.get(key) ?? Promise.resolve()).then(task)
    const tail = current.catch(() => {})
    this.#tails.set(key, tail)
    try {
      return await current
    } finally {
      // Forget the key once nothing is queued behind us, so the map does not grow with every blob ever seen.
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }
}

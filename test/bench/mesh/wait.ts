// Polling with a deadline and an AbortSignal, and HTTP reads from the nodes, for the mesh benchmark.
import { setTimeout as delay } from 'node:timers/promises'

/** @default 5 s for one HTTP request to a node: a node that slow is itself a finding. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000

export interface PollOptions {
  /** Time between checks. */
  intervalMs: number
  /** performance.now() value after which polling gives up. */
  deadline: number
  signal: AbortSignal
}

/**
 * Calls `check` every intervalMs until it returns a value; undefined when the deadline passes first.
 * A check that throws counts as "not yet" (a node busy starting); an aborted signal throws.
 */
export async function pollFor<T> (check: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const { intervalMs, deadline, signal } = options
  while (true) {
    signal.throwIfAborted()
    const started = performance.now()
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      if (signal.aborted) throw err
    }
    if (performance.now() >= deadline) return undefined
    const wait = Math.min(intervalMs - (performance.now() - started), deadline - performance.now())
    if (wait > 0) await delay(wait, undefined, { signal })
  }
}

/** GETs a node's JSON API path, bounded by DEFAULT_REQUEST_TIMEOUT_MS and the signal. */
export async function getJson<T> (url: string, signal: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(DEFAULT_REQUEST_TIMEOUT_MS)]) })
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return await res.json() as T
}

/** Runs fn over items with at most `limit` running at once; takes no new item once one failed or the signal aborted. */
export async function mapLimit<T, R> (items: T[], limit: number, fn: (item: T) => Promise<R>, signal: AbortSignal): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  let failed = false
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed) {
      signal.throwIfAborted()
      const i = next++
      try {
        results[i] = await fn(items[i] as T)
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane))
  return results
}

/** The nearest-rank percentile (p in 0..100) of values; NaN for none. */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(p / 100 * sorted.length) - 1)] as number
}

export const mean = (values: number[]): number => values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length

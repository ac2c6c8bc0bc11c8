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

/** When one node first answered what was waited for, or what it answered last when it never did. */
export interface Observation<T> {
  index: number
  /** ms from t0 to the poll that first saw it; undefined when the deadline passed first. */
  ms?: number
  /** The node's answer at the last poll (the one that held, when it did). */
  last?: T
  lastError?: string
}

export interface WatchOptions extends PollOptions {
  /** performance.now() the times are measured from. */
  t0: number
}

/**
 * Polls every node with `read`, each on its own loop (one request in flight per node, and one slow
 * node does not delay the others' readings), until `holds` is true for its answer; the time recorded
 * is when the answering poll was sent, so each time is late by up to one interval.
 */
export async function watchNodes<N extends { index: number }, T> (nodes: N[], read: (node: N, signal: AbortSignal) => Promise<T>, holds: (value: T) => boolean, options: WatchOptions): Promise<Array<Observation<T>>> {
  return await Promise.all(nodes.map(async (node, i) => {
    const seen: Observation<T> = { index: node.index }
    // Staggered, so the loops do not all poll in step with t0 and round every time up to the same grid point.
    await delay(options.intervalMs * i / nodes.length, undefined, { signal: options.signal })
    const at = await pollFor(async () => {
      const asked = performance.now()
      try {
        seen.last = await read(node, options.signal)
        seen.lastError = undefined
        return holds(seen.last) ? asked : undefined
      } catch (err) {
        seen.lastError = (err as Error).message
        throw err
      }
    }, options)
    if (at !== undefined) seen.ms = at - options.t0
    return seen
  }))
}

/** A one-line account of nodes that never got there, `held` saying what each answered last. */
export function laggards<T> (observations: Array<Observation<T>>, held: (last: T | undefined) => string): string {
  const late = observations.filter(o => o.ms === undefined)
  if (late.length === 0) return ''
  return late.slice(0, 10).map(o => `node ${o.index} held ${held(o.last)}${o.lastError === undefined ? '' : ` (${o.lastError})`}`).join('; ') +
    (late.length > 10 ? `; and ${late.length - 10} more` : '')
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

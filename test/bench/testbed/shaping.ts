// Link shaping with `tc`: a token bucket (tbf) on an interface's egress caps what leaves it, and a
// zero-length FIFO on both ends cuts a link without taking it down (routes and counters stay).
import { run } from './netns.ts'

/** @default 100 ms of queue before tbf drops: a WAN router's buffer, not a bufferbloat one. */
export const DEFAULT_SHAPING_LATENCY_MS = 100
/** tbf's bucket must hold at least one segment the stack hands it; 32 KiB also keeps TCP from stalling at low rates. */
const MIN_BURST_BYTES = 32 * 1024
/** And at least 10 ms of the rate, so that timer granularity does not cap the rate below its setting. */
const BURST_MS = 10

/** One direction of a link: the interface whose egress carries it, in its namespace. */
export interface LinkEnd {
  ns: string
  dev: string
  /** Egress rate in bit/s; undefined leaves the end unshaped. */
  bitPerS?: number
}

/** Caps the egress of one interface at `bitPerS` (tbf), or removes a cap when bitPerS is undefined. */
export async function shapeEgress (end: LinkEnd, signal?: AbortSignal): Promise<void> {
  if (end.bitPerS === undefined) {
    // A veth starts with no qdisc ("noqueue"); deleting ours brings that back. Nothing to delete is fine.
    await run('tc', ['-n', end.ns, 'qdisc', 'del', 'dev', end.dev, 'root'], signal).catch(() => {})
    return
  }
  const burst = Math.max(MIN_BURST_BYTES, Math.ceil(end.bitPerS / 8 * BURST_MS / 1000))
  await run('tc', ['-n', end.ns, 'qdisc', 'replace', 'dev', end.dev, 'root', 'tbf',
    'rate', `${Math.round(end.bitPerS)}bit`, 'burst', String(burst), 'latency', `${DEFAULT_SHAPING_LATENCY_MS}ms`], signal)
}

/** Cuts a link: both ends drop every packet (pfifo with limit 0), as a WAN outage does; TCP sees loss, not a reset. */
export async function cutLink (ends: LinkEnd[], signal?: AbortSignal): Promise<void> {
  for (const end of ends) await run('tc', ['-n', end.ns, 'qdisc', 'replace', 'dev', end.dev, 'root', 'pfifo', 'limit', '0'], signal)
}

/** Restores a cut link to its shaping. */
export async function restoreLink (ends: LinkEnd[], signal?: AbortSignal): Promise<void> {
  for (const end of ends) await shapeEgress(end, signal)
}

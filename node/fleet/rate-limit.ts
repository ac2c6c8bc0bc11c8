/** @default 10 tokens: a node may publish this many records in a burst (scan, install, rescan…). */
export const DEFAULT_RATE_LIMIT_BURST = 10
/** @default 60 s per token: one record a minute in the long run, far above a daily scan. */
export const DEFAULT_RATE_LIMIT_REFILL_MS = 60_000
/** @default 10,000 peers tracked at most; beyond that the least recently seen is forgotten. */
export const DEFAULT_RATE_LIMIT_MAX_PEERS = 10_000

export interface RateLimiterInit {
  /** @default DEFAULT_RATE_LIMIT_BURST */
  burst?: number
  /** @default DEFAULT_RATE_LIMIT_REFILL_MS */
  refillMs?: number
  /** @default DEFAULT_RATE_LIMIT_MAX_PEERS */
  maxPeers?: number
}

interface Bucket {
  tokens: number
  /** Epoch milliseconds of the latest take (a clock stepping back does not move it back). */
  seen: number
}

/**
 * A token bucket per peer. Memory stays bounded: a peer idle long enough to refill a whole bucket is
 * forgotten (a fresh bucket is the same thing), and past maxPeers the least recently seen goes first.
 */
export class RateLimiter {
  readonly #burst: number
  readonly #refillMs: number
  readonly #maxPeers: number
  /** Insertion order is recency order: every take moves its peer to the end. */
  readonly #buckets = new Map<string, Bucket>()

  constructor (init: RateLimiterInit = {}) {
    this.#burst = init.burst ?? DEFAULT_RATE_LIMIT_BURST
    this.#refillMs = init.refillMs ?? DEFAULT_RATE_LIMIT_REFILL_MS
    this.#maxPeers = init.maxPeers ?? DEFAULT_RATE_LIMIT_MAX_PEERS
  }

  /** Takes one token from the peer's bucket at time `now` (epoch ms); false when the bucket is empty. */
  take (peer: string, now: number): boolean {
    this.#forgetIdle(now)
    const bucket = this.#buckets.get(peer)
    let tokens = this.#burst
    if (bucket !== undefined) {
      // A clock that steps back refills nothing rather than draining the bucket.
      tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.seen) / this.#refillMs)
      this.#buckets.delete(peer)
    } else if (this.#buckets.size >= this.#maxPeers) {
      const oldest = this.#buckets.keys().next().value
      if (oldest !== undefined) this.#buckets.delete(oldest)
    }
    const allowed = tokens >= 1
    this.#buckets.set(peer, { tokens: allowed ? tokens - 1 : tokens, seen: Math.max(now, bucket?.seen ?? now) })
    return allowed
  }

  /** How many peers are tracked now. */
  get size (): number {
    return this.#buckets.size
  }

  #forgetIdle (now: number): void {
    // Oldest first, so the loop stops at the first peer seen recently: amortised O(1) per take.
    const idleMs = this.#burst * this.#refillMs
    for (const [peer, bucket] of this.#buckets) {
      if (now - bucket.seen < idleMs) break
      this.#buckets.delete(peer)
    }
  }
}

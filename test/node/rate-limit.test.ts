import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_REFILL_MS, RateLimiter } from '../../node/fleet/rate-limit.ts'

const T0 = 1_700_000_000_000

/** How many of `count` takes at time `now` succeed. */
function takes (limiter: RateLimiter, peer: string, count: number, now: number): number {
  let allowed = 0
  for (let i = 0; i < count; i++) if (limiter.take(peer, now)) allowed++
  return allowed
}

test('a peer gets a burst of tokens, then is refused', () => {
  const limiter = new RateLimiter()
  assert.equal(takes(limiter, 'a', DEFAULT_RATE_LIMIT_BURST + 5, T0), DEFAULT_RATE_LIMIT_BURST)
})

test('an empty bucket refills one token per refill interval', () => {
  const limiter = new RateLimiter({ burst: 2, refillMs: 1_000 })
  takes(limiter, 'a', 2, T0)
  assert.equal(limiter.take('a', T0 + 999), false)
  assert.equal(limiter.take('a', T0 + 1_999), true)
  assert.equal(limiter.take('a', T0 + 1_999), false)
})

test('a refilled bucket holds no more than the burst', () => {
  const limiter = new RateLimiter({ burst: 3, refillMs: 1_000 })
  takes(limiter, 'a', 3, T0)
  assert.equal(takes(limiter, 'a', 10, T0 + 1_000_000), 3)
})

test('one peer\'s flood does not limit another peer', () => {
  const limiter = new RateLimiter({ burst: 2 })
  takes(limiter, 'flooder', 100, T0)
  assert.equal(limiter.take('honest', T0), true)
})

test('a clock stepping back refills nothing', () => {
  const limiter = new RateLimiter({ burst: 1, refillMs: 1_000 })
  assert.equal(limiter.take('a', T0), true)
  assert.equal(limiter.take('a', T0 - 60_000), false)
  assert.equal(limiter.take('a', T0 + 1_000), true)
})

test('peers idle long enough to refill a whole bucket are forgotten', () => {
  const limiter = new RateLimiter({ burst: 2, refillMs: 1_000 })
  for (let i = 0; i < 100; i++) limiter.take(`peer-${i}`, T0)
  assert.equal(limiter.size, 100)
  limiter.take('late', T0 + 2_000)
  assert.equal(limiter.size, 1)
})

test('memory stays bounded at maxPeers however many peers appear', () => {
  const limiter = new RateLimiter({ maxPeers: 50 })
  for (let i = 0; i < 10_000; i++) limiter.take(`peer-${i}`, T0 + i)
  assert.equal(limiter.size, 50)
})

test('at maxPeers the least recently seen peer is forgotten first', () => {
  const limiter = new RateLimiter({ burst: 1, maxPeers: 2 })
  limiter.take('a', T0)
  limiter.take('b', T0)
  limiter.take('a', T0 + 1)
  limiter.take('c', T0 + 2)
  // 'a' was seen more recently than 'b', so its empty bucket is still remembered.
  assert.equal(limiter.take('a', T0 + 3), false)
  assert.equal(limiter.size, 2)
})

test('the default refill is one token a minute', () => {
  const limiter = new RateLimiter()
  takes(limiter, 'a', DEFAULT_RATE_LIMIT_BURST, T0)
  assert.equal(limiter.take('a', T0 + DEFAULT_RATE_LIMIT_REFILL_MS - 1), false)
  assert.equal(limiter.take('a', T0 + 2 * DEFAULT_RATE_LIMIT_REFILL_MS), true)
})

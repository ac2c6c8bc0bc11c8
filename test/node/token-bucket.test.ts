import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { TokenBucket } from '../../node/blobs/token-bucket.ts'

const T0 = 1_700_000_000_000

/** Lets every pending promise callback run (setImmediate is left real by mockClock). */
async function flush (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
}

/** Mocked setTimeout and Date, so waits are checked exactly and without the wall clock. */
function mockClock (t: TestContext): (ms: number) => Promise<void> {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 })
  return async (ms: number) => {
    await flush()
    t.mock.timers.tick(ms)
    await flush()
  }
}

interface Tracked { settled: boolean, error?: unknown }

function track (promise: Promise<void>): Tracked {
  const state: Tracked = { settled: false }
  promise.then(() => { state.settled = true }, (error: unknown) => { state.settled = true; state.error = error })
  return state
}

test('an unlimited bucket reports itself unlimited', () => {
  assert.equal(new TokenBucket(Infinity).unlimited, true)
  assert.equal(new TokenBucket(1_000).unlimited, false)
})

test('an unlimited bucket grants any take at once', async t => {
  mockClock(t)
  const bucket = new TokenBucket(Infinity)
  const take = track(bucket.take(Number.MAX_SAFE_INTEGER))
  await flush()
  assert.equal(take.settled, true)
})

test('an unlimited bucket ignores an aborted signal', async () => {
  await new TokenBucket(Infinity).take(10, AbortSignal.abort())
})

test('takes within the burst do not wait', async t => {
  mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  const takes = [track(bucket.take(400)), track(bucket.take(600))]
  await flush()
  assert.deepEqual(takes.map(s => s.settled), [true, true])
})

test('a take beyond the remaining budget waits exactly for the deficit to accrue', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const take = track(bucket.take(500))
  await advance(499)
  assert.equal(take.settled, false)
  await advance(1)
  assert.equal(take.settled, true)
})

test('a take larger than the burst is granted after paying back its debt', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 100)
  const big = track(bucket.take(1_000))
  await advance(899)
  assert.equal(big.settled, false)
  await advance(1)
  assert.equal(big.settled, true)
})

test('an idle bucket accrues no more than the burst', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 100)
  await advance(60_000)
  const take = track(bucket.take(101))
  await flush()
  assert.equal(take.settled, false)
  await advance(1)
  assert.equal(take.settled, true)
})

test('the burst defaults to one second of the rate', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(500)
  const within = track(bucket.take(500))
  await flush()
  assert.equal(within.settled, true)
  const beyond = track(bucket.take(1))
  await flush()
  assert.equal(beyond.settled, false)
  await advance(2)
  assert.equal(beyond.settled, true)
})

test('an abort while waiting rejects with the signal\'s reason', async t => {
  mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const controller = new AbortController()
  const reason = new Error('download cancelled')
  const take = bucket.take(500, controller.signal)
  await flush()
  controller.abort(reason)
  await assert.rejects(take, error => error === reason)
})

test('an aborted take refunds its bytes to the bucket', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const controller = new AbortController()
  const aborted = bucket.take(500, controller.signal)
  await flush()
  controller.abort(new Error('stop'))
  await assert.rejects(aborted)
  // Without the refund the next 500 bytes would wait 1,000 ms, not 500.
  const next = track(bucket.take(500))
  await advance(500)
  assert.equal(next.settled, true)
})

test('a take with an already aborted signal rejects with its reason and takes nothing', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const reason = new Error('already gone')
  await assert.rejects(bucket.take(500, AbortSignal.abort(reason)), error => error === reason)
  const next = track(bucket.take(500))
  await advance(500)
  assert.equal(next.settled, true)
})

test('queued takes are granted in the order they were made', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const order: string[] = []
  const takes = [
    bucket.take(300).then(() => order.push('a')),
    bucket.take(100).then(() => order.push('b')),
    bucket.take(200).then(() => order.push('c'))
  ]
  await advance(600)
  await Promise.all(takes)
  assert.deepEqual(order, ['a', 'b', 'c'])
})

test('a small take made after a large one waits behind it', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const big = track(bucket.take(900))
  const small = track(bucket.take(1))
  await advance(900)
  assert.deepEqual([big.settled, small.settled], [true, false])
  await advance(1)
  assert.equal(small.settled, true)
})

test('an aborted waiter does not hold up the takes queued behind it', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const controller = new AbortController()
  const aborted = bucket.take(5_000, controller.signal)
  const next = track(bucket.take(100))
  await flush()
  controller.abort(new Error('stop'))
  await assert.rejects(aborted)
  await advance(100)
  assert.equal(next.settled, true)
})

test('an abort while queued behind another take rejects at once', async t => {
  const advance = mockClock(t)
  const bucket = new TokenBucket(1_000, 1_000)
  await bucket.take(1_000)
  const first = track(bucket.take(5_000))
  const controller = new AbortController()
  const reason = new Error('download cancelled')
  const queued = track(bucket.take(1, controller.signal))
  try {
    await flush()
    controller.abort(reason)
    await flush()
    assert.deepEqual([first.settled, queued.settled], [false, true])
    assert.equal(queued.error, reason)
  } finally {
    await advance(10_000)
  }
})

test('a take beyond the burst waits in real time too (lower bound only)', async () => {
  const bucket = new TokenBucket(10_000, 1_000)
  await bucket.take(1_000)
  const started = performance.now()
  await bucket.take(2_000) // 200 ms of budget
  assert.ok(performance.now() - started >= 100, 'waited at least half the expected time')
})

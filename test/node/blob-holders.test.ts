import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BlobHolders, DEFAULT_HOLDER_TTL_MS } from '../../node/blobs/blob-holders.ts'
import type { BlobHave } from '../../protocol/blob-have.ts'
import { emptyHaveMap, fullHaveMap, hasChunk, setChunk } from '../../protocol/have-map.ts'

const T0 = 1_700_000_000_000
const BLOB = 'bafkreiaaaa'
const OTHER_BLOB = 'bafkreibbbb'
const digest = new Uint8Array(32).fill(3)

/** An advertisement of `held` chunks (or all) of an 8-chunk blob. */
function have (held: number[] | 'all', options: Partial<Pick<BlobHave, 'site' | 'wants'>> = {}): BlobHave {
  const complete = held === 'all'
  let haveMap = fullHaveMap(8)
  if (!complete) {
    haveMap = emptyHaveMap(8)
    for (const n of held) setChunk(haveMap, n, true)
  }
  return { digest, chunkCount: 8, complete, wants: options.wants ?? true, site: options.site ?? 'branch-a', haveMap }
}

test('of an unknown blob is empty', () => {
  assert.deepEqual(new BlobHolders().of(BLOB, T0), [])
})

test('advertise records the peer with its site, flags, map and chunk count', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([1, 2, 5], { site: 'Zürich', wants: false }), T0)
  const [holder, ...rest] = holders.of(BLOB, T0)
  assert.deepEqual(rest, [])
  assert.deepEqual(holder, {
    peer: 'p', site: 'Zürich', complete: false, wants: false, haveMap: have([1, 2, 5]).haveMap, chunks: 3, advertised: 3, seenAt: T0, progressAt: T0
  })
})

test('a complete advertisement counts every chunk', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have('all'), T0)
  const [holder] = holders.of(BLOB, T0)
  assert.equal(holder?.complete, true)
  assert.equal(holder?.chunks, 8)
})

test('a later advertisement replaces the peer\'s earlier one', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'p', have([0, 1], { site: 'moved' }), T0 + 5)
  const all = holders.of(BLOB, T0 + 5)
  assert.equal(all.length, 1)
  assert.equal(all[0]?.site, 'moved')
  assert.equal(all[0]?.chunks, 2)
  assert.equal(all[0]?.seenAt, T0 + 5)
})

test('holders are kept per blob', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(OTHER_BLOB, 'q', have([1]), T0)
  assert.deepEqual(holders.of(BLOB, T0).map(h => h.peer), ['p'])
  assert.deepEqual(holders.of(OTHER_BLOB, T0).map(h => h.peer), ['q'])
})

test('a holder is live for exactly the TTL after its last advertisement', () => {
  const holders = new BlobHolders(1_000)
  holders.advertise(BLOB, 'p', have([0]), T0)
  assert.equal(holders.of(BLOB, T0 + 1_000).length, 1)
})

test('a holder not heard from for longer than the TTL expires', () => {
  const holders = new BlobHolders(1_000)
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'q', have([0]), T0 + 500)
  assert.deepEqual(holders.of(BLOB, T0 + 1_001).map(h => h.peer), ['q'])
})

test('an expired holder stays gone when asked about an earlier time', () => {
  const holders = new BlobHolders(1_000)
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.of(BLOB, T0 + 1_001)
  assert.deepEqual(holders.of(BLOB, T0), [])
})

test('a re-advertisement keeps a holder alive past the first TTL', () => {
  const holders = new BlobHolders(1_000)
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'p', have([0]), T0 + 900)
  assert.equal(holders.of(BLOB, T0 + 1_800).length, 1)
})

test('the default TTL is DEFAULT_HOLDER_TTL_MS', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  assert.equal(holders.of(BLOB, T0 + DEFAULT_HOLDER_TTL_MS).length, 1)
  assert.equal(holders.of(BLOB, T0 + DEFAULT_HOLDER_TTL_MS + 1).length, 0)
})

test('notHeld clears that chunk from the holder\'s map and count', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([2, 3]), T0)
  holders.notHeld(BLOB, 'p', 3)
  const [holder] = holders.of(BLOB, T0)
  assert.equal(hasChunk(holder?.haveMap ?? new Uint8Array(), 3), false)
  assert.equal(hasChunk(holder?.haveMap ?? new Uint8Array(), 2), true)
  assert.equal(holder?.chunks, 1)
})

test('notHeld of a complete holder makes it partial', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have('all'), T0)
  holders.notHeld(BLOB, 'p', 0)
  const [holder] = holders.of(BLOB, T0)
  assert.equal(holder?.complete, false)
  assert.equal(holder?.chunks, 7)
})

test('notHeld does not change the advertisement it was given', () => {
  const holders = new BlobHolders()
  const advertised = have([4])
  holders.advertise(BLOB, 'p', advertised, T0)
  holders.notHeld(BLOB, 'p', 4)
  assert.equal(hasChunk(advertised.haveMap, 4), true)
})

test('notHeld of a chunk the holder never had changes nothing', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([1]), T0)
  holders.notHeld(BLOB, 'p', 0)
  holders.notHeld(BLOB, 'p', 0)
  assert.equal(holders.of(BLOB, T0)[0]?.chunks, 1)
})

test('notHeld of an unknown peer or blob is ignored', () => {
  const holders = new BlobHolders()
  holders.notHeld(BLOB, 'nobody', 0)
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.notHeld(OTHER_BLOB, 'p', 0)
  holders.notHeld(BLOB, 'q', 0)
  assert.equal(holders.of(BLOB, T0)[0]?.chunks, 1)
})

test('forget removes a peer from every blob', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(OTHER_BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'q', have([0]), T0)
  holders.forget('p')
  assert.deepEqual(holders.of(BLOB, T0).map(h => h.peer), ['q'])
  assert.deepEqual(holders.of(OTHER_BLOB, T0), [])
})

test('onChange is called with the blob id on each advertisement', () => {
  const holders = new BlobHolders()
  const seen: string[] = []
  holders.onChange(id => seen.push(id))
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(OTHER_BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'p', have([0]), T0 + 1)
  assert.deepEqual(seen, [BLOB, OTHER_BLOB, BLOB])
})

test('onChange\'s unsubscribe stops the calls, for that listener only', () => {
  const holders = new BlobHolders()
  const first: string[] = []
  const second: string[] = []
  const unsubscribe = holders.onChange(id => first.push(id))
  holders.onChange(id => second.push(id))
  unsubscribe()
  holders.advertise(BLOB, 'p', have([0]), T0)
  assert.deepEqual(first, [])
  assert.deepEqual(second, [BLOB])
})

test('onChange is called when a forgotten peer held the blob', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  const seen: string[] = []
  holders.onChange(id => seen.push(id))
  holders.forget('p')
  assert.deepEqual(seen, [BLOB])
})

test('progressAt is the first advertisement\'s time', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([]), T0)
  assert.equal(holders.of(BLOB, T0)[0]?.progressAt, T0)
})

test('progressAt moves when the chunk count grows', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'p', have([0, 1]), T0 + 100)
  assert.equal(holders.of(BLOB, T0 + 100)[0]?.progressAt, T0 + 100)
})

test('progressAt stays when the chunk count is unchanged', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'p', have([0]), T0 + 100)
  const [holder] = holders.of(BLOB, T0 + 100)
  assert.equal(holder?.progressAt, T0)
  assert.equal(holder?.seenAt, T0 + 100)
})

test('progressAt stays when different chunks of the same count are advertised', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0]), T0)
  holders.advertise(BLOB, 'p', have([5]), T0 + 100)
  assert.equal(holders.of(BLOB, T0 + 100)[0]?.progressAt, T0)
})

test('progressAt stays when the chunk count shrinks', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0, 1, 2]), T0)
  holders.advertise(BLOB, 'p', have([0]), T0 + 100)
  assert.equal(holders.of(BLOB, T0 + 100)[0]?.progressAt, T0)
})

test('progressAt moves when the holder completes', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0, 1, 2, 3, 4, 5, 6]), T0)
  holders.advertise(BLOB, 'p', have('all'), T0 + 100)
  assert.equal(holders.of(BLOB, T0 + 100)[0]?.progressAt, T0 + 100)
})

test('progressAt stays when a re-advertisement only restores a chunk notHeld removed', () => {
  const holders = new BlobHolders()
  holders.advertise(BLOB, 'p', have([0, 1]), T0)
  holders.notHeld(BLOB, 'p', 1)
  holders.advertise(BLOB, 'p', have([0, 1]), T0 + 100)
  assert.equal(holders.of(BLOB, T0 + 100)[0]?.progressAt, T0)
})

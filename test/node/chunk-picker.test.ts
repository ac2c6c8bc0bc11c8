import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SMALL_BLOB_CHUNKS, chunkRarity, pickChunk, wanPlan } from '../../node/blobs/chunk-picker.ts'
import type { PickerState } from '../../node/blobs/chunk-picker.ts'
import { RendezvousShares, rendezvousOwner, rendezvousRanking } from '../../node/blobs/rendezvous.ts'
import type { Holder } from '../../node/blobs/blob-holders.ts'
import { countHeld, emptyHaveMap, fullHaveMap, setChunk } from '../../protocol/have-map.ts'
import { seededRandom } from '../helpers/random.ts'

const T0 = 1_700_000_000_000
const LAN_WAIT_MS = 30_000
const SITE = 'branch-a'
const OTHER_SITE = 'head-office'
const BLOB = 'bafkreiblob'

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** A holder of `held` chunks (or all) of a `chunks`-chunk blob. */
function holder (peer: string, site: string, held: number[] | 'all', chunks: number, options: Partial<Pick<Holder, 'wants' | 'complete' | 'progressAt'>> = {}): Holder {
  let haveMap = fullHaveMap(chunks)
  if (held !== 'all') {
    haveMap = emptyHaveMap(chunks)
    for (const n of held) setChunk(haveMap, n, true)
  }
  return {
    peer,
    site,
    complete: options.complete ?? held === 'all',
    wants: options.wants ?? true,
    haveMap,
    chunks: countHeld(haveMap),
    advertised: countHeld(haveMap),
    seenAt: T0,
    progressAt: options.progressAt ?? T0
  }
}

/** A picker state for `chunks` chunks, all missing unless given, with rarity computed from the holders. */
function pickerState (chunks: number, holders: Holder[], overrides: Partial<PickerState> = {}): PickerState {
  const round = {
    self: { id: 'self', site: SITE },
    blobKey: BLOB,
    missing: new Set(range(chunks)),
    holders,
    lanWaitMs: LAN_WAIT_MS,
    wanAllowed: true,
    sourceSince: 0,
    now: T0,
    ...overrides
  }
  return { inFlight: new Map(), rarity: chunkRarity(holders, chunks), wan: wanPlan(round, chunks, new RendezvousShares()), ...round, ...overrides }
}

/** Every chunk pickChunk hands to `peer` when each pick is put in flight to it before the next. */
function drain (state: PickerState, peer: Holder): number[] {
  const inFlight = new Map<number, Set<string>>()
  for (const [chunk, peers] of state.inFlight) inFlight.set(chunk, new Set(peers))
  const picked: number[] = []
  for (let chunk = pickChunk({ ...state, inFlight }, peer); chunk != null; chunk = pickChunk({ ...state, inFlight }, peer)) {
    assert.ok(!picked.includes(chunk), `chunk ${chunk} picked twice for ${peer.peer}`)
    picked.push(chunk)
    inFlight.set(chunk, new Set([...(inFlight.get(chunk) ?? []), peer.peer]))
  }
  return picked.sort((a, b) => a - b)
}

const ownedBySelf = (chunks: number, members: string[]): number[] =>
  range(chunks).filter(c => rendezvousOwner(`${BLOB}/${c}`, ['self', ...members]) === 'self')

// --- chunkRarity -------------------------------------------------------------------------------

test('chunkRarity counts the holders of each chunk', () => {
  const rarity = chunkRarity([holder('a', SITE, [0, 1], 4), holder('b', SITE, [1], 4), holder('c', OTHER_SITE, 'all', 4)], 4)
  assert.deepEqual([...rarity], [2, 3, 1, 1])
})

test('chunkRarity is zero everywhere with no holders', () => {
  assert.deepEqual([...chunkRarity([], 9)], new Array(9).fill(0))
})

test('chunkRarity has one entry per chunk, not per map bit', () => {
  // A 9-chunk map has room for 16 bits.
  assert.equal(chunkRarity([holder('a', SITE, 'all', 9)], 9).length, 9)
})

// --- rarest first and basic eligibility -------------------------------------------------------

test('pickChunk takes the rarest chunk the peer holds', () => {
  const peer = holder('p', SITE, [0, 1, 2], 3)
  const holders = [peer, holder('q', SITE, [0, 2], 3), holder('r', SITE, [0], 3)]
  // Rarity: chunk 0 → 3 holders, chunk 1 → 1, chunk 2 → 2.
  assert.equal(pickChunk(pickerState(3, holders), peer), 1)
})

test('pickChunk hands out chunks in rarity order as they go in flight', () => {
  const peer = holder('p', SITE, [0, 1, 2, 3], 4)
  const holders = [peer, holder('q', SITE, [0, 1, 2], 4), holder('r', SITE, [0, 1], 4), holder('s', SITE, [0], 4)]
  const state = pickerState(4, holders)
  const order: number[] = []
  const inFlight = new Map<number, Set<string>>()
  for (let i = 0; i < 4; i++) {
    const chunk = pickChunk({ ...state, inFlight }, peer)
    assert.ok(chunk != null)
    order.push(chunk)
    inFlight.set(chunk, new Set(['p']))
  }
  assert.deepEqual(order, [3, 2, 1, 0])
})

test('pickChunk never asks a peer for a chunk it lacks', () => {
  const peer = holder('p', SITE, [5], 8)
  const holders = [peer, holder('q', SITE, 'all', 8)]
  assert.deepEqual(drain(pickerState(8, holders), peer), [5])
})

test('pickChunk returns undefined when the peer holds none of the missing chunks', () => {
  const peer = holder('p', SITE, [0, 1], 4)
  assert.equal(pickChunk(pickerState(4, [peer], { missing: new Set([2, 3]) }), peer), undefined)
})

test('pickChunk only asks for missing chunks', () => {
  const peer = holder('p', SITE, 'all', 8)
  assert.deepEqual(drain(pickerState(8, [peer], { missing: new Set([2, 6]) }), peer), [2, 6])
})

test('pickChunk never asks a peer for a chunk already in flight to it', () => {
  const peer = holder('p', SITE, [0, 1], 2)
  const holders = [peer, holder('q', SITE, [0], 2)]
  // Chunk 1 is rarer, but already requested from p.
  const state = pickerState(2, holders, { inFlight: new Map([[1, new Set(['p'])]]) })
  assert.equal(pickChunk(state, peer), 0)
})

test('pickChunk prefers a chunk nobody is fetching over a rarer one in flight elsewhere', () => {
  const peer = holder('p', SITE, [0, 1], 2)
  const holders = [peer, holder('q', SITE, [0], 2), holder('r', SITE, [0], 2)]
  const state = pickerState(2, holders, { inFlight: new Map([[1, new Set(['x'])]]) })
  assert.equal(pickChunk(state, peer), 0)
})

test('an in-flight entry with no peers left counts as not in flight', () => {
  const peer = holder('p', SITE, [0], 1)
  assert.equal(pickChunk(pickerState(1, [peer], { inFlight: new Map([[0, new Set()]]) }), peer), 0)
})

// --- site rules --------------------------------------------------------------------------------

test('a same-site peer may serve any chunk, even ones another site-mate is designated to fetch', () => {
  const mates = ['m1', 'm2', 'm3'].map(id => holder(id, SITE, [], 32))
  const peer = holder('p', SITE, 'all', 32)
  assert.ok(ownedBySelf(32, ['m1', 'm2', 'm3']).length < 32, 'self is not the designated fetcher of every chunk')
  assert.deepEqual(drain(pickerState(32, [...mates, peer]), peer), range(32))
})

test('with no site-mates, an other-site peer may serve every chunk', () => {
  const remote = holder('r', OTHER_SITE, 'all', 16)
  assert.deepEqual(drain(pickerState(16, [remote]), remote), range(16))
})

test('an other-site peer serves only the chunks this node is the rendezvous owner of among live wanting site-mates', () => {
  const mates = [holder('m1', SITE, [], 64), holder('m2', SITE, [], 64)]
  const remote = holder('r', OTHER_SITE, 'all', 64)
  const owned = ownedBySelf(64, ['m1', 'm2'])
  assert.ok(owned.length > 0 && owned.length < 64, 'the work is split')
  assert.deepEqual(drain(pickerState(64, [...mates, remote]), remote), owned)
})

test('the WAN split depends only on the site-mates, not on their order in the holder list', () => {
  const mates = [holder('m1', SITE, [], 64), holder('m2', SITE, [], 64), holder('m3', SITE, [], 64)]
  const remote = holder('r', OTHER_SITE, 'all', 64)
  const forward = drain(pickerState(64, [...mates, remote]), remote)
  const backward = drain(pickerState(64, [remote, ...mates].reverse()), remote)
  assert.deepEqual(forward, backward)
})

test('site-mates that do not want the blob take no share of the WAN work', () => {
  const mates = [holder('m1', SITE, [], 32, { wants: false }), holder('m2', SITE, [], 32, { wants: false })]
  const remote = holder('r', OTHER_SITE, 'all', 32)
  assert.deepEqual(drain(pickerState(32, [...mates, remote]), remote), range(32))
})

test('peers of other sites take no share of the WAN work', () => {
  const others = [holder('o1', 'branch-b', [], 32), holder('o2', 'branch-c', [], 32)]
  const remote = holder('r', OTHER_SITE, 'all', 32)
  assert.deepEqual(drain(pickerState(32, [...others, remote]), remote), range(32))
})

test('a chunk a site-mate holds is never fetched across the WAN', () => {
  const mate = holder('m', SITE, [0, 1, 2], 8, { wants: false })
  const remote = holder('r', OTHER_SITE, 'all', 8)
  const state = pickerState(8, [mate, remote])
  assert.deepEqual(drain(state, remote), [3, 4, 5, 6, 7])
  for (const chunk of [0, 1, 2]) assert.equal(state.wan[chunk], 0)
})

test('a chunk a stalled site-mate holds is still not fetched across the WAN', () => {
  const mate = holder('m', SITE, [4], 8, { progressAt: T0 - 10 * LAN_WAIT_MS })
  const remote = holder('r', OTHER_SITE, 'all', 8)
  assert.ok(!drain(pickerState(8, [mate, remote]), remote).includes(4))
})

test('a designated site-mate idle for exactly lanWaitMs keeps its share', () => {
  const mate = holder('m', SITE, [], 64, { progressAt: T0 - LAN_WAIT_MS })
  const remote = holder('r', OTHER_SITE, 'all', 64)
  assert.deepEqual(drain(pickerState(64, [mate, remote]), remote), ownedBySelf(64, ['m']))
})

test('a designated site-mate idle for longer than lanWaitMs loses its share to this node', () => {
  const mate = holder('m', SITE, [], 64, { progressAt: T0 - LAN_WAIT_MS - 1 })
  const remote = holder('r', OTHER_SITE, 'all', 64)
  assert.deepEqual(drain(pickerState(64, [mate, remote]), remote), range(64))
})

test('a stalled site-mate\'s chunks are re-split among the live ones', () => {
  const mates = [
    holder('stalled', SITE, [], 64, { progressAt: T0 - LAN_WAIT_MS - 1 }),
    holder('live', SITE, [], 64)
  ]
  const remote = holder('r', OTHER_SITE, 'all', 64)
  const owned = ownedBySelf(64, ['live'])
  assert.notDeepEqual(owned, ownedBySelf(64, ['stalled', 'live']))
  assert.deepEqual(drain(pickerState(64, [...mates, remote]), remote), owned)
})

test('with a complete site-mate every chunk comes over the LAN and none across the WAN', () => {
  const mate = holder('m', SITE, 'all', 8)
  const remote = holder('r', OTHER_SITE, 'all', 8)
  const lan = drain(pickerState(8, [mate, remote]), mate)
  assert.deepEqual(lan, range(8))
  assert.deepEqual(drain(pickerState(8, [mate, remote]), remote), [])
})

// --- endgame -----------------------------------------------------------------------------------

test('no endgame while some missing chunk is not yet requested', () => {
  const peer = holder('p', SITE, [0], 2)
  const state = pickerState(2, [peer], { inFlight: new Map([[0, new Set(['x'])]]) })
  assert.equal(pickChunk(state, peer), undefined)
})

test('in the endgame a chunk in flight to another peer is asked of this one too', () => {
  const peer = holder('p', SITE, [0, 1], 2)
  const state = pickerState(2, [peer], { inFlight: new Map([[0, new Set(['x'])], [1, new Set(['y'])]]) })
  const chunk = pickChunk(state, peer)
  assert.ok(chunk === 0 || chunk === 1)
})

test('the endgame never asks a peer again for a chunk already in flight to it', () => {
  const peer = holder('p', SITE, [0, 1], 2)
  const state = pickerState(2, [peer], { inFlight: new Map([[0, new Set(['p'])], [1, new Set(['p', 'x'])]]) })
  assert.equal(pickChunk(state, peer), undefined)
})

test('the endgame offers only chunks the peer holds', () => {
  const peer = holder('p', SITE, [1], 3)
  const state = pickerState(3, [peer], { inFlight: new Map([[0, new Set(['x'])], [1, new Set(['y'])], [2, new Set(['z'])]]) })
  assert.equal(pickChunk(state, peer), 1)
})

test('the endgame asks no second copy across the WAN: a chunk in flight is asked again only of site-mates', () => {
  const mate = holder('m', SITE, 'all', 16)
  const remote = holder('r', OTHER_SITE, 'all', 16)
  const inFlight = new Map(range(16).map(c => [c, new Set(['elsewhere'])]))
  assert.deepEqual(drain(pickerState(16, [mate, remote], { inFlight }), remote), [])
  assert.equal(drain(pickerState(16, [mate, remote], { inFlight }), mate).length, 16)
})

// --- rendezvous --------------------------------------------------------------------------------

const KEYS = range(1000).map(n => `${BLOB}/${n}`)
const MEMBERS = ['12D3KooWAlpha', '12D3KooWBravo', '12D3KooWCharlie', '12D3KooWDelta', '12D3KooWEcho']

test('rendezvousOwner of no members is undefined', () => {
  assert.equal(rendezvousOwner('k', []), undefined)
})

test('rendezvousOwner of one member is that member', () => {
  assert.equal(rendezvousOwner('k', ['only']), 'only')
})

test('rendezvousOwner is the same for any order of the members (1,000 keys)', () => {
  const random = seededRandom(7)
  const expected = KEYS.map(key => rendezvousOwner(key, MEMBERS))
  for (let round = 0; round < 5; round++) {
    const shuffled = [...MEMBERS]
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string]
    }
    assert.deepEqual(KEYS.map(key => rendezvousOwner(key, shuffled)), expected, shuffled.join(','))
  }
})

test('rendezvousOwner gives every member a share of 1,000 keys', () => {
  const counts = new Map<string, number>()
  for (const key of KEYS) {
    const owner = rendezvousOwner(key, MEMBERS) as string
    counts.set(owner, (counts.get(owner) ?? 0) + 1)
  }
  for (const member of MEMBERS) assert.ok((counts.get(member) ?? 0) > 0, member)
})

test('when a member leaves only its keys move, and they move to the remaining members (1,000 keys)', () => {
  for (const leaving of MEMBERS) {
    const remaining = MEMBERS.filter(m => m !== leaving)
    let moved = 0
    for (const key of KEYS) {
      const before = rendezvousOwner(key, MEMBERS)
      const after = rendezvousOwner(key, remaining)
      if (before === leaving) {
        moved++
        assert.ok(after != null && remaining.includes(after))
      } else {
        assert.equal(after, before, `${key} moved though ${leaving} did not own it`)
      }
    }
    assert.ok(moved > 0, `${leaving} owned some keys`)
  }
})

test('rendezvousRanking starts with rendezvousOwner and lists every member once, highest weight first', () => {
  for (const key of KEYS.slice(0, 100)) {
    const ranking = rendezvousRanking(key, [...MEMBERS, MEMBERS[0] as string])
    assert.equal(ranking[0], rendezvousOwner(key, MEMBERS))
    assert.deepEqual([...ranking].sort(), [...MEMBERS].sort())
    assert.equal(ranking[1], rendezvousOwner(key, MEMBERS.filter(m => m !== ranking[0])))
  }
})

test('when a member joins keys move only to it (1,000 keys)', () => {
  const joined = [...MEMBERS, '12D3KooWFoxtrot']
  for (const key of KEYS) {
    const before = rendezvousOwner(key, MEMBERS)
    const after = rendezvousOwner(key, joined)
    if (after !== before) assert.equal(after, '12D3KooWFoxtrot')
  }
})

test('nothing is fetched across the WAN before site-mates have had time to say they want the blob', () => {
  // More than SMALL_BLOB_CHUNKS: a small blob is taken from anywhere at once.
  const seed = holder('seed', 'hq', 'all', 16)
  assert.equal(pickChunk(pickerState(16, [seed], { wanAllowed: false }), seed), undefined)
})

test('a blob of at most SMALL_BLOB_CHUNKS is fetched across the WAN at once, every chunk by every node', () => {
  const seed = holder('seed', 'hq', 'all', SMALL_BLOB_CHUNKS)
  const mate = holder('m', SITE, [], SMALL_BLOB_CHUNKS)
  assert.deepEqual(drain(pickerState(SMALL_BLOB_CHUNKS, [seed, mate], { wanAllowed: false }), seed).sort(), range(SMALL_BLOB_CHUNKS))
})

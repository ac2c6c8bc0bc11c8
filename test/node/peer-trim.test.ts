import { test } from 'node:test'
import assert from 'node:assert/strict'
import { peersToTrim } from '../../node/mesh/peer-trim.ts'
import type { ConnectedPeer } from '../../node/mesh/peer-trim.ts'

const NOW = 1_000_000
const limits = { maxPeers: 4, trimmedPeers: 2, graceMs: 60_000 }

/** `count` old, closable peers named `prefix0`, `prefix1`, … */
function peers (count: number, prefix: string, fields: Partial<ConnectedPeer> = {}): ConnectedPeer[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, openedAt: 0, inbound: true, kept: false, ...fields }))
}

test('at or under the ceiling nothing is trimmed', () => {
  assert.deepEqual(peersToTrim(peers(4, 'p'), NOW, limits), [])
  assert.deepEqual(peersToTrim([], NOW, limits), [])
})

test('over the ceiling, peers are closed down to trimmedPeers, inbound ones before outbound ones', () => {
  const closed = peersToTrim([...peers(3, 'out', { inbound: false }), ...peers(2, 'in')], NOW, limits)
  assert.equal(closed.length, 3)
  assert.deepEqual(closed.slice(0, 2).toSorted(), ['in0', 'in1'])
  assert.match(closed[2] as string, /^out/)
})

test('kept peers and peers in their grace time are never closed, even when that leaves the node over its ceiling', () => {
  const kept = peers(3, 'kept', { kept: true })
  const fresh = peers(2, 'fresh', { openedAt: NOW - 59_999 })
  assert.deepEqual(peersToTrim([...kept, ...fresh, ...peers(1, 'old')], NOW, limits), ['old0'])
  assert.deepEqual(peersToTrim([...kept, ...fresh], NOW, limits), [])
})

test('the pick among peers of one kind follows the random source', () => {
  const all = peers(6, 'p')
  assert.deepEqual(peersToTrim(all, NOW, limits, () => 0), ['p0', 'p1', 'p2', 'p3'])
  assert.notDeepEqual(peersToTrim(all, NOW, limits, () => 0.99), ['p0', 'p1', 'p2', 'p3'])
})

test('a trimmedPeers above maxPeers trims down to maxPeers', () => {
  assert.equal(peersToTrim(peers(6, 'p'), NOW, { maxPeers: 4, trimmedPeers: 10, graceMs: 0 }).length, 2)
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rankHolders } from '../../node/blobs/holder-ranking.ts'
import type { Holder } from '../../node/blobs/blob-holders.ts'
import type { HolderChoice } from '../../node/blobs/holder-ranking.ts'

const holder = (peer: string, site: string): Holder => ({ peer, site, complete: true, wants: true, haveMap: new Uint8Array([0xff]), chunks: 8, advertised: 8, seenAt: 0, progressAt: 0 })

function choice (overrides: Partial<HolderChoice> = {}): HolderChoice {
  return {
    self: { id: 'self', site: 'b1' },
    dialAllowed: true,
    connected: () => true,
    excluded: () => false,
    load: () => 0,
    tieOrder: peer => peer.charCodeAt(0),
    ...overrides
  }
}

const peers = (holders: Holder[]): string[] => holders.map(h => h.peer)

test('same-site holders come first, then connected ones, then the least loaded, then the tie order', () => {
  const holders = [holder('a', 'hq'), holder('b', 'hq'), holder('c', 'b1'), holder('d', 'hq'), holder('e', 'b1')]
  const ranked = rankHolders(holders, choice({ connected: peer => peer !== 'a', load: peer => peer === 'b' ? 2 : 0 }))
  assert.deepEqual(peers(ranked), ['c', 'e', 'd', 'b', 'a'])
})

test('this node, excluded peers and, before dialling is allowed, unconnected peers are left out', () => {
  const holders = [holder('self', 'b1'), holder('x', 'b1'), holder('y', 'hq'), holder('z', 'hq')]
  const ranked = rankHolders(holders, choice({ dialAllowed: false, connected: peer => peer !== 'z', excluded: peer => peer === 'x' }))
  assert.deepEqual(peers(ranked), ['y'])
  assert.deepEqual(peers(rankHolders(holders, choice({ connected: peer => peer !== 'z', excluded: peer => peer === 'x' }))), ['y', 'z'])
})

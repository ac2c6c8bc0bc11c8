import { test } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { openDatabase } from '../../node/db/database.ts'
import { silentLogger } from '../../node/log.ts'
import { PeerMemory } from '../../node/mesh/peer-memory.ts'
import { pollUntil } from '../helpers/poll.ts'
import { statusRecord, testNode } from '../helpers/status-records.ts'
import { tempDir } from '../helpers/temp.ts'
import type { FleetEntry } from '../../node/fleet/fleet-store.ts'
import type { PeerMemoryInit, PeerMemoryLibp2p } from '../../node/mesh/peer-memory.ts'
import type { PeerId } from '@libp2p/interface'
import type { TestContext } from 'node:test'

interface PendingDial {
  peer: string
  signal: AbortSignal
  succeed: () => void
  fail: () => void
}

/** The part of a libp2p node PeerMemory uses: dials wait until the test settles them. */
class StubLibp2p extends EventTarget {
  readonly peerId: PeerId = peerIdFromString(testNode().id)
  status = 'started'
  readonly connected = new Set<string>()
  readonly pending: PendingDial[] = []
  dials = 0
  merges = 0
  readonly peerStore = { merge: async () => { this.merges++ } }
  /** What getConnections says of a connected peer; one without an entry has an old inbound connection with no streams. */
  readonly connections = new Map<string, { direction?: 'inbound' | 'outbound', open?: number, protocols?: Array<string | undefined> }>()
  readonly hungUp: string[] = []

  getPeers (): PeerId[] {
    return [...this.connected].map(id => peerIdFromString(id))
  }

  getConnections (): unknown[] {
    return [...this.connected].map(id => {
      const { direction = 'inbound', open = 0, protocols = [] } = this.connections.get(id) ?? {}
      return { remotePeer: peerIdFromString(id), direction, timeline: { open }, streams: protocols.map(protocol => ({ protocol })) }
    })
  }

  async hangUp (peer: PeerId): Promise<void> {
    this.hungUp.push(peer.toString())
    this.connected.delete(peer.toString())
  }

  async dial (peer: PeerId, options: { signal: AbortSignal }): Promise<void> {
    this.dials++
    await new Promise<void>((resolve, reject) => {
      const dial: PendingDial = {
        peer: peer.toString(),
        signal: options.signal,
        succeed: () => { this.#settle(dial); this.connected.add(dial.peer); resolve() },
        fail: () => { this.#settle(dial); reject(new Error('connection refused')) }
      }
      this.pending.push(dial)
      options.signal.addEventListener('abort', () => { dial.fail() }, { once: true })
    })
  }

  #settle (dial: PendingDial): void {
    const i = this.pending.indexOf(dial)
    if (i >= 0) this.pending.splice(i, 1)
  }
}

/** A started PeerMemory over a stub libp2p whose fleet view holds `known` peers with routable addresses. */
async function setup (t: TestContext, known: number, init: PeerMemoryInit = {}, connected = 0): Promise<{ libp2p: StubLibp2p, peers: PeerMemory, ids: string[] }> {
  const libp2p = new StubLibp2p()
  const db = await openDatabase(await tempDir(t))
  const nodes = Array.from({ length: known }, () => testNode())
  const entries: FleetEntry[] = nodes.map((node, i) => ({ record: statusRecord(node, { addresses: [`/ip4/192.0.2.${i + 1}/tcp/4001`] }), receivedAt: '', stale: false }))
  const fleet = { onStored: () => () => {}, list: async () => entries }
  for (const node of nodes.slice(0, connected)) libp2p.connected.add(node.id)
  // Only the checks the test asks for, or that events queue: no timer in the way.
  const peers = new PeerMemory(libp2p as unknown as PeerMemoryLibp2p, db, silentLogger(), { fleet, checkIntervalMs: 3_600_000, ...init })
  t.after(async () => { peers.stop(); await db.close() })
  peers.start()
  return { libp2p, peers, ids: nodes.map(n => n.id) }
}

const dialsPending = async (libp2p: StubLibp2p, count: number): Promise<void> => {
  await pollUntil(() => libp2p.pending.length === count ? true : undefined, `${count} dials in flight`)
}

test('below its target, a node dials peers of its fleet view, never more than maxDialsAtOnce at a time', async (t) => {
  const { libp2p, peers, ids } = await setup(t, 10, { targetPeers: 4, maxDialsAtOnce: 2 })
  await dialsPending(libp2p, 2)
  await peers.check()
  assert.equal(peers.dialsInFlight, 2)
  while (libp2p.connected.size < 4) {
    libp2p.pending[0]?.succeed()
    await pollUntil(() => libp2p.pending.length === Math.min(2, 4 - libp2p.connected.size) ? true : undefined, 'the next dial')
  }
  await peers.check()
  assert.equal(peers.dialsInFlight, 0)
  assert.equal(libp2p.dials, 4)
  assert.ok([...libp2p.connected].every(id => ids.includes(id)))
})

test('a node at its target still dials site-mates until it has sitePeers of them, and no other peer', async (t) => {
  const libp2p = new StubLibp2p()
  const db = await openDatabase(await tempDir(t))
  const nodes = Array.from({ length: 8 }, () => testNode())
  const siteOf = (i: number): string => i < 3 ? 'b1' : 'hq'
  const entries: FleetEntry[] = nodes.map((node, i) => ({ record: statusRecord(node, { site: siteOf(i), addresses: [`/ip4/192.0.2.${i + 1}/tcp/4001`] }), receivedAt: '', stale: false }))
  const fleet = { onStored: () => () => {}, list: async () => entries }
  for (const node of nodes.slice(3, 5)) libp2p.connected.add(node.id)
  const peers = new PeerMemory(libp2p as unknown as PeerMemoryLibp2p, db, silentLogger(), { fleet, site: 'b1', targetPeers: 2, sitePeers: 3, checkIntervalMs: 3_600_000 })
  t.after(async () => { peers.stop(); await db.close() })
  peers.start()
  await dialsPending(libp2p, 3)
  for (const dial of [...libp2p.pending]) dial.succeed()
  await pollUntil(() => libp2p.connected.size === 5 ? true : undefined, 'the site-mates connected')
  await peers.check()
  assert.equal(libp2p.dials, 3)
  assert.deepEqual(nodes.slice(0, 3).map(n => libp2p.connected.has(n.id)), [true, true, true])
})

test('a node at its target dials nobody', async (t) => {
  const { libp2p, peers } = await setup(t, 3, { targetPeers: 2 }, 2)
  await peers.check()
  assert.equal(peers.dialsInFlight, 0)
  assert.equal(libp2p.dials, 0)
})

test('a peer whose dial failed is left alone until its backoff is over, and the next failure doubles it', async (t) => {
  let now = 1_000_000
  const { libp2p, peers, ids } = await setup(t, 1, { targetPeers: 2, backoffMs: 10_000, random: () => 1, now: () => now })
  await dialsPending(libp2p, 1)
  libp2p.pending[0]?.fail()
  await pollUntil(() => peers.dialsInFlight === 0 ? true : undefined, 'the failed dial to settle')
  now += 9_999
  await peers.check()
  assert.equal(peers.dialsInFlight, 0)
  now += 1
  await peers.check()
  await dialsPending(libp2p, 1)
  assert.equal(libp2p.pending[0]?.peer, ids[0])
  libp2p.pending[0]?.fail()
  await pollUntil(() => peers.dialsInFlight === 0 ? true : undefined, 'the second failed dial to settle')
  now += 10_000
  await peers.check()
  assert.equal(peers.dialsInFlight, 0, 'still backing off: 20 s after the second failure')
  now += 10_000
  await peers.check()
  await dialsPending(libp2p, 1)
  assert.equal(libp2p.dials, 3)
})

test('stop cancels the dials in flight', async (t) => {
  const { libp2p, peers } = await setup(t, 2, { targetPeers: 3 })
  await dialsPending(libp2p, 2)
  const signals = libp2p.pending.map(d => d.signal)
  peers.stop()
  assert.ok(signals.every(s => s.aborted))
})

test('over its ceiling, a node closes connections down to trimmedPeers: inbound ones first, never site-mates, new connections or peers in an exchange', async (t) => {
  const now = 1_000_000
  const libp2p = new StubLibp2p()
  libp2p.status = 'starting'
  const db = await openDatabase(await tempDir(t))
  const nodes = Array.from({ length: 12 }, () => testNode())
  const entries: FleetEntry[] = nodes.map((node, i) => ({ record: statusRecord(node, { site: i < 2 ? 'b1' : 'hq', addresses: [`/ip4/192.0.2.${i + 1}/tcp/4001`] }), receivedAt: '', stale: false }))
  const fleet = { onStored: () => () => {}, list: async () => entries }
  for (const node of nodes) libp2p.connected.add(node.id)
  const ids = nodes.map(n => n.id)
  libp2p.connections.set(ids[2] as string, { protocols: ['/patchmesh/blob/1.0.0'] })
  libp2p.connections.set(ids[3] as string, { open: now - 1_000 })
  libp2p.connections.set(ids[4] as string, { direction: 'outbound' })
  libp2p.connections.set(ids[5] as string, { direction: 'outbound' })
  const peers = new PeerMemory(libp2p as unknown as PeerMemoryLibp2p, db, silentLogger(), {
    fleet, site: 'b1', sitePeers: 3, targetPeers: 4, maxPeers: 8, trimmedPeers: 5, graceMs: 60_000, checkIntervalMs: 3_600_000, now: () => now
  })
  t.after(async () => { peers.stop(); await db.close() })
  peers.start()
  // The sites come from the fleet view's records: check once every record was introduced.
  await pollUntil(() => libp2p.merges === nodes.length ? true : undefined, 'every record introduced')
  libp2p.status = 'started'
  await peers.check()
  assert.deepEqual(libp2p.hungUp.slice(0, 6).toSorted(), ids.slice(6).toSorted(), 'the old inbound connections go first')
  assert.equal(libp2p.hungUp.length, 7, 'and one outbound, to come down to 5')
  assert.ok(ids.slice(4, 6).includes(libp2p.hungUp[6] as string))
  libp2p.connected.add(ids[6] as string)
  await peers.check()
  assert.equal(libp2p.hungUp.length, 7, 'at 6 peers, under the ceiling of 8, nothing more is closed')
  assert.equal(libp2p.dials, 0)
})

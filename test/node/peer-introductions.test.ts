import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { openDatabase } from '../../node/db/database.ts'
import { FleetStore } from '../../node/fleet/fleet-store.ts'
import { silentLogger } from '../../node/log.ts'
import { PeerIntroductions } from '../../node/mesh/peer-introductions.ts'
import { startMeshNode } from '../helpers/mesh.ts'
import { pollUntil } from '../helpers/poll.ts'
import { PUBLISHED_MS, encodedRecord, statusRecord, testNode } from '../helpers/status-records.ts'
import { tempDir } from '../helpers/temp.ts'
import type { MeshLibp2p } from '../../node/mesh/libp2p.ts'
import type { PeerId } from '@libp2p/interface'
import type { TestContext } from 'node:test'

const NOW = PUBLISHED_MS + 1_000
const LOCAL_HOST = 'this-computer'

async function setup (t: TestContext): Promise<{ libp2p: MeshLibp2p, fleet: FleetStore, introduced: string[], start: () => Promise<PeerIntroductions> }> {
  const { mesh } = await startMeshNode(t)
  const libp2p = mesh.libp2p as MeshLibp2p
  const db = await openDatabase(join(await tempDir(t), 'data'))
  t.after(async () => { await db.close() })
  const fleet = new FleetStore(db)
  const introduced: string[] = []
  const start = async (): Promise<PeerIntroductions> => {
    const introductions = new PeerIntroductions(libp2p, fleet, silentLogger(), { localHost: LOCAL_HOST, onIntroduced: node => introduced.push(node) })
    await introductions.start()
    t.after(() => { introductions.stop() })
    return introductions
  }
  return { libp2p, fleet, introduced, start }
}

async function peerStoreAddresses (libp2p: MeshLibp2p, node: string): Promise<string[]> {
  const peer = await libp2p.peerStore.get(peerIdFromString(node)).catch(() => undefined)
  return (peer?.addresses ?? []).map(a => a.multiaddr.toString()).sort()
}

/** The peer store's addresses for `node`, once it has some (the fleet view tells its listeners without awaiting them). */
async function introducedAddresses (libp2p: MeshLibp2p, node: string): Promise<string[]> {
  return await pollUntil(async () => {
    const addresses = await peerStoreAddresses(libp2p, node)
    return addresses.length > 0 ? addresses : undefined
  }, `the addresses of ${node} in the peer store`)
}

test('a stored record\'s dialable addresses land in the peer store, so a dial by peer id finds them', async (t) => {
  const { libp2p, fleet, introduced, start } = await setup(t)
  const introductions = await start()
  const node = testNode()
  await fleet.offer(encodedRecord(node, { host: 'web-01', addresses: ['/ip4/192.0.2.10/tcp/4001', '/ip4/127.0.0.1/tcp/4001', '/ip6/2001:db8::10/tcp/4001'] }), NOW)
  assert.deepEqual(await introducedAddresses(libp2p, node.id), ['/ip4/192.0.2.10/tcp/4001', '/ip6/2001:db8::10/tcp/4001'])
  await pollUntil(() => introduced.length > 0 ? true : undefined, 'the introduction')
  assert.deepEqual(introduced, [node.id])
  assert.deepEqual(introductions.known(), [node.id])
})

test('loopback addresses count in a record from this computer', async (t) => {
  const { libp2p, fleet, start } = await setup(t)
  await start()
  const node = testNode()
  await fleet.offer(encodedRecord(node, { host: LOCAL_HOST, addresses: ['/ip4/127.0.0.1/tcp/4001'] }), NOW)
  assert.deepEqual(await introducedAddresses(libp2p, node.id), ['/ip4/127.0.0.1/tcp/4001'])
})

test('the records the fleet view held before start are introduced at start', async (t) => {
  const { libp2p, fleet, start } = await setup(t)
  const node = testNode()
  await fleet.offer(encodedRecord(node, { addresses: ['/ip4/192.0.2.11/tcp/4001'] }), NOW)
  const introductions = await start()
  assert.deepEqual(await peerStoreAddresses(libp2p, node.id), ['/ip4/192.0.2.11/tcp/4001'])
  assert.deepEqual(introductions.known(), [node.id])
})

test('a record with nothing dialable, or this node\'s own record, introduces no one', async (t) => {
  const { libp2p, fleet, introduced, start } = await setup(t)
  const introductions = await start()
  const node = testNode()
  await fleet.offer(encodedRecord(node, { host: 'web-01', addresses: ['/ip4/127.0.0.1/tcp/4001'] }), NOW)
  const record = (await fleet.get(node.id))?.record ?? assert.fail('the record is held')
  await introductions.introduce(record)
  await introductions.introduce({ ...record, node: libp2p.peerId.toString(), addresses: ['/ip4/192.0.2.12/tcp/4001'] })
  assert.deepEqual(await peerStoreAddresses(libp2p, node.id), [])
  assert.deepEqual(introduced, [])
  assert.deepEqual(introductions.known(), [])
})

test('an unchanged record is not announced again; a refresh merges its addresses again', async (t) => {
  const { fleet, introduced, start } = await setup(t)
  const introductions = await start()
  const node = testNode()
  await fleet.offer(encodedRecord(node, { seq: 1 }), NOW)
  await pollUntil(() => introduced.length > 0 ? true : undefined, 'the first introduction')
  await fleet.offer(encodedRecord(node, { seq: 2 }), NOW)
  // Introduced by the listener or directly, the same record makes no second announcement.
  await introductions.introduce((await fleet.get(node.id))?.record ?? assert.fail('the record is held'))
  assert.deepEqual(introduced, [node.id])
  assert.equal(await introductions.refresh(node.id), true)
  assert.equal(await introductions.refresh(testNode().id), false)
})

test('a record with the same addresses as the last one merges nothing: the refresh keeps them alive', async () => {
  const merged: string[] = []
  const self = testNode()
  const peerStore = { merge: async (peer: PeerId) => { merged.push(peer.toString()); return undefined as never } }
  const fleet = { onStored: () => () => {}, list: async () => [] }
  const introductions = new PeerIntroductions({ peerId: peerIdFromString(self.id), peerStore }, fleet, silentLogger(), { localHost: LOCAL_HOST })
  const node = testNode()
  const record = statusRecord(node)
  await introductions.introduce(record)
  await introductions.introduce({ ...record, seq: 2 })
  assert.deepEqual(merged, [node.id])
  await introductions.introduce({ ...record, seq: 3, addresses: [...record.addresses, '/ip4/192.0.2.11/tcp/4001'] })
  assert.equal(merged.length, 2, 'new addresses are merged')
  assert.equal(await introductions.refresh(node.id), true)
  assert.equal(merged.length, 3, 'the refresh merges them again')
})

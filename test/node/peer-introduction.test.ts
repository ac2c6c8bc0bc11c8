import { test } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { startMeshNode } from '../helpers/mesh.ts'
import { pollUntil } from '../helpers/poll.ts'
import type { TestMeshNode } from '../helpers/mesh.ts'

const peersOf = (node: TestMeshNode): string[] => node.mesh.libp2p?.getPeers().map(peer => peer.toString()) ?? []

test('with mDNS off and one bootstrap node, the nodes its records introduce connect to one another', async (t) => {
  const bootstrap = await startMeshNode(t)
  const others = await Promise.all(Array.from({ length: 6 }, async () => await startMeshNode(t, { bootstrap: bootstrap.mesh.addresses })))
  for (const node of [bootstrap, ...others]) await node.publish(1)
  const bootstrapId = bootstrap.identity.id
  await pollUntil(() => others.every(node => peersOf(node).some(id => id !== bootstrapId)) ? true : undefined,
    'every node to be connected to a peer other than the bootstrap node', 30_000)
  for (const node of others) assert.ok(peersOf(node).includes(bootstrapId), 'the bootstrap connection stays')
})

test('a peer known only from its gossiped status record can be dialled by peer id', async (t) => {
  const bootstrap = await startMeshNode(t)
  const [a, b] = await Promise.all([1, 2].map(async () => await startMeshNode(t, { bootstrap: bootstrap.mesh.addresses })))
  if (a === undefined || b === undefined) throw new Error('two nodes')
  await b.publish(1)
  const peerStore = a.mesh.libp2p?.peerStore
  const bAddresses = b.mesh.addresses.map(address => address.replace(/\/p2p\/[^/]+$/, ''))
  // Its record's addresses reach a's peer store through the fleet view, relayed by the bootstrap node.
  await pollUntil(async () => {
    const peer = await peerStore?.get(peerIdFromString(b.identity.id)).catch(() => undefined)
    return peer?.addresses.some(({ multiaddr }) => bAddresses.includes(multiaddr.toString())) === true ? true : undefined
  }, 'the record\'s addresses in the peer store')
  const connection = await a.mesh.libp2p?.dial(peerIdFromString(b.identity.id))
  assert.equal(connection?.remotePeer.toString(), b.identity.id)
})

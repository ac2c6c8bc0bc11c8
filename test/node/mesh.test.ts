import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeStatusRecord } from '../../protocol/status-record.ts'
import { statusTopic } from '../../node/mesh/mesh.ts'
import { fleetNodes, startMeshNode, statusRecord } from '../helpers/mesh.ts'
import { pollUntil } from '../helpers/poll.ts'
import type { TestMeshNode } from '../helpers/mesh.ts'

async function converged (nodes: TestMeshNode[], expected: Set<string>, what: string): Promise<void> {
  await pollUntil(async () => {
    for (const node of nodes) {
      const held = await fleetNodes(node)
      if (held.size !== expected.size || [...expected].some(id => !held.has(id))) return undefined
    }
    return true
  }, what, 20_000)
}

test('five nodes converge: every fleet view holds every node', async (t) => {
  const first = await startMeshNode(t)
  const others = await Promise.all([1, 2, 3, 4].map(async () => await startMeshNode(t, { bootstrap: first.mesh.addresses })))
  const nodes = [first, ...others]
  for (const node of nodes) await node.publish(1, ['P-1'])
  await converged(nodes, new Set(nodes.map(n => n.identity.id)), 'five fleet views to hold five nodes')
})

test('a newer record replaces the older one on every node', async (t) => {
  const first = await startMeshNode(t)
  const second = await startMeshNode(t, { bootstrap: first.mesh.addresses })
  await first.publish(1, ['P-1'])
  await converged([first, second], new Set([first.identity.id]), 'the first record')
  await first.publish(2, [])
  const record = await pollUntil(async () => {
    const held = await second.fleet.get(first.identity.id)
    return held?.record.seq === 2 ? held.record : undefined
  }, 'the newer record')
  assert.deepEqual(record.missing, [])
})

test('a node started later catches up through sync without new gossip', async (t) => {
  const first = await startMeshNode(t)
  const others = await Promise.all([1, 2, 3].map(async () => await startMeshNode(t, { bootstrap: first.mesh.addresses })))
  for (const node of [first, ...others]) await node.publish(1)
  const ids = new Set([first, ...others].map(n => n.identity.id))
  await converged([first, ...others], ids, 'four nodes to converge')
  const late = await startMeshNode(t, { bootstrap: first.mesh.addresses })
  await converged([late], ids, 'the late node to catch up')
})

test('two partitions that join converge on both sides', async (t) => {
  const a1 = await startMeshNode(t)
  const a2 = await startMeshNode(t, { bootstrap: a1.mesh.addresses })
  const b1 = await startMeshNode(t)
  const b2 = await startMeshNode(t, { bootstrap: b1.mesh.addresses })
  for (const node of [a1, a2, b1, b2]) await node.publish(1)
  await converged([a1, a2], new Set([a1.identity.id, a2.identity.id]), 'side A')
  await converged([b1, b2], new Set([b1.identity.id, b2.identity.id]), 'side B')
  // The partition heals: one link between the sides is enough.
  await a2.mesh.libp2p?.dial(b2.mesh.libp2p?.getMultiaddrs() ?? [])
  await converged([a1, a2, b1, b2], new Set([a1, a2, b1, b2].map(n => n.identity.id)), 'both sides after the partition healed')
})

test('tampered, other-mesh, replayed and oversized records are not stored', async (t) => {
  const honest = await startMeshNode(t)
  const liar = await startMeshNode(t, { bootstrap: honest.mesh.addresses })
  await pollUntil(() => liar.mesh.libp2p?.services.pubsub.getSubscribers(statusTopic('test-mesh')).length === 1 ? true : undefined, 'the gossip mesh')
  const pubsub = liar.mesh.libp2p?.services.pubsub
  const otherMesh = encodeStatusRecord(statusRecord(liar.identity.id, 5, [], 'other-mesh'), liar.identity.signingKey)
  const flipped = encodeStatusRecord(statusRecord(liar.identity.id, 6), liar.identity.signingKey)
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1
  const oversized = new Uint8Array(200 * 1024)
  for (const bytes of [otherMesh, flipped, oversized]) await pubsub?.publish(statusTopic('test-mesh'), bytes).catch(() => {})
  // A valid record sent last: once it arrives, the bad ones before it were judged.
  await liar.publish(7)
  await pollUntil(async () => (await honest.fleet.seq(liar.identity.id)) === 7 ? true : undefined, 'the valid record')
  // A replay of an older seq is ignored.
  await pubsub?.publish(statusTopic('test-mesh'), encodeStatusRecord(statusRecord(liar.identity.id, 3), liar.identity.signingKey)).catch(() => {})
  await liar.publish(8)
  await pollUntil(async () => (await honest.fleet.seq(liar.identity.id)) === 8 ? true : undefined, 'the next valid record')
})

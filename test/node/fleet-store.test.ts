import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openDatabase } from '../../node/db/database.ts'
import { DEFAULT_STALE_AFTER_MS, FleetStore } from '../../node/fleet/fleet-store.ts'
import { decodeStatusRecord } from '../../protocol/status-record.ts'
import { PUBLISHED_MS, encodedRecord, statusRecord, testNode } from '../helpers/status-records.ts'
import { tempDir } from '../helpers/temp.ts'
import type { NodeDatabase } from '../../node/db/database.ts'
import type { TestContext } from 'node:test'

const NOW = PUBLISHED_MS + 1_000
const HOUR_MS = 60 * 60 * 1000

async function openStore (t: TestContext, dataDir?: string): Promise<{ fleet: FleetStore, db: NodeDatabase, dataDir: string }> {
  const dir = dataDir ?? await tempDir(t)
  const db = await openDatabase(dir)
  t.after(async () => { if (db.status === 'open') await db.close() })
  return { fleet: new FleetStore(db), db, dataDir: dir }
}

test('a record with a higher seq replaces the one held for its node', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  assert.equal(await fleet.offer(encodedRecord(node, { seq: 1 }), NOW), 'stored')
  assert.equal(await fleet.offer(encodedRecord(node, { seq: 2, host: 'web-01-renamed' }), NOW), 'stored')
  assert.equal((await fleet.get(node.id))?.record.host, 'web-01-renamed')
  assert.equal(await fleet.seq(node.id), 2)
})

test('a record with an equal or lower seq is refused as a replay and changes nothing', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  const held = encodedRecord(node, { seq: 5 })
  await fleet.offer(held, NOW)
  assert.equal(await fleet.offer(encodedRecord(node, { seq: 5, host: 'other' }), NOW), 'stale-seq')
  assert.equal(await fleet.offer(encodedRecord(node, { seq: 4, host: 'older' }), NOW), 'stale-seq')
  assert.equal((await fleet.get(node.id))?.record.host, 'web-01')
  assert.deepEqual(await fleet.encoded(node.id), held)
})

test('a record that fails verification throws and leaves the held record in place', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  const held = encodedRecord(node, { seq: 1 })
  await fleet.offer(held, NOW)
  const tampered = encodedRecord(node, { seq: 2 })
  tampered[10] = (tampered[10] ?? 0) ^ 1
  await assert.rejects(fleet.offer(tampered, NOW), { code: 'ERR_BAD_SIGNATURE' })
  assert.deepEqual(await fleet.encoded(node.id), held)
})

test('an already decoded record is stored with its bytes', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  const bytes = encodedRecord(node)
  assert.equal(await fleet.offer({ bytes, record: decodeStatusRecord(bytes) }, NOW), 'stored')
  assert.deepEqual(await fleet.encoded(node.id), bytes)
})

test('concurrent offers of one node keep the highest seq', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  const results = await Promise.all([3, 1, 2].map(async seq => await fleet.offer(encodedRecord(node, { seq }), NOW)))
  assert.deepEqual(results, ['stored', 'stale-seq', 'stale-seq'])
  assert.equal((await fleet.get(node.id))?.record.seq, 3)
})

test('the encoded bytes are handed back exactly as received, decodable by a third node', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  const bytes = encodedRecord(node)
  await fleet.offer(bytes, NOW)
  const relayed = await fleet.encoded(node.id)
  assert.deepEqual(relayed, bytes)
  assert.deepEqual(decodeStatusRecord(relayed ?? new Uint8Array()), statusRecord(node))
  assert.equal(await fleet.encoded(testNode().id), undefined)
})

test('records, seqs and received times survive closing and reopening the database', async (t) => {
  const first = await openStore(t)
  const node = testNode()
  await first.fleet.offer(encodedRecord(node, { seq: 7 }), NOW)
  await first.db.close()
  const second = await openStore(t, first.dataDir)
  assert.deepEqual(await second.fleet.get(node.id), { record: statusRecord(node, { seq: 7 }), receivedAt: new Date(NOW).toISOString() })
  assert.deepEqual(await second.fleet.digest(), [[node.id, 7]])
  assert.equal(await second.fleet.offer(encodedRecord(node, { seq: 7 }), NOW), 'stale-seq')
})

test('list marks a record stale once its publishedAt is older than staleAfterMs', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  await fleet.offer(encodedRecord(node), NOW)
  const at = async (now: number, staleAfterMs?: number): Promise<boolean | undefined> =>
    (await fleet.list({ now, staleAfterMs }))[0]?.stale
  assert.equal(await at(PUBLISHED_MS + DEFAULT_STALE_AFTER_MS), false)
  assert.equal(await at(PUBLISHED_MS + DEFAULT_STALE_AFTER_MS + 1), true)
  assert.equal(await at(PUBLISHED_MS + 2 * HOUR_MS, HOUR_MS), true)
  assert.equal(await at(PUBLISHED_MS + HOUR_MS, HOUR_MS), false)
})

test('list returns every node\'s newest record', async (t) => {
  const { fleet } = await openStore(t)
  const nodes = [testNode(), testNode(), testNode()]
  for (const node of nodes) await fleet.offer(encodedRecord(node, { seq: 1 }), NOW)
  await fleet.offer(encodedRecord(nodes[0] ?? testNode(), { seq: 2 }), NOW)
  const listed = await fleet.list({ now: NOW })
  assert.deepEqual(listed.map(entry => [entry.record.node, entry.record.seq]).sort(), nodes.map((node, i) => [node.id, i === 0 ? 2 : 1]).sort())
  assert.ok(listed.every(entry => !entry.stale))
})

test('digest lists [node, seq] for every node held', async (t) => {
  const { fleet } = await openStore(t)
  assert.deepEqual(await fleet.digest(), [])
  const a = testNode()
  const b = testNode()
  await fleet.offer(encodedRecord(a, { seq: 3 }), NOW)
  await fleet.offer(encodedRecord(b, { seq: 9 }), NOW)
  await fleet.offer(encodedRecord(a, { seq: 4 }), NOW)
  assert.deepEqual(new Map(await fleet.digest()), new Map([[a.id, 4], [b.id, 9]]))
})

test('onStored listeners hear of every stored record, not of replays, until they unsubscribe', async (t) => {
  const { fleet } = await openStore(t)
  const node = testNode()
  const heard: number[] = []
  const unsubscribe = fleet.onStored(record => { heard.push(record.seq) })
  fleet.onStored(() => { throw new Error('a failing listener') })
  assert.equal(await fleet.offer(encodedRecord(node, { seq: 1 }), NOW), 'stored')
  await fleet.offer(encodedRecord(node, { seq: 1 }), NOW)
  assert.equal(await fleet.offer(encodedRecord(node, { seq: 2 }), NOW), 'stored')
  unsubscribe()
  await fleet.offer(encodedRecord(node, { seq: 3 }), NOW)
  assert.deepEqual(heard, [1, 2])
})

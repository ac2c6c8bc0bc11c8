import { test } from 'node:test'
import { seededRandom } from '../helpers/random.ts'
import assert from 'node:assert/strict'
import { openDatabase } from '../../node/db/database.ts'
import { FleetStore } from '../../node/fleet/fleet-store.ts'
import { RateLimiter } from '../../node/fleet/rate-limit.ts'
import { DEFAULT_MAX_CLOCK_SKEW_MS, validateStatusMessage } from '../../node/fleet/status-validator.ts'
import { MAX_STATUS_RECORD_BYTES } from '../../protocol/status-record.ts'
import {
  PUBLISHED_MS, TEST_MESH, encodedRecord, sealEnvelope, statusRecord, testNode
} from '../helpers/status-records.ts'
import { tempDir } from '../helpers/temp.ts'
import type { NodeDatabase } from '../../node/db/database.ts'
import type { StatusValidationContext, StatusVerdict } from '../../node/fleet/status-validator.ts'
import type { TestContext } from 'node:test'

const NOW = PUBLISHED_MS + 1_000

interface Setup {
  db: NodeDatabase
  fleet: FleetStore
  validate: (bytes: Uint8Array, overrides?: Partial<StatusValidationContext>) => Promise<StatusVerdict>
}

async function setup (t: TestContext, limiter = new RateLimiter()): Promise<Setup> {
  const db = await openDatabase(await tempDir(t))
  t.after(async () => { if (db.status === 'open') await db.close() })
  const fleet = new FleetStore(db)
  const validate = async (bytes: Uint8Array, overrides: Partial<StatusValidationContext> = {}): Promise<StatusVerdict> =>
    await validateStatusMessage(bytes, { mesh: TEST_MESH, fleet, limiter, now: NOW, ...overrides })
  return { db, fleet, validate }
}

function assertVerdict (verdict: StatusVerdict, result: StatusVerdict['result'], reason: StatusVerdict['reason']): void {
  assert.deepEqual([verdict.result, verdict.reason], [result, reason], 'detail' in verdict ? verdict.detail : '')
}

test('a valid new record is accepted and stored in the fleet view', async (t) => {
  const { fleet, validate } = await setup(t)
  const node = testNode()
  const verdict = await validate(encodedRecord(node))
  assertVerdict(verdict, 'accept', 'stored')
  assert.deepEqual(verdict.result === 'accept' ? verdict.record : undefined, statusRecord(node))
  assert.equal(await fleet.seq(node.id), 1)
})

test('a message over the size limit is rejected as too large', async (t) => {
  const { validate } = await setup(t)
  assertVerdict(await validate(new Uint8Array(MAX_STATUS_RECORD_BYTES + 1)), 'reject', 'too-large')
  assertVerdict(await validate(encodedRecord(testNode()), { maxBytes: 64 }), 'reject', 'too-large')
})

test('bytes that are not a status record are rejected as malformed', async (t) => {
  const { validate } = await setup(t)
  assertVerdict(await validate(new TextEncoder().encode('{"hello": "mesh"}')), 'reject', 'malformed')
})

test('a record whose address is not a multiaddr is rejected as malformed and not stored', async (t) => {
  const { fleet, validate } = await setup(t)
  const node = testNode()
  assertVerdict(await validate(sealEnvelope(statusRecord(node, { addresses: ['192.0.2.10:4001'] }), node.key)), 'reject', 'malformed')
  assert.equal(await fleet.seq(node.id), undefined)
})

test('a record with a bad signature is rejected and not stored', async (t) => {
  const { fleet, validate } = await setup(t)
  const node = testNode()
  const bytes = encodedRecord(node)
  bytes[20] = (bytes[20] ?? 0) ^ 1
  assertVerdict(await validate(bytes), 'reject', 'bad-signature')
  assert.equal(await fleet.seq(node.id), undefined)
})

test('a record naming another node than its signer is rejected', async (t) => {
  const { validate } = await setup(t)
  const victim = testNode()
  assertVerdict(await validate(sealEnvelope(statusRecord(victim, { seq: 99 }), testNode().key)), 'reject', 'wrong-signer')
})

test('a record of another mesh is rejected and not stored', async (t) => {
  const { fleet, validate } = await setup(t)
  const node = testNode()
  assertVerdict(await validate(encodedRecord(node, { mesh: 'other-mesh' })), 'reject', 'other-mesh')
  assert.equal(await fleet.seq(node.id), undefined)
})

test('a record dated more than the allowed skew ahead is rejected', async (t) => {
  const { validate } = await setup(t)
  const ahead = new Date(NOW + DEFAULT_MAX_CLOCK_SKEW_MS + 1_000).toISOString()
  assertVerdict(await validate(encodedRecord(testNode(), { publishedAt: ahead })), 'reject', 'from-the-future')
})

test('a record dated a little ahead, within the skew, is accepted', async (t) => {
  const { validate } = await setup(t)
  const ahead = new Date(NOW + DEFAULT_MAX_CLOCK_SKEW_MS - 1_000).toISOString()
  assertVerdict(await validate(encodedRecord(testNode(), { publishedAt: ahead })), 'accept', 'stored')
})

test('an old record is still accepted when it is the newest known for its node', async (t) => {
  const { validate } = await setup(t)
  assertVerdict(await validate(encodedRecord(testNode()), { now: PUBLISHED_MS + 30 * 24 * 3600_000 }), 'accept', 'stored')
})

test('a replay of the held record, or an older one, is ignored', async (t) => {
  const { validate } = await setup(t)
  const node = testNode()
  const held = encodedRecord(node, { seq: 5 })
  await validate(held)
  assertVerdict(await validate(held), 'ignore', 'stale-seq')
  assertVerdict(await validate(encodedRecord(node, { seq: 4 })), 'ignore', 'stale-seq')
})

test('a node publishing faster than its bucket refills is ignored while other nodes are accepted', async (t) => {
  const { validate } = await setup(t, new RateLimiter({ burst: 3 }))
  const flooder = testNode()
  const verdicts = []
  for (let seq = 1; seq <= 4; seq++) verdicts.push((await validate(encodedRecord(flooder, { seq }))).reason)
  assert.deepEqual(verdicts, ['stored', 'stored', 'stored', 'rate-limited'])
  assertVerdict(await validate(encodedRecord(testNode())), 'accept', 'stored')
})

test('replays and forgeries in a node\'s name do not use up its rate limit', async (t) => {
  const { validate } = await setup(t, new RateLimiter({ burst: 2 }))
  const node = testNode()
  const held = encodedRecord(node, { seq: 1 })
  await validate(held)
  for (let i = 0; i < 10; i++) await validate(held)
  for (let i = 0; i < 10; i++) await validate(sealEnvelope(statusRecord(node, { seq: 100 + i }), testNode().key))
  assertVerdict(await validate(encodedRecord(node, { seq: 2 })), 'accept', 'stored')
})

test('a record of a newer format is ignored, not rejected', async (t) => {
  const { validate } = await setup(t)
  const node = testNode()
  assertVerdict(await validate(sealEnvelope(statusRecord(node), node.key, 2)), 'ignore', 'unsupported-format')
})

test('a failure of this node\'s own database is ignored rather than blamed on the sender', async (t) => {
  const { db, validate } = await setup(t)
  await db.close()
  assertVerdict(await validate(encodedRecord(testNode())), 'ignore', 'internal-error')
})

test('something that is not bytes at all is rejected, not thrown', async (t) => {
  const { validate } = await setup(t)
  assertVerdict(await validate(undefined as unknown as Uint8Array), 'reject', 'malformed')
})

test('1,000 random and mutated messages never throw and are never accepted', async (t) => {
  const { validate } = await setup(t)
  const random = seededRandom(0x5eed)
  const node = testNode(7)
  const valid = encodedRecord(node, { seq: 2 })
  const byte = (): number => Math.floor(random() * 256)
  const counts = new Map<string, number>()
  for (let i = 0; i < 1_000; i++) {
    let bytes: Uint8Array
    if (i % 3 === 0) {
      bytes = Uint8Array.from({ length: Math.floor(random() * 2_000) }, byte)
    } else if (i % 3 === 1) {
      // Past the magic and format byte, so the fuzz reaches the signature check.
      bytes = new Uint8Array([...Buffer.from('PMSR\x01'), ...Array.from({ length: 96 + Math.floor(random() * 500) }, byte)])
    } else {
      // XOR with a non-zero byte at distinct positions, so every mutant really differs from the valid record.
      bytes = valid.slice()
      const positions = new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => Math.floor(random() * bytes.length)))
      for (const p of positions) bytes[p] = (bytes[p] ?? 0) ^ (1 + Math.floor(random() * 255))
    }
    const verdict = await validate(bytes)
    assert.notEqual(verdict.result, 'accept', `message ${i} was accepted`)
    counts.set(verdict.reason, (counts.get(verdict.reason) ?? 0) + 1)
  }
  t.diagnostic(`fuzz verdicts: ${JSON.stringify(Object.fromEntries(counts))}`)
})

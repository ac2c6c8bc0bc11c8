import { test } from 'node:test'
import assert from 'node:assert/strict'
import { statusRecordOf } from '../../node/mesh/status-of-scan.ts'
import { decodeStatusRecord, encodeStatusRecord } from '../../protocol/status-record.ts'
import { testNode } from '../helpers/status-records.ts'
import type { ScanRecord } from '../../protocol/scan-result.ts'

const node = testNode()
const scan: ScanRecord = {
  inventory: { host: 'web-01', os: 'debian', versionId: '12', packages: [], hotfixes: [] },
  catalog: { id: 'test-catalog', version: 1 },
  scannedAt: '2026-11-01T11:59:00.000Z',
  summary: { missing: 0, superseded: 0, installed: 0, 'not-applicable': 0 },
  states: '',
  supersededBy: []
}
const context = { mesh: 'test-mesh', node: node.id, seq: 1, site: 'berlin', agentVersion: '0.1.0', now: new Date('2026-11-01T12:00:00.000Z') }

test('a status record carries the addresses other computers can dial, as its peers will read them', () => {
  const listening = [`/ip4/127.0.0.1/tcp/4001/p2p/${node.id}`, `/ip4/10.1.20.7/tcp/4001/p2p/${node.id}`, '/ip4/0.0.0.0/tcp/4001']
  const record = statusRecordOf(scan, undefined, { ...context, addresses: listening })
  assert.deepEqual(record.addresses, ['/ip4/10.1.20.7/tcp/4001'])
  assert.deepEqual(decodeStatusRecord(encodeStatusRecord(record, node.key)), record)
})

test('a status record built without addresses carries none', () => {
  assert.deepEqual(statusRecordOf(scan, undefined, context).addresses, [])
})

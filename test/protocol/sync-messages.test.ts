import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MAX_SYNC_FRAME_BYTES, decodeSyncDigest, decodeSyncHello, decodeSyncOffer, decodeSyncReply, digestFingerprint,
  encodeSyncDigest, encodeSyncHello, encodeSyncOffer, encodeSyncReply
} from '../../protocol/sync-messages.ts'
import { expectFormatError } from '../helpers/format-error.ts'

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

test('the four sync frames round-trip', () => {
  const fingerprint = digestFingerprint([['a', 1]])
  assert.deepEqual(decodeSyncHello(encodeSyncHello({ fingerprint })), { fingerprint })
  assert.deepEqual(decodeSyncDigest(encodeSyncDigest({ same: false, status: [['a', 1], ['b', 2]] })), { same: false, status: [['a', 1], ['b', 2]] })
  const records = [new Uint8Array([1, 2, 3])]
  assert.deepEqual(decodeSyncOffer(encodeSyncOffer({ records, want: ['b'] })), { records, want: ['b'] })
  assert.deepEqual(decodeSyncReply(encodeSyncReply({ records })), { records })
})

test('fingerprints ignore order and change with any seq', () => {
  assert.equal(digestFingerprint([['a', 1], ['b', 2]]), digestFingerprint([['b', 2], ['a', 1]]))
  assert.notEqual(digestFingerprint([['a', 1], ['b', 2]]), digestFingerprint([['a', 1], ['b', 3]]))
})

test('frames that are not JSON objects are ERR_SCHEMA', () => {
  expectFormatError(() => decodeSyncHello(new TextEncoder().encode('not json')), 'ERR_SCHEMA')
  expectFormatError(() => decodeSyncDigest(bytes([1, 2])), 'ERR_SCHEMA')
})

test('a bad fingerprint, digest entry, want id or record is ERR_SCHEMA', () => {
  expectFormatError(() => decodeSyncHello(bytes({ fingerprint: 'xyz' })), 'ERR_SCHEMA')
  expectFormatError(() => decodeSyncDigest(bytes({ same: false, status: [['a', -1]] })), 'ERR_SCHEMA')
  expectFormatError(() => decodeSyncDigest(bytes({ status: [] })), 'ERR_SCHEMA')
  expectFormatError(() => decodeSyncOffer(bytes({ records: [], want: ['x'.repeat(200)] })), 'ERR_SCHEMA')
  expectFormatError(() => decodeSyncReply(bytes({ records: [42] })), 'ERR_SCHEMA')
})

test('a frame over the size limit is ERR_TOO_LARGE', () => {
  expectFormatError(() => decodeSyncReply(new Uint8Array(MAX_SYNC_FRAME_BYTES + 1)), 'ERR_TOO_LARGE')
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  BLOB_REQUEST_BYTES, MAX_BLOB_ANSWER_BYTES, decodeBlobAnswer, decodeBlobRequest, encodeBlobAnswer, encodeBlobRequest
} from '../../protocol/blob-messages.ts'
import type { BlobAnswerStatus, BlobRequestKind } from '../../protocol/blob-messages.ts'
import { MAX_CHUNK_INDEX_BYTES, MAX_CHUNK_SIZE } from '../../protocol/chunk-index.ts'
import { MAX_HAVE_CHUNKS } from '../../protocol/blob-have.ts'
import { expectFormatError } from '../helpers/format-error.ts'

const digest = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1)

for (const kind of ['index', 'chunk', 'have'] as const satisfies readonly BlobRequestKind[]) {
  test(`a ${kind} request round-trips`, () => {
    const request = { kind, digest, chunk: kind === 'chunk' ? 4242 : 0 }
    const encoded = encodeBlobRequest(request)
    assert.equal(encoded.byteLength, BLOB_REQUEST_BYTES)
    assert.deepEqual(decodeBlobRequest(encoded), request)
  })
}

test('a request carries chunk numbers up to the u32 maximum', () => {
  const request = { kind: 'chunk' as const, digest, chunk: 0xffff_ffff }
  assert.deepEqual(decodeBlobRequest(encodeBlobRequest(request)), request)
})

test('a request decodes from a view into a larger buffer', () => {
  const encoded = encodeBlobRequest({ kind: 'chunk', digest, chunk: 9 })
  const backing = new Uint8Array(encoded.byteLength + 10)
  backing.set(encoded, 5)
  assert.deepEqual(decodeBlobRequest(backing.subarray(5, 5 + encoded.byteLength)), { kind: 'chunk', digest, chunk: 9 })
})

test('a decoded request\'s digest does not alias the frame', () => {
  const encoded = encodeBlobRequest({ kind: 'index', digest, chunk: 0 })
  const decoded = decodeBlobRequest(encoded)
  encoded[1] = 0xee
  assert.deepEqual(decoded.digest, digest)
})

test('encoding a request with a digest that is not 32 bytes is ERR_SCHEMA', () => {
  expectFormatError(() => encodeBlobRequest({ kind: 'index', digest: new Uint8Array(31), chunk: 0 }), 'ERR_SCHEMA')
  expectFormatError(() => encodeBlobRequest({ kind: 'index', digest: new Uint8Array(33), chunk: 0 }), 'ERR_SCHEMA')
})

test('a request frame one byte short or long is ERR_SCHEMA', () => {
  const encoded = encodeBlobRequest({ kind: 'chunk', digest, chunk: 1 })
  expectFormatError(() => decodeBlobRequest(encoded.subarray(0, BLOB_REQUEST_BYTES - 1)), 'ERR_SCHEMA')
  expectFormatError(() => decodeBlobRequest(new Uint8Array(BLOB_REQUEST_BYTES + 1)), 'ERR_SCHEMA')
  expectFormatError(() => decodeBlobRequest(new Uint8Array(0)), 'ERR_SCHEMA')
})

test('a request of an unknown kind is ERR_UNSUPPORTED_FORMAT', () => {
  for (const kind of [3, 0x7f, 0xff]) {
    const encoded = encodeBlobRequest({ kind: 'index', digest, chunk: 0 })
    encoded[0] = kind
    expectFormatError(() => decodeBlobRequest(encoded), 'ERR_UNSUPPORTED_FORMAT')
  }
})

for (const status of ['ok', 'not-held', 'busy', 'bad-request'] as const satisfies readonly BlobAnswerStatus[]) {
  test(`a ${status} answer round-trips`, () => {
    const payload = status === 'ok' ? new Uint8Array([1, 2, 3, 250]) : new Uint8Array(0)
    assert.deepEqual(decodeBlobAnswer(encodeBlobAnswer({ status, payload })), { status, payload })
  })
}

test('an answer of the largest allowed size decodes', () => {
  const payload = new Uint8Array(MAX_BLOB_ANSWER_BYTES - 1).fill(9)
  const decoded = decodeBlobAnswer(encodeBlobAnswer({ status: 'ok', payload }))
  assert.equal(decoded.status, 'ok')
  assert.equal(decoded.payload.byteLength, MAX_BLOB_ANSWER_BYTES - 1)
})

test('the largest chunk, chunk index and have-map each fit in an answer', () => {
  for (const payloadBytes of [MAX_CHUNK_SIZE, MAX_CHUNK_INDEX_BYTES, Math.ceil(MAX_HAVE_CHUNKS / 8)]) {
    assert.ok(1 + payloadBytes <= MAX_BLOB_ANSWER_BYTES, `${payloadBytes} bytes`)
  }
})

test('an answer one byte over the limit is ERR_TOO_LARGE', () => {
  expectFormatError(() => decodeBlobAnswer(new Uint8Array(MAX_BLOB_ANSWER_BYTES + 1)), 'ERR_TOO_LARGE')
})

test('an empty answer frame is refused', () => {
  expectFormatError(() => decodeBlobAnswer(new Uint8Array(0)), 'ERR_SCHEMA')
})

test('an answer with an unknown status is ERR_UNSUPPORTED_FORMAT', () => {
  for (const status of [4, 0x80, 0xff]) {
    expectFormatError(() => decodeBlobAnswer(new Uint8Array([status, 1, 2])), 'ERR_UNSUPPORTED_FORMAT')
  }
})

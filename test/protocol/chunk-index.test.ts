import assert from 'node:assert/strict'
import { test } from 'node:test'
import { blobIdOf, sha256 } from '../../protocol/blob-id.ts'
import {
  ChunkIndexBuilder, DEFAULT_CHUNK_SIZE, MAX_BLOB_SIZE, MAX_CHUNK_INDEX_BYTES, MAX_CHUNK_SIZE, MAX_CHUNKS,
  chunkCount, chunkDigest, chunkIndexId, chunkRange, chunkSizeFor, decodeChunkIndex, encodeChunkIndex, verifyChunk
} from '../../protocol/chunk-index.ts'
import { FormatError } from '../../protocol/errors.ts'
import { expectFormatError } from '../helpers/format-error.ts'
import { seededRandom } from '../helpers/random.ts'
import type { ChunkIndex } from '../../protocol/chunk-index.ts'

/** 2.5 chunks of seeded bytes, so the last chunk is short. */
function sampleBlob (size = DEFAULT_CHUNK_SIZE * 2.5): Uint8Array {
  const random = seededRandom(size)
  return Uint8Array.from({ length: size }, () => Math.floor(random() * 256))
}

function indexOf (bytes: Uint8Array, pieceBytes = bytes.byteLength || 1): { index: ChunkIndex, digest: Uint8Array } {
  const builder = new ChunkIndexBuilder(chunkSizeFor(bytes.byteLength))
  for (let offset = 0; offset < bytes.byteLength; offset += pieceBytes) builder.update(bytes.subarray(offset, offset + pieceBytes))
  return builder.finish()
}

test('chunk sizes start at 256 KiB and double to keep at most 16,384 chunks', () => {
  assert.equal(chunkSizeFor(0), DEFAULT_CHUNK_SIZE)
  assert.equal(chunkSizeFor(MAX_CHUNKS * DEFAULT_CHUNK_SIZE), DEFAULT_CHUNK_SIZE)
  assert.equal(chunkSizeFor(MAX_CHUNKS * DEFAULT_CHUNK_SIZE + 1), 2 * DEFAULT_CHUNK_SIZE)
  assert.equal(chunkSizeFor(5 * 1024 ** 3), 512 * 1024)
  assert.equal(chunkSizeFor(MAX_BLOB_SIZE), MAX_CHUNK_SIZE)
  assert.equal(chunkCount(0, DEFAULT_CHUNK_SIZE), 0)
  assert.equal(chunkCount(DEFAULT_CHUNK_SIZE + 1, DEFAULT_CHUNK_SIZE), 2)
  expectFormatError(() => chunkSizeFor(MAX_BLOB_SIZE + 1), 'ERR_TOO_LARGE')
  expectFormatError(() => chunkSizeFor(-1), 'ERR_TOO_LARGE')
})

test('the builder gives the same digests whatever the piece sizes', () => {
  const bytes = sampleBlob()
  const whole = indexOf(bytes)
  assert.deepEqual(indexOf(bytes, 7777), whole)
  assert.deepEqual(whole.digest, sha256(bytes))
  assert.equal(whole.index.digests.byteLength, 3 * 32)
  for (let n = 0; n < 3; n++) {
    const { offset, length } = chunkRange(whole.index, n)
    assert.deepEqual(chunkDigest(whole.index, n), sha256(bytes.subarray(offset, offset + length)))
  }
})

test('an index round-trips and its id is the CID of its encoding', () => {
  const { index } = indexOf(sampleBlob())
  const encoded = encodeChunkIndex(index)
  assert.deepEqual([...encoded.subarray(0, 5)], [0x50, 0x4d, 0x43, 0x49, 1])
  const id = chunkIndexId(encoded)
  assert.equal(id, blobIdOf(encoded))
  assert.deepEqual(decodeChunkIndex(encoded, id), index)
  assert.deepEqual(decodeChunkIndex(encodeChunkIndex(indexOf(new Uint8Array(0)).index)), { size: 0, chunkSize: DEFAULT_CHUNK_SIZE, digests: new Uint8Array(0) })
})

test('chunk ranges cover the blob; a chunk number it does not have is ERR_SCHEMA', () => {
  const { index } = indexOf(sampleBlob())
  assert.deepEqual(chunkRange(index, 0), { offset: 0, length: DEFAULT_CHUNK_SIZE })
  assert.deepEqual(chunkRange(index, 2), { offset: 2 * DEFAULT_CHUNK_SIZE, length: DEFAULT_CHUNK_SIZE / 2 })
  for (const n of [-1, 3, 1.5, Number.NaN]) expectFormatError(() => chunkRange(index, n), 'ERR_SCHEMA')
})

test('verifyChunk accepts exactly the chunk and refuses a flipped byte or a wrong length', () => {
  const bytes = sampleBlob()
  const { index } = indexOf(bytes)
  const chunk = bytes.slice(DEFAULT_CHUNK_SIZE, 2 * DEFAULT_CHUNK_SIZE)
  assert.equal(verifyChunk(index, 1, chunk), true)
  assert.equal(verifyChunk(index, 0, chunk), false)
  assert.equal(verifyChunk(index, 1, chunk.subarray(1)), false)
  chunk[100] = (chunk[100] ?? 0) ^ 1
  assert.equal(verifyChunk(index, 1, chunk), false)
})

test('an index whose bytes do not hash to the expected id is ERR_DIGEST_MISMATCH', () => {
  const encoded = encodeChunkIndex(indexOf(sampleBlob()).index)
  const other = chunkIndexId(encodeChunkIndex(indexOf(new Uint8Array(1)).index))
  expectFormatError(() => decodeChunkIndex(encoded, other), 'ERR_DIGEST_MISMATCH')
  expectFormatError(() => decodeChunkIndex(encoded, 'not-a-cid'), 'ERR_SCHEMA')
})

test('hostile index bytes are refused with the code of their fault', () => {
  const encoded = encodeChunkIndex(indexOf(sampleBlob()).index)
  const edited = (edit: (bytes: Uint8Array) => void): Uint8Array => { const copy = encoded.slice(); edit(copy); return copy }
  expectFormatError(() => decodeChunkIndex(new Uint8Array(0)), 'ERR_SCHEMA')
  expectFormatError(() => decodeChunkIndex(encoded.subarray(0, 6)), 'ERR_SCHEMA')
  expectFormatError(() => decodeChunkIndex(encoded.subarray(0, encoded.byteLength - 1)), 'ERR_SCHEMA')
  expectFormatError(() => decodeChunkIndex(encoded.subarray(0, encoded.byteLength - 32)), 'ERR_SCHEMA')
  expectFormatError(() => decodeChunkIndex(Uint8Array.from([...encoded, ...new Uint8Array(32)])), 'ERR_SCHEMA')
  expectFormatError(() => decodeChunkIndex(edited(bytes => { bytes[0] = 0x51 })), 'ERR_SCHEMA')
  expectFormatError(() => decodeChunkIndex(edited(bytes => { bytes[4] = 2 })), 'ERR_UNSUPPORTED_FORMAT')
  expectFormatError(() => decodeChunkIndex(new Uint8Array(MAX_CHUNK_INDEX_BYTES + 1)), 'ERR_TOO_LARGE')
})

test('a varint that is not minimal, or a chunk size that is not the canonical one, is ERR_SCHEMA', () => {
  const header = [0x50, 0x4d, 0x43, 0x49, 1]
  // size 1 spelled in two bytes
  expectFormatError(() => decodeChunkIndex(Uint8Array.from([...header, 0x81, 0x00, 0x80, 0x80, 0x10, ...new Uint8Array(32)])), 'ERR_SCHEMA')
  // size 1 with 1-byte chunks instead of 256 KiB ones
  expectFormatError(() => decodeChunkIndex(Uint8Array.from([...header, 0x01, 0x01, ...new Uint8Array(32)])), 'ERR_SCHEMA')
  expectFormatError(() => encodeChunkIndex({ size: 10, chunkSize: 5, digests: new Uint8Array(64) }), 'ERR_SCHEMA')
  expectFormatError(() => encodeChunkIndex({ size: 10, chunkSize: DEFAULT_CHUNK_SIZE, digests: new Uint8Array(64) }), 'ERR_SCHEMA')
})

test('random damage to an index never escapes as anything but a FormatError', () => {
  const encoded = encodeChunkIndex(indexOf(sampleBlob(DEFAULT_CHUNK_SIZE * 3)).index)
  const random = seededRandom(0xc41c)
  for (let round = 0; round < 500; round++) {
    const bytes = encoded.slice(0, 1 + Math.floor(random() * encoded.byteLength))
    for (let flips = 0; flips < 3; flips++) bytes[Math.floor(random() * 12)] = Math.floor(random() * 256)
    try {
      decodeChunkIndex(bytes)
    } catch (err) {
      assert.ok(err instanceof FormatError, String(err))
    }
  }
})

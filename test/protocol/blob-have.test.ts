import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_BLOB_HAVE_BYTES, MAX_HAVE_CHUNKS, MAX_SITE_BYTES, decodeBlobHave, encodeBlobHave } from '../../protocol/blob-have.ts'
import type { BlobHave } from '../../protocol/blob-have.ts'
import { FormatError } from '../../protocol/errors.ts'
import { countHeld, emptyHaveMap, fullHaveMap, hasChunk, setChunk } from '../../protocol/have-map.ts'
import { MAX_CHUNKS } from '../../protocol/chunk-index.ts'
import { expectFormatError } from '../helpers/format-error.ts'
import { seededRandom } from '../helpers/random.ts'

// Layout offsets (see the comment in blob-have.ts): magic 0-3, format 4, flags 5, digest 6-37, count 38-41, site length 42.
const FORMAT_AT = 4
const FLAGS_AT = 5
const COUNT_AT = 38
const SITE_LENGTH_AT = 42
const HEADER_BYTES = 43

const digest = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)

/** A partial advertisement holding the given chunks. */
function partial (chunkCount: number, held: number[], site = 'branch-1'): BlobHave {
  const haveMap = emptyHaveMap(chunkCount)
  for (const n of held) setChunk(haveMap, n, true)
  return { digest, chunkCount, complete: false, wants: true, site, haveMap }
}

function complete (chunkCount: number, site = 'branch-1'): BlobHave {
  return { digest, chunkCount, complete: true, wants: false, site, haveMap: fullHaveMap(chunkCount) }
}

function setCount (bytes: Uint8Array, count: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(COUNT_AT, count)
  return bytes
}

// --- have-map helpers --------------------------------------------------------------------------

test('a have-map is one bit per chunk, rounded up to whole bytes', () => {
  assert.equal(emptyHaveMap(1).byteLength, 1)
  assert.equal(emptyHaveMap(8).byteLength, 1)
  assert.equal(emptyHaveMap(9).byteLength, 2)
  assert.equal(emptyHaveMap(MAX_HAVE_CHUNKS).byteLength, 2048)
})

test('a full have-map holds exactly its chunks and leaves the spare bits zero', () => {
  assert.deepEqual(fullHaveMap(1), Uint8Array.of(0x80))
  assert.deepEqual(fullHaveMap(8), Uint8Array.of(0xff))
  assert.deepEqual(fullHaveMap(9), Uint8Array.of(0xff, 0x80))
  const big = fullHaveMap(MAX_HAVE_CHUNKS)
  assert.equal(big.byteLength, 2048)
  assert.ok(big.every(byte => byte === 0xff))
})

test('countHeld counts the chunks of full and empty maps', () => {
  for (const chunks of [1, 8, 9, MAX_HAVE_CHUNKS]) {
    assert.equal(countHeld(fullHaveMap(chunks)), chunks)
    assert.equal(countHeld(emptyHaveMap(chunks)), 0)
  }
})

test('hasChunk reads chunk 0 from the high bit of byte 0', () => {
  assert.equal(hasChunk(Uint8Array.of(0x80), 0), true)
  assert.equal(hasChunk(Uint8Array.of(0x80), 7), false)
  assert.equal(hasChunk(Uint8Array.of(0x01), 7), true)
  assert.equal(hasChunk(Uint8Array.of(0x00, 0x80), 8), true)
})

test('hasChunk is false beyond the map and for negative chunk numbers', () => {
  const map = fullHaveMap(9)
  assert.equal(hasChunk(map, 8), true)
  assert.equal(hasChunk(map, 9), false)
  assert.equal(hasChunk(map, 16), false)
  assert.equal(hasChunk(map, 1_000_000), false)
  assert.equal(hasChunk(map, -1), false)
})

test('hasChunk sees the last of 16384 chunks', () => {
  const map = emptyHaveMap(MAX_HAVE_CHUNKS)
  setChunk(map, MAX_HAVE_CHUNKS - 1, true)
  assert.equal(hasChunk(map, MAX_HAVE_CHUNKS - 1), true)
  assert.equal(hasChunk(map, MAX_HAVE_CHUNKS - 2), false)
  assert.equal(countHeld(map), 1)
})

test('an advertisement can describe a blob of the most chunks a chunk index allows', () => {
  assert.ok(MAX_HAVE_CHUNKS >= MAX_CHUNKS)
})

// --- round trips -------------------------------------------------------------------------------

test('a complete advertisement round-trips without a have-map on the wire', () => {
  const have = complete(9)
  const encoded = encodeBlobHave(have)
  assert.equal(encoded.byteLength, HEADER_BYTES + 'branch-1'.length)
  assert.deepEqual(decodeBlobHave(encoded), have)
})

test('a partial advertisement round-trips with its have-map', () => {
  const have = partial(20, [0, 3, 8, 19])
  const decoded = decodeBlobHave(encodeBlobHave(have))
  assert.deepEqual(decoded, have)
  assert.deepEqual([0, 3, 8, 19].map(n => hasChunk(decoded.haveMap, n)), [true, true, true, true])
  assert.equal(countHeld(decoded.haveMap), 4)
})

for (const chunks of [1, 8, 9, MAX_HAVE_CHUNKS]) {
  test(`a partial advertisement of ${chunks} chunks round-trips`, () => {
    const have = partial(chunks, [0, chunks - 1])
    assert.deepEqual(decodeBlobHave(encodeBlobHave(have)), have)
  })
}

test('the wants flag round-trips independently of complete', () => {
  for (const wants of [true, false]) {
    assert.equal(decodeBlobHave(encodeBlobHave({ ...partial(4, [1]), wants })).wants, wants)
    assert.equal(decodeBlobHave(encodeBlobHave({ ...complete(4), wants })).wants, wants)
  }
})

test('a non-ASCII site name round-trips', () => {
  for (const site of ['Zürich-Süd', '東京支店', 'branch 🚀', '']) {
    assert.equal(decodeBlobHave(encodeBlobHave(partial(3, [1], site))).site, site)
  }
})

test('a site name of exactly the limit in UTF-8 bytes round-trips', () => {
  const site = 'é'.repeat(MAX_SITE_BYTES / 2) // two bytes each
  assert.equal(decodeBlobHave(encodeBlobHave(complete(2, site))).site, site)
})

test('encoding a site name over the limit in UTF-8 bytes is ERR_TOO_LARGE', () => {
  expectFormatError(() => encodeBlobHave(complete(2, 'é'.repeat(MAX_SITE_BYTES / 2 + 1))), 'ERR_TOO_LARGE')
})

test('the largest partial advertisement is within the size limit', () => {
  const encoded = encodeBlobHave(partial(MAX_HAVE_CHUNKS, [5], 'x'.repeat(MAX_SITE_BYTES)))
  assert.equal(encoded.byteLength, MAX_BLOB_HAVE_BYTES)
  assert.equal(decodeBlobHave(encoded).chunkCount, MAX_HAVE_CHUNKS)
})

test('a decoded advertisement does not alias the message bytes', () => {
  const encoded = encodeBlobHave(partial(8, [2]))
  const decoded = decodeBlobHave(encoded)
  encoded.fill(0)
  assert.deepEqual(decoded.digest, digest)
  assert.equal(hasChunk(decoded.haveMap, 2), true)
})

test('an advertisement decodes from a view into a larger buffer', () => {
  const have = partial(12, [11])
  const encoded = encodeBlobHave(have)
  const backing = new Uint8Array(encoded.byteLength + 7)
  backing.set(encoded, 3)
  assert.deepEqual(decodeBlobHave(backing.subarray(3, 3 + encoded.byteLength)), have)
})

test('encoding a digest that is not 32 bytes is refused', () => {
  assert.throws(() => encodeBlobHave({ ...complete(2), digest: new Uint8Array(31).fill(1) }), FormatError)
})

// --- hostile input -----------------------------------------------------------------------------

test('bad magic is ERR_SCHEMA', () => {
  const encoded = encodeBlobHave(partial(8, [1]))
  encoded[0] = 0x51
  expectFormatError(() => decodeBlobHave(encoded), 'ERR_SCHEMA')
})

test('a message shorter than the header is ERR_SCHEMA', () => {
  const encoded = encodeBlobHave(complete(8, ''))
  expectFormatError(() => decodeBlobHave(encoded.subarray(0, HEADER_BYTES - 1)), 'ERR_SCHEMA')
  expectFormatError(() => decodeBlobHave(new Uint8Array(0)), 'ERR_SCHEMA')
})

test('a format byte other than 1 is ERR_UNSUPPORTED_FORMAT', () => {
  for (const format of [0, 2, 0xff]) {
    const encoded = encodeBlobHave(partial(8, [1]))
    encoded[FORMAT_AT] = format
    expectFormatError(() => decodeBlobHave(encoded), 'ERR_UNSUPPORTED_FORMAT')
  }
})

test('unknown flag bits are ERR_SCHEMA', () => {
  for (const flag of [4, 8, 0x80]) {
    const encoded = encodeBlobHave(partial(8, [1]))
    encoded[FLAGS_AT] = (encoded[FLAGS_AT] as number) | flag
    expectFormatError(() => decodeBlobHave(encoded), 'ERR_SCHEMA')
  }
})

test('a chunk count of 0 (an empty blob) decodes with an empty have-map', () => {
  // chunk-index.ts: "an empty blob has none", so zero chunks is a valid advertisement, not an attack.
  const have = { digest, chunkCount: 0, complete: true, wants: true, site: 'branch-1', haveMap: new Uint8Array(0) }
  assert.deepEqual(decodeBlobHave(encodeBlobHave(have)), have)
  assert.deepEqual(decodeBlobHave(setCount(encodeBlobHave(complete(1)), 0)).haveMap, new Uint8Array(0))
})

test('a partial advertisement of 0 chunks that carries map bytes is ERR_SCHEMA', () => {
  const encoded = setCount(encodeBlobHave(partial(8, [1])), 0) // one map byte, but zero chunks need none
  expectFormatError(() => decodeBlobHave(encoded), 'ERR_SCHEMA')
})

test('a chunk count over MAX_HAVE_CHUNKS is ERR_SCHEMA', () => {
  expectFormatError(() => decodeBlobHave(setCount(encodeBlobHave(complete(1)), MAX_HAVE_CHUNKS + 1)), 'ERR_SCHEMA')
  expectFormatError(() => decodeBlobHave(setCount(encodeBlobHave(complete(1)), 0xffff_ffff)), 'ERR_SCHEMA')
})

test('a have-map shorter or longer than the chunk count needs is ERR_SCHEMA', () => {
  const encoded = encodeBlobHave(partial(9, [0])) // two map bytes
  expectFormatError(() => decodeBlobHave(encoded.subarray(0, encoded.byteLength - 1)), 'ERR_SCHEMA')
  const longer = new Uint8Array(encoded.byteLength + 1)
  longer.set(encoded)
  expectFormatError(() => decodeBlobHave(longer), 'ERR_SCHEMA')
})

test('a complete advertisement that carries a have-map is ERR_SCHEMA', () => {
  const encoded = encodeBlobHave(partial(8, [0]))
  encoded[FLAGS_AT] = (encoded[FLAGS_AT] as number) | 1
  expectFormatError(() => decodeBlobHave(encoded), 'ERR_SCHEMA')
})

test('a site length that disagrees with the message length is ERR_SCHEMA', () => {
  const encoded = encodeBlobHave(complete(8, 'abc'))
  encoded[SITE_LENGTH_AT] = 4
  expectFormatError(() => decodeBlobHave(encoded), 'ERR_SCHEMA')
})

test('a site length over MAX_SITE_BYTES is ERR_SCHEMA even when the length adds up', () => {
  // Complete, so there is no map: header + 65 bytes of "site".
  const bytes = new Uint8Array(HEADER_BYTES + MAX_SITE_BYTES + 1)
  bytes.set(encodeBlobHave(complete(8, '')))
  bytes[SITE_LENGTH_AT] = MAX_SITE_BYTES + 1
  bytes.fill(0x61, HEADER_BYTES)
  expectFormatError(() => decodeBlobHave(bytes), 'ERR_SCHEMA')
})

test('a site that is not UTF-8 is ERR_SCHEMA', () => {
  for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
    const encoded = encodeBlobHave(complete(8, 'x'.repeat(bad.length)))
    encoded.set(bad, HEADER_BYTES)
    expectFormatError(() => decodeBlobHave(encoded), 'ERR_SCHEMA')
  }
})

test('spare bits set beyond the last chunk are ERR_SCHEMA', () => {
  const encoded = encodeBlobHave(partial(9, [0]))
  encoded[encoded.byteLength - 1] = 0x80 | 0x01 // chunk 8 held, plus bit for nonexistent chunk 15
  expectFormatError(() => decodeBlobHave(encoded), 'ERR_SCHEMA')
  const one = encodeBlobHave(partial(1, [0]))
  one[one.byteLength - 1] = 0xc0 // chunk 1 of a one-chunk blob
  expectFormatError(() => decodeBlobHave(one), 'ERR_SCHEMA')
})

test('a message over MAX_BLOB_HAVE_BYTES is ERR_TOO_LARGE', () => {
  const bytes = new Uint8Array(MAX_BLOB_HAVE_BYTES + 1)
  bytes.set(encodeBlobHave(partial(MAX_HAVE_CHUNKS, [0], 'x'.repeat(MAX_SITE_BYTES))))
  expectFormatError(() => decodeBlobHave(bytes), 'ERR_TOO_LARGE')
  expectFormatError(() => decodeBlobHave(new Uint8Array(10 * 1024 * 1024)), 'ERR_TOO_LARGE')
})

test('1,000 seeded random and mutated messages decode or throw FormatError, nothing else', () => {
  const random = seededRandom(0x5eed_b10b)
  const int = (below: number): number => Math.floor(random() * below)
  const seeds = [partial(9, [0, 8]), complete(3, 'Zürich'), partial(MAX_HAVE_CHUNKS, [1, 100], 'site'), partial(1, [], '')].map(encodeBlobHave)
  let decoded = 0
  for (let i = 0; i < 1000; i++) {
    let bytes: Uint8Array
    if (i % 2 === 0) {
      // Pure noise, half of it behind a valid magic and format so the later checks are reached.
      bytes = Uint8Array.from({ length: int(MAX_BLOB_HAVE_BYTES + 16) }, () => int(256))
      if (i % 4 === 0 && bytes.byteLength >= 5) bytes.set([0x50, 0x4d, 0x42, 0x48, 1])
    } else {
      // A valid message with a few bytes flipped, and sometimes truncated or extended.
      const seed = seeds[int(seeds.length)] as Uint8Array
      bytes = seed.slice()
      for (let flips = 1 + int(4); flips > 0; flips--) bytes[int(Math.min(bytes.byteLength, 60))] = int(256)
      const cut = int(3)
      if (cut === 1) bytes = bytes.subarray(0, int(bytes.byteLength + 1))
      if (cut === 2) bytes = Uint8Array.from([...bytes, ...Array.from({ length: int(8) }, () => int(256))])
    }
    try {
      const have = decodeBlobHave(bytes)
      decoded++
      assert.ok(have.chunkCount >= 0 && have.chunkCount <= MAX_HAVE_CHUNKS)
      assert.equal(have.haveMap.byteLength, Math.ceil(have.chunkCount / 8))
    } catch (err) {
      assert.ok(err instanceof FormatError, `case ${i}: ${String(err)}`)
    }
  }
  assert.ok(decoded > 0, 'some mutated messages still decode, so the fuzz reaches the end of the decoder')
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { crc32 } from 'node:zlib'
import { evaluate } from '../../protocol/applicability.ts'
import { buildScanIndex } from '../../protocol/scan-index.ts'
import { MAX_SCAN_INDEX_BYTES, decodeScanIndex, encodeScanIndex } from '../../protocol/scan-index-codec.ts'
import { expectFormatError } from '../helpers/format-error.ts'
import { debian, indexFixture, wideFixture } from './scan-index-fixture.ts'
import type { ScanIndex } from '../../protocol/scan-index.ts'

const index = buildScanIndex(indexFixture())
const encoded = encodeScanIndex(index)
const wide = buildScanIndex(wideFixture())

// Header layout (see scan-index-codec.ts): checksum at 12 over bytes 16.., 10 counts from 24, then column widths.
const CHECKSUM_OFFSET = 12
const COUNTS_OFFSET = 24
const WIDTHS_OFFSET = 64

/** The index with every column as a plain array: decoding may narrow the column types. */
function plain (scan: ScanIndex): Record<string, unknown> {
  return Object.fromEntries(Object.entries(scan).map(([key, value]) => [key, ArrayBuffer.isView(value) ? Array.from(value as Uint32Array) : value]))
}

/** A copy of the file with `edit` applied and the checksum made right again, as a deliberate edit would. */
function resealed (edit: (bytes: Uint8Array, view: DataView) => void): Uint8Array {
  const bytes = encoded.slice()
  const view = new DataView(bytes.buffer)
  edit(bytes, view)
  view.setUint32(CHECKSUM_OFFSET, crc32(bytes.subarray(16)), true)
  return bytes
}

/** The file of a copy of the index changed by `change`: well-formed bytes describing a broken index. */
function encodedWith (change: (scan: ScanIndex) => void): Uint8Array {
  const copy = { ...index, ...Object.fromEntries(Object.entries(index).map(([key, value]) => [key, ArrayBuffer.isView(value) ? (value as Uint32Array).slice() : value])) } as ScanIndex
  change(copy)
  return encodeScanIndex(copy)
}

test('an index decodes to what was encoded', () => {
  assert.deepEqual(plain(decodeScanIndex(encoded)), plain(index))
})

test('a decoded index evaluates exactly as the index it was encoded from', () => {
  const inventory = debian([{ name: 'openssl', version: '1.5-1' }, { name: 'libüñï', version: '1.0~a' }])
  assert.deepEqual(evaluate(decodeScanIndex(encoded), inventory), evaluate(index, inventory))
})

test('columns are stored in the narrowest width their values fit', () => {
  const decoded = decodeScanIndex(encodeScanIndex(wide))
  assert.ok(decoded.patchProduct instanceof Uint8Array)
  assert.ok(decoded.order instanceof Uint16Array)
  assert.ok(decoded.stringEnd instanceof Uint32Array)
})

test('an index decodes from a buffer at an odd offset, where its wider columns cannot be views', () => {
  const bytes = encodeScanIndex(wide)
  const shifted = new Uint8Array(bytes.byteLength + 1)
  shifted.set(bytes, 1)
  assert.deepEqual(plain(decodeScanIndex(shifted.subarray(1))), plain(wide))
})

test('a truncated file is refused with ERR_SCHEMA', () => {
  expectFormatError(() => decodeScanIndex(encoded.subarray(0, encoded.byteLength - 1)), 'ERR_SCHEMA')
  expectFormatError(() => decodeScanIndex(encoded.subarray(0, 20)), 'ERR_SCHEMA')
  expectFormatError(() => decodeScanIndex(new Uint8Array(0)), 'ERR_SCHEMA')
})

test('a file with bytes appended is refused with ERR_SCHEMA', () => {
  const longer = new Uint8Array(encoded.byteLength + 4)
  longer.set(encoded)
  expectFormatError(() => decodeScanIndex(longer), 'ERR_SCHEMA')
})

test('a flipped byte anywhere after the header fields is refused by the checksum with ERR_SCHEMA', () => {
  for (let at = 16; at < encoded.byteLength; at += 7) {
    const damaged = encoded.slice()
    damaged[at] = (damaged[at] as number) ^ 0x10
    const error = expectFormatError(() => decodeScanIndex(damaged), 'ERR_SCHEMA')
    assert.match(error.message, /checksum/)
  }
})

test('a file that is not a scan index is refused with ERR_SCHEMA', () => {
  const other = encoded.slice()
  other[0] = 0x7b
  expectFormatError(() => decodeScanIndex(other), 'ERR_SCHEMA')
})

test('a format version this node does not know is refused with ERR_UNSUPPORTED_FORMAT', () => {
  const newer = encoded.slice()
  new DataView(newer.buffer).setUint32(4, 2, true)
  expectFormatError(() => decodeScanIndex(newer), 'ERR_UNSUPPORTED_FORMAT')
})

test('a count larger than any file could hold is refused with ERR_TOO_LARGE', () => {
  for (let field = 0; field < 10; field++) {
    const huge = resealed((_, view) => { view.setUint32(COUNTS_OFFSET + 4 * field, 0xffffffff, true) })
    expectFormatError(() => decodeScanIndex(huge), 'ERR_TOO_LARGE')
  }
})

test('counts that describe another size than the file\'s are refused with ERR_SCHEMA', () => {
  const more = resealed((_, view) => { view.setUint32(COUNTS_OFFSET + 4 * 4, view.getUint32(COUNTS_OFFSET + 4 * 4, true) + 1, true) })
  expectFormatError(() => decodeScanIndex(more), 'ERR_SCHEMA')
})

test('a file larger than the limit is refused with ERR_TOO_LARGE before anything else', () => {
  expectFormatError(() => decodeScanIndex(encoded, { maxBytes: encoded.byteLength - 1 }), 'ERR_TOO_LARGE')
  assert.ok(MAX_SCAN_INDEX_BYTES >= 64 * 1024 * 1024)
})

test('a column width other than 1, 2 or 4 is refused with ERR_SCHEMA', () => {
  expectFormatError(() => decodeScanIndex(resealed(bytes => { bytes[WIDTHS_OFFSET] = 3 })), 'ERR_SCHEMA')
})

test('references out of range are refused with ERR_SCHEMA, even under a right checksum', () => {
  const broken: Record<string, (scan: ScanIndex) => void> = {
    'a patch\'s product': scan => { scan.patchProduct[0] = 9 },
    'a fix\'s group': scan => { scan.fixGroup[0] = 99 },
    'a fix\'s rank beyond its group': scan => { scan.fixRank[0] = 50 },
    'a group\'s name': scan => { scan.groupName[0] = 999 },
    'a group\'s family': scan => { scan.groupFamily[0] = 2 },
    'a group version': scan => { scan.groupVersion[0] = 999 },
    'a hotfix id': scan => { scan.hotfixId[0] = 999 },
    'a superseded patch': scan => { scan.supersedes[0] = 99 },
    'decreasing offsets': scan => { scan.fixStart[1] = 3; scan.fixStart[2] = 1 },
    'offsets past the end': scan => { scan.fixStart[scan.fixStart.length - 1] = 99 }
  }
  for (const [what, change] of Object.entries(broken)) {
    const error = expectFormatError(() => decodeScanIndex(encodedWith(change)), 'ERR_SCHEMA')
    assert.doesNotMatch(error.message, /checksum/, what)
  }
})

test('an order that lists a patch twice, or after a patch it supersedes, is refused with ERR_SCHEMA', () => {
  expectFormatError(() => decodeScanIndex(encodedWith(scan => { scan.order[1] = scan.order[0] as number })), 'ERR_SCHEMA')
  expectFormatError(() => decodeScanIndex(encodedWith(scan => { scan.order.reverse() })), 'ERR_SCHEMA')
})

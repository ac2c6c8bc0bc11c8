import { crc32 } from 'node:zlib'
import { FormatError } from './errors.ts'
import { FAMILY_CODES } from './scan-index.ts'
import { checkOffsets, checkScanIndex } from './scan-index-check.ts'
import type { FormatErrorCode } from './errors.ts'
import type { Fail } from './scan-index-check.ts'
import type { ScanIndex, ScanProduct, UintColumn } from './scan-index.ts'

/**
 * The scan index as one binary file, so a fresh process loads it with one read and typed-array
 * views instead of parsing JSON. Little-endian throughout:
 *
 *   header: "PMSI", format (u32), total bytes (u32), CRC-32 of every byte after that field (u32),
 *     catalog version (f64), the counts in COUNT_FIELDS order (u32 each), then one byte per
 *     column giving its width: 1, 2 or 4 bytes per value, the narrowest its values fit
 *   the columns in COLUMNS order, each padded to a multiple of 4 bytes; then the string table as UTF-8
 *
 * The string table holds the index's strings, then the catalog id, then each product's detect
 * pairs (os, versionId) in product order; `stringEnd` gives each one's end in UTF-16 units.
 */

/** The largest scan index file we read: far above what a MAX_CATALOG_BYTES catalog compiles to. */
export const MAX_SCAN_INDEX_BYTES = 256 * 1024 * 1024
export const SCAN_INDEX_FORMAT = 1

const MAGIC = [0x50, 0x4d, 0x53, 0x49] // "PMSI"
const FORMAT_OFFSET = 4
const LENGTH_OFFSET = 8
const CHECKSUM_OFFSET = 12
/** The checksum covers everything from here on. */
const CHECKED_FROM = 16
const VERSION_OFFSET = 16
const COUNTS_OFFSET = 24
const COUNT_FIELDS = ['strings', 'stringBytes', 'products', 'detects', 'patches', 'groups', 'groupVersions', 'fixes', 'hotfixes', 'supersedes'] as const
const WIDTHS_OFFSET = COUNTS_OFFSET + 4 * COUNT_FIELDS.length

type Counts = Record<typeof COUNT_FIELDS[number], number>
type Width = 1 | 2 | 4
type IndexColumn = 'patchProduct' | 'groupFamily' | 'groupName' | 'groupStart' | 'groupVersion' | 'fixStart' | 'fixGroup' | 'fixRank' |
  'hotfixStart' | 'hotfixId' | 'supersedesStart' | 'supersedes' | 'order'
type Column = IndexColumn | 'stringEnd' | 'productFamily' | 'detectStart'

/** Every column in file order, with its length from the counts. */
const COLUMNS: ReadonlyArray<[Column, (c: Counts) => number]> = [
  ['stringEnd', c => c.strings + 1 + 2 * c.detects],
  ['productFamily', c => c.products],
  ['detectStart', c => c.products + 1],
  ['patchProduct', c => c.patches],
  ['groupFamily', c => c.groups],
  ['groupName', c => c.groups],
  ['groupStart', c => c.groups + 1],
  ['groupVersion', c => c.groupVersions],
  ['fixStart', c => c.patches + 1],
  ['fixGroup', c => c.fixes],
  ['fixRank', c => c.fixes],
  ['hotfixStart', c => c.patches + 1],
  ['hotfixId', c => c.hotfixes],
  ['supersedesStart', c => c.patches + 1],
  ['supersedes', c => c.supersedes],
  ['order', c => c.patches]
]
const HEADER_BYTES = align4(WIDTHS_OFFSET + COLUMNS.length)

const utf8Encoder = new TextEncoder()
// Not fatal: the checksum already vouches for the bytes, and the fatal decoder is markedly slower.
// Bytes that are not UTF-8 despite it decode to U+FFFD, and the string ends then fail to match.
const utf8Decoder = new TextDecoder('utf-8')
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/** Encodes a scan index into its file form. */
export function encodeScanIndex (index: ScanIndex): Uint8Array {
  const extra = [index.catalogId, ...index.products.flatMap(p => p.detect.flat())]
  let end = index.stringText.length
  const utf8 = utf8Encoder.encode(index.stringText + extra.join(''))
  const counts: Counts = {
    strings: index.stringEnd.length,
    stringBytes: utf8.byteLength,
    products: index.products.length,
    detects: index.products.reduce((sum, p) => sum + p.detect.length, 0),
    patches: index.patchProduct.length,
    groups: index.groupName.length,
    groupVersions: index.groupVersion.length,
    fixes: index.fixGroup.length,
    hotfixes: index.hotfixId.length,
    supersedes: index.supersedes.length
  }
  const detectStart = [0]
  for (const product of index.products) detectStart.push((detectStart.at(-1) ?? 0) + product.detect.length)
  const columns: Record<Column, ArrayLike<number>> = {
    ...pick(index),
    stringEnd: [...index.stringEnd, ...extra.map(s => (end += s.length))],
    productFamily: index.products.map(p => FAMILY_CODES.indexOf(p.family)),
    detectStart
  }

  const widths = COLUMNS.map(([name]) => widthFor(columns[name]))
  const bytes = new Uint8Array(totalBytes(counts, widths))
  const view = new DataView(bytes.buffer)
  bytes.set(MAGIC)
  view.setUint32(FORMAT_OFFSET, SCAN_INDEX_FORMAT, true)
  view.setUint32(LENGTH_OFFSET, bytes.byteLength, true)
  view.setFloat64(VERSION_OFFSET, index.catalogVersion, true)
  COUNT_FIELDS.forEach((field, i) => { view.setUint32(COUNTS_OFFSET + 4 * i, counts[field], true) })
  bytes.set(widths, WIDTHS_OFFSET)
  let offset = HEADER_BYTES
  COLUMNS.forEach(([name], c) => {
    const column = columns[name]
    const width = widths[c] as Width
    for (let i = 0; i < column.length; i++) {
      const value = column[i] as number
      if (width === 1) view.setUint8(offset + i, value)
      else if (width === 2) view.setUint16(offset + 2 * i, value, true)
      else view.setUint32(offset + 4 * i, value, true)
    }
    offset += align4(width * column.length)
  })
  bytes.set(utf8, offset)
  view.setUint32(CHECKSUM_OFFSET, crc32(bytes.subarray(CHECKED_FROM)), true)
  return bytes
}

/**
 * Decodes a scan index file, checking its size, header, checksum and that every offset and
 * reference is in range, so a damaged file fails with FormatError instead of scanning wrongly.
 * The columns are views of `bytes` where alignment allows: the caller must not reuse the buffer.
 */
export function decodeScanIndex (bytes: Uint8Array, options: { maxBytes?: number, source?: string } = {}): ScanIndex {
  const { source } = options
  const maxBytes = options.maxBytes ?? MAX_SCAN_INDEX_BYTES
  const fail = (code: FormatErrorCode, detail: string): FormatError => new FormatError(code, detail, { source })
  if (bytes.byteLength > maxBytes) throw fail('ERR_TOO_LARGE', `${bytes.byteLength} bytes; the limit is ${maxBytes}`)
  if (bytes.byteLength < HEADER_BYTES) throw fail('ERR_SCHEMA', `${bytes.byteLength} bytes is too short for a scan index (truncated?)`)
  if (MAGIC.some((byte, i) => bytes[i] !== byte)) throw fail('ERR_SCHEMA', 'not a scan index (its first bytes are not "PMSI")')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const format = view.getUint32(FORMAT_OFFSET, true)
  if (format !== SCAN_INDEX_FORMAT) throw fail('ERR_UNSUPPORTED_FORMAT', `scan index format ${format}; this node reads format ${SCAN_INDEX_FORMAT}`)
  const declared = view.getUint32(LENGTH_OFFSET, true)
  if (declared !== bytes.byteLength) throw fail('ERR_SCHEMA', `${bytes.byteLength} bytes; the header says ${declared} (truncated or appended to)`)
  if (crc32(bytes.subarray(CHECKED_FROM)) !== view.getUint32(CHECKSUM_OFFSET, true)) throw fail('ERR_SCHEMA', 'checksum mismatch: the file is damaged')

  const catalogVersion = view.getFloat64(VERSION_OFFSET, true)
  if (!Number.isSafeInteger(catalogVersion) || catalogVersion < 0) throw fail('ERR_SCHEMA', `catalog version ${catalogVersion}; expected a non-negative integer`)
  const counts = Object.fromEntries(COUNT_FIELDS.map((field, i) => [field, view.getUint32(COUNTS_OFFSET + 4 * i, true)])) as Counts
  for (const field of COUNT_FIELDS) {
    // No count can exceed what fits in the largest file; checked first so the sum below stays exact.
    if (counts[field] > maxBytes) throw fail('ERR_TOO_LARGE', `count "${field}" is ${counts[field]}; no index within ${maxBytes} bytes holds that many`)
  }
  const widths = COLUMNS.map(([name], c) => {
    const width = bytes[WIDTHS_OFFSET + c]
    if (width !== 1 && width !== 2 && width !== 4) throw fail('ERR_SCHEMA', `column "${name}" has width ${width}; expected 1, 2 or 4`)
    return width
  })
  const expected = totalBytes(counts, widths)
  if (expected !== bytes.byteLength) throw fail('ERR_SCHEMA', `the counts describe ${expected} bytes; the file holds ${bytes.byteLength}`)

  const columns = {} as Record<Column, UintColumn>
  let offset = HEADER_BYTES
  COLUMNS.forEach(([name, length], c) => {
    const width = widths[c] as Width
    columns[name] = readColumn(bytes, offset, length(counts), width)
    offset += align4(width * length(counts))
  })
  const text = decodeText(bytes.subarray(offset), columns.stringEnd, fail)
  const ends = columns.stringEnd
  const extra = (i: number): string => text.slice(ends[counts.strings + i - 1], ends[counts.strings + i])
  checkOffsets(columns.detectStart, counts.detects, 'detectStart', fail)
  const products: ScanProduct[] = []
  for (let p = 0; p < counts.products; p++) {
    const family = FAMILY_CODES[columns.productFamily[p] as number]
    if (family == null) throw fail('ERR_SCHEMA', `product ${p} has family code ${columns.productFamily[p]}; expected 0 to ${FAMILY_CODES.length - 1}`)
    const detect: ScanProduct['detect'] = []
    for (let d = columns.detectStart[p] as number; d < (columns.detectStart[p + 1] as number); d++) detect.push([extra(1 + 2 * d), extra(2 + 2 * d)])
    products.push({ family, detect })
  }
  const index: ScanIndex = {
    catalogId: extra(0),
    catalogVersion,
    products,
    stringText: text.slice(0, counts.strings === 0 ? 0 : ends[counts.strings - 1]),
    stringEnd: ends.subarray(0, counts.strings),
    ...pick(columns)
  }
  checkScanIndex(index, fail)
  return index
}

function pick<T extends Record<IndexColumn, unknown>> (from: T): Pick<T, IndexColumn> {
  const { patchProduct, groupFamily, groupName, groupStart, groupVersion, fixStart, fixGroup, fixRank, hotfixStart, hotfixId, supersedesStart, supersedes, order } = from
  return { patchProduct, groupFamily, groupName, groupStart, groupVersion, fixStart, fixGroup, fixRank, hotfixStart, hotfixId, supersedesStart, supersedes, order }
}

function totalBytes (counts: Counts, widths: Width[]): number {
  const columns = COLUMNS.reduce((sum, [, length], c) => sum + align4((widths[c] as Width) * length(counts)), 0)
  return HEADER_BYTES + columns + counts.stringBytes
}

function align4 (bytes: number): number {
  return Math.ceil(bytes / 4) * 4
}

function widthFor (column: ArrayLike<number>): Width {
  let max = 0
  for (let i = 0; i < column.length; i++) max = Math.max(max, column[i] as number)
  return max <= 0xff ? 1 : max <= 0xffff ? 2 : 4
}

/** A column as a view where the platform and alignment allow one, else a little-endian copy. */
function readColumn (bytes: Uint8Array, offset: number, length: number, width: Width): UintColumn {
  const start = bytes.byteOffset + offset
  if (width === 1) return new Uint8Array(bytes.buffer, start, length)
  if (LITTLE_ENDIAN && start % width === 0) return width === 2 ? new Uint16Array(bytes.buffer, start, length) : new Uint32Array(bytes.buffer, start, length)
  const view = new DataView(bytes.buffer, start, width * length)
  const copy = width === 2 ? new Uint16Array(length) : new Uint32Array(length)
  for (let i = 0; i < length; i++) copy[i] = width === 2 ? view.getUint16(2 * i, true) : view.getUint32(4 * i, true)
  return copy
}

/** The whole string table as one string (one decode, no per-string work), its ends checked. */
function decodeText (utf8: Uint8Array, ends: UintColumn, fail: Fail): string {
  const text = utf8Decoder.decode(utf8)
  let start = 0
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i] as number
    if (end < start) throw fail('ERR_SCHEMA', `string ${i} ends at ${end}, before it starts at ${start}`)
    start = end
  }
  if (start !== text.length) throw fail('ERR_SCHEMA', `the strings end at ${start}; the table holds ${text.length} characters`)
  return text
}

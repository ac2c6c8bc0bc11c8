import assert from 'node:assert/strict'
import { test } from 'node:test'
import { renderHolders, renderTransfers, shortBlobId } from '../../node/cli/transfers-render.ts'
import type { BlobReport } from '../../node/blobs/blob-service.ts'
import type { Transfers } from '../../node/cli/transfers-render.ts'

const NO_UPLOADS = { chunks: 0, bytesSameSite: 0, bytesOtherSites: 0, busyAnswers: 0 }

/** A blob id that ends in `tag`, as long as a real CIDv1. */
function blobId (tag: string): string {
  return 'bafkrei' + tag.padStart(52, 'x')
}

function blob (tag: string, fields: Partial<BlobReport> = {}): BlobReport {
  return { blobId: blobId(tag), size: 4_000_000, chunkCount: 4, chunksHeld: 4, complete: true, holdersBySite: {}, ...fields }
}

/** The table's rows, without the head lines above it. */
function tableRows (text: string): string[] {
  return text.split('\n\n')[1]?.split('\n').slice(1) ?? []
}

test('incomplete blobs come first; within each group the node\'s order stays', () => {
  const transfers: Transfers = {
    blobs: [blob('done1'), blob('half', { chunksHeld: 2, complete: false }), blob('done2'), blob('none', { chunksHeld: 0, complete: false })],
    uploads: NO_UPLOADS
  }
  const rows = tableRows(renderTransfers(transfers))
  assert.deepEqual(rows.map(row => row.split(' ')[0]), ['bafk…xxxxhalf', 'bafk…xxxxnone', 'bafk…xxxdone1', 'bafk…xxxdone2'])
  assert.match(rows[0] ?? '', /\[#####\.\.\.\.\.\]  50%/)
  assert.match(rows[1] ?? '', /\[\.{10}\]   0%/)
  assert.match(rows[2] ?? '', /\[#{10}\] 100%/)
})

test('the summary line counts the blobs and the incomplete ones', () => {
  assert.match(renderTransfers({ blobs: [blob('a'), blob('b', { complete: false, chunksHeld: 1 })], uploads: NO_UPLOADS }), /^2 blobs, 1 incomplete\n/)
  assert.match(renderTransfers({ blobs: [blob('a')], uploads: NO_UPLOADS }), /^1 blob, all complete\n/)
})

test('holders per site: complete peers as a count, partial ones added, sites in name order, peers without a site last', () => {
  assert.equal(renderHolders({ hq: { complete: 3, partial: 0 }, '': { complete: 0, partial: 1 }, b1: { complete: 1, partial: 2 }, b2: { complete: 0, partial: 4 } }),
    'b1 1 + 2 partial, b2 4 partial, hq 3, (no site) 1 partial')
  assert.equal(renderHolders({}), 'none')
  assert.equal(renderHolders({ hq: { complete: 0, partial: 0 } }), 'none', 'a site with no holder left is not shown')
})

test('sizes and received bytes are shown in B, kB, MB and GB', () => {
  const text = renderTransfers({
    blobs: [
      blob('big', { size: 2_500_000_000, complete: false, chunksHeld: 1, received: { sameSite: 1_500_000, otherSites: 320_000, corruptChunks: 0 } }),
      blob('small', { size: 512, received: { sameSite: 512, otherSites: 0, corruptChunks: 0 } })
    ],
    uploads: NO_UPLOADS
  })
  const [big = '', small = ''] = tableRows(text)
  assert.match(big, /2\.5 GB .* 1\.5 MB +320 kB /)
  assert.match(small, /512 B .* 512 B +0 B /)
  assert.match(text, /^Received 1\.5 MB from this site, 320 kB from other sites$/m)
})

test('a blob the node did not download since it started shows no received figures', () => {
  const [row = ''] = tableRows(renderTransfers({ blobs: [blob('imported')], uploads: NO_UPLOADS }))
  assert.match(row, /100% +- +- +none$/)
  assert.match(renderTransfers({ blobs: [blob('imported')], uploads: NO_UPLOADS }), /^Received nothing from peers since the node started$/m)
})

test('no blobs gives one clear line, then what the node served', () => {
  assert.equal(renderTransfers({ blobs: [], uploads: NO_UPLOADS }), 'No blobs: this node holds none and fetches none.\nServed nothing to peers yet')
})

test('the uploads line splits what the node served by destination and names busy refusals', () => {
  const text = renderTransfers({ blobs: [blob('a')], uploads: { chunks: 20, bytesSameSite: 12_000_000, bytesOtherSites: 4_000_000, busyAnswers: 2 } })
  assert.match(text, /^Served 12 MB to this site, 4\.0 MB to other sites; 2 requests turned away, all slots busy$/m)
  assert.match(renderTransfers({ blobs: [blob('a')], uploads: { ...NO_UPLOADS, chunks: 1, bytesOtherSites: 1000 } }), /^Served 0 B to this site, 1\.0 kB to other sites$/m)
})

test('a blob whose chunk index has not arrived shows no bar and no size', () => {
  const [row = ''] = tableRows(renderTransfers({ blobs: [blob('new', { size: 0, chunkCount: 0, chunksHeld: 0, complete: false })], uploads: NO_UPLOADS }))
  assert.match(row, /^bafk…xxxxxnew +\? +no index yet /)
})

test('the corrupt column appears only when some chunk was refused, and the total is in the head', () => {
  const clean = renderTransfers({ blobs: [blob('a', { received: { sameSite: 1, otherSites: 0, corruptChunks: 0 } })], uploads: NO_UPLOADS })
  assert.doesNotMatch(clean, /CORRUPT|corrupt/)
  const dirty = renderTransfers({ blobs: [blob('a', { received: { sameSite: 1, otherSites: 0, corruptChunks: 3 } }), blob('b')], uploads: NO_UPLOADS })
  assert.match(dirty.split('\n\n')[1] ?? '', /^BLOB .* FROM OTHERS +CORRUPT +PEERS/)
  assert.match(dirty, /; 3 corrupt chunks refused$/m)
  assert.match(tableRows(dirty)[0] ?? '', / 3 +none$/)
})

test('on a terminal, height caps the lines and the rows left out are counted', () => {
  const blobs = [...Array.from({ length: 6 }, (_, i) => blob(`done${i}`)), blob('late', { complete: false, chunksHeld: 1 })]
  const text = renderTransfers({ blobs, uploads: NO_UPLOADS }, { height: 10 })
  assert.equal(text.split('\n').length, 10)
  assert.match(tableRows(text)[0] ?? '', /^bafk…xxxxlate/, 'the incomplete blob is among the rows shown')
  assert.match(text, /\n… and 3 more blobs, all complete$/)
  assert.equal(renderTransfers({ blobs, uploads: NO_UPLOADS }).split('\n').length, 4 + 1 + 7, 'without a height every blob has its row')
})

test('on a terminal, width cuts the holders column so rows do not wrap', () => {
  const text = renderTransfers({ blobs: [blob('a', { holdersBySite: { 'headquarters-building-north': { complete: 12, partial: 30 } } })], uploads: NO_UPLOADS }, { width: 80 })
  for (const line of tableRows(text)) assert.ok(line.length <= 80, line)
  assert.match(tableRows(text)[0] ?? '', /…$/)
})

test('a short blob id keeps "bafk" and the last 8 characters', () => {
  assert.equal(shortBlobId(blobId('12345678')), 'bafk…12345678')
  assert.equal(shortBlobId('bafkreiabc'), 'bafkreiabc', 'an id already short stays whole')
})

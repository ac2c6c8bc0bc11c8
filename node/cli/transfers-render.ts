import { formatBytes, renderBar } from './progress.ts'
import { renderTable } from './table.ts'
import type { UploadCounters } from '../blobs/blob-server.ts'
import type { BlobReport } from '../blobs/blob-service.ts'

/** A node's /api/v1/blobs answer: every blob it holds or fetches, and what it served to peers. */
export interface Transfers {
  blobs: BlobReport[]
  uploads: UploadCounters
}

/** Narrower than `blob get`'s bar, so that on an 80-column terminal some room is left for the holders. */
const TABLE_BAR_WIDTH = 10
/** The summary, received and served lines, and the blank line above the table. */
const HEAD_LINES = 4
const HEADERS = ['BLOB', 'SIZE', 'PROGRESS', 'FROM SITE', 'FROM OTHERS', 'CORRUPT', 'PEERS HOLDING IT, BY SITE']
const CORRUPT_COLUMN = HEADERS.indexOf('CORRUPT')

/**
 * The transfers view: totals, what the node served, then one row per blob, incomplete blobs first.
 * On a terminal, `width` cuts the rows and `height` caps the lines (the rows left out are counted).
 */
export function renderTransfers (transfers: Transfers, options: { width?: number, height?: number } = {}): string {
  const { blobs, uploads } = transfers
  if (blobs.length === 0) return `No blobs: this node holds none and fetches none.\n${renderServed(uploads)}`
  // A stable sort keeps the node's order within each group, so rows do not jump about between refreshes.
  const sorted = [...blobs].sort((a, b) => Number(a.complete) - Number(b.complete))
  const incomplete = blobs.filter(b => !b.complete).length
  const sum = (pick: (r: NonNullable<BlobReport['received']>) => number): number => blobs.reduce((total, b) => total + (b.received == null ? 0 : pick(b.received)), 0)
  const corrupt = sum(r => r.corruptChunks)
  // The node counts received bytes in memory: they start from zero when it restarts.
  const received = blobs.some(b => b.received != null)
    ? `Received ${formatBytes(sum(r => r.sameSite))} from this site, ${formatBytes(sum(r => r.otherSites))} from other sites` +
      (corrupt > 0 ? `; ${count(corrupt, 'corrupt chunk')} refused` : '')
    : 'Received nothing from peers since the node started'
  const head = [`${count(blobs.length, 'blob')}, ${incomplete === 0 ? 'all complete' : `${incomplete} incomplete`}`, received, renderServed(uploads)]
  // The table's header line and, when rows are left out, the line that counts them.
  const room = options.height == null ? Infinity : Math.max(1, options.height - HEAD_LINES - 2)
  const shown = sorted.length > room ? sorted.slice(0, room) : sorted
  let rows = shown.map(blobRow)
  let headers = HEADERS
  // Corrupt chunks are the exception: their column appears only when there are some.
  if (corrupt === 0) {
    headers = headers.filter((_, i) => i !== CORRUPT_COLUMN)
    rows = rows.map(row => row.filter((_, i) => i !== CORRUPT_COLUMN))
  }
  const table = renderTable(headers, rows, { width: options.width })
  const left = sorted.slice(shown.length)
  const leftIncomplete = left.filter(b => !b.complete).length
  const more = left.length === 0 ? '' : `\n… and ${count(left.length, 'more blob')}, ${leftIncomplete === 0 ? 'all complete' : `${leftIncomplete} incomplete`}`
  return `${head.join('\n')}\n\n${table}${more}`
}

/** A blob id short enough for a table: every blob id starts "bafkrei", so after a hint of that, its end tells blobs apart. */
export function shortBlobId (blobId: string): string {
  return blobId.length <= 16 ? blobId : `${blobId.slice(0, 4)}…${blobId.slice(-8)}`
}

/** Peers that advertised the blob, per site, in site order: "b1 1 + 2 partial, hq 3" (1 peer holds all of it, 2 hold parts). */
export function renderHolders (holdersBySite: BlobReport['holdersBySite']): string {
  const sites = Object.entries(holdersBySite)
    .filter(([, h]) => h.complete + h.partial > 0)
    // Peers without a site last, after the named sites.
    .sort(([a], [b]) => Number(a === '') - Number(b === '') || a.localeCompare(b))
  if (sites.length === 0) return 'none'
  return sites.map(([site, { complete, partial }]) => {
    const held = partial === 0 ? String(complete) : complete === 0 ? `${partial} partial` : `${complete} + ${partial} partial`
    return `${site === '' ? '(no site)' : site} ${held}`
  }).join(', ')
}

function blobRow (blob: BlobReport): string[] {
  // Until the chunk index arrives the node knows neither size nor chunk count: a bar would say 100%.
  const indexed = blob.chunkCount > 0 || blob.complete
  const received = blob.received
  return [
    shortBlobId(blob.blobId),
    indexed ? formatBytes(blob.size) : '?',
    indexed ? renderBar(blob.chunksHeld, blob.chunkCount, TABLE_BAR_WIDTH) : 'no index yet',
    // No figures for a blob this node did not download since it started (imported, or held from before).
    received == null ? '-' : formatBytes(received.sameSite),
    received == null ? '-' : formatBytes(received.otherSites),
    String(received?.corruptChunks ?? 0),
    renderHolders(blob.holdersBySite)
  ]
}

function renderServed (uploads: UploadCounters): string {
  const served = uploads.chunks === 0
    ? 'Served nothing to peers yet'
    : `Served ${formatBytes(uploads.bytesSameSite)} to this site, ${formatBytes(uploads.bytesOtherSites)} to other sites`
  // Busy answers mean peers wanted more than the upload slots allow.
  return served + (uploads.busyAnswers > 0 ? `; ${count(uploads.busyAnswers, 'request')} turned away, all slots busy` : '')
}

function count (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

import { open } from 'node:fs/promises'
import { FormatError } from '../../protocol/errors.ts'
import { MAX_SCAN_INDEX_BYTES, decodeScanIndex, encodeScanIndex } from '../../protocol/scan-index-codec.ts'
import { writeFileAtomic } from '../atomic-write.ts'
import type { ScanIndex } from '../../protocol/scan-index.ts'

/** The scan index's file in the node's data folder, beside the database. */
export const SCAN_INDEX_FILE = 'scan-index.bin'

/** Reads and decodes a scan index file; throws FormatError for a damaged file and the file system's error otherwise. */
export async function readScanIndexFile (path: string): Promise<ScanIndex> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    if (size > MAX_SCAN_INDEX_BYTES) throw new FormatError('ERR_TOO_LARGE', `${size} bytes; the limit is ${MAX_SCAN_INDEX_BYTES}`, { source: path })
    // One read into a buffer of the file's size: the columns become views of it, nothing is copied.
    const bytes = new Uint8Array(size)
    const { bytesRead } = await handle.read(bytes, 0, size, 0)
    return decodeScanIndex(bytes.subarray(0, bytesRead), { source: path })
  } finally {
    await handle.close()
  }
}

/**
 * Writes a scan index file so that a crash leaves either the old file or the new one: a temporary
 * file, synced, then renamed over. A lost rename only costs a rebuild, as the header names the
 * catalog and the store checks it, so the folder itself is not synced.
 */
export async function writeScanIndexFile (path: string, index: ScanIndex): Promise<void> {
  await writeFileAtomic(path, encodeScanIndex(index))
}

import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { chunkRange, verifyChunk } from '../../protocol/chunk-index.ts'
import { isMissingFile } from './layout.ts'
import type { FileHandle } from 'node:fs/promises'
import type { ChunkIndex } from '../../protocol/chunk-index.ts'

/** The outcome of reading a file's chunks back. */
export interface ChunkCheck {
  /** Chunks whose bytes on disk do not match the index: changed, cut off, or the file is gone. */
  corrupt: number[]
  /** sha2-256 of the chunks read, in order: the whole file's digest when every chunk was asked for. */
  digest: Uint8Array
}

/**
 * Reads the given chunks (ascending) of a blob file one at a time into one reused buffer, so a
 * file of any size is checked in the memory of one chunk.
 */
export async function checkChunks (path: string, index: ChunkIndex, chunks: number[], signal?: AbortSignal): Promise<ChunkCheck> {
  const whole = createHash('sha256')
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if (isMissingFile(err)) return { corrupt: [...chunks], digest: new Uint8Array(whole.digest()) }
    throw err
  }
  try {
    const buffer = Buffer.allocUnsafe(index.chunkSize)
    const corrupt: number[] = []
    for (const n of chunks) {
      signal?.throwIfAborted()
      const bytes = await readRange(handle, chunkRange(index, n), buffer)
      whole.update(bytes)
      if (!verifyChunk(index, n, bytes)) corrupt.push(n)
    }
    return { corrupt, digest: new Uint8Array(whole.digest()) }
  } finally {
    await handle.close()
  }
}

/** Writes all of `bytes` at `position` (null: at the file's current position), however many writes it takes. */
export async function writeFully (handle: FileHandle, bytes: Uint8Array, position: number | null): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position === null ? null : position + done)
    done += bytesWritten
  }
}

/** Reads `length` bytes at `offset` into `buffer`; fewer when the file ends first. */
export async function readRange (handle: FileHandle, range: { offset: number, length: number }, buffer: Uint8Array): Promise<Uint8Array> {
  let got = 0
  while (got < range.length) {
    const { bytesRead } = await handle.read(buffer, got, range.length - got, range.offset + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return buffer.subarray(0, got)
}

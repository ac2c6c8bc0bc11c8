import { open } from 'node:fs/promises'
import { FormatError } from '../protocol/errors.ts'
import { NodeError } from './errors.ts'
import type { NodeErrorCode } from './errors.ts'

const READ_CHUNK_BYTES = 1024 * 1024

/**
 * Reads an input file of at most `maxBytes`, turning I/O failures into a NodeError with `code`.
 * Reads incrementally rather than trusting the size on disk, so a device or a growing file cannot
 * make us allocate more than the limit.
 */
export async function readInputFile (path: string, what: string, code: NodeErrorCode, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw ioError(path, what, code, err)
  }
  try {
    const { size } = await handle.stat()
    if (size > maxBytes) throw tooLarge(path, what, maxBytes)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      signal?.throwIfAborted()
      const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES)
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > maxBytes) throw tooLarge(path, what, maxBytes)
      chunks.push(chunk.subarray(0, bytesRead))
    }
    return Buffer.concat(chunks, total)
  } catch (err) {
    if (err instanceof FormatError || (err as { name?: string }).name === 'AbortError') throw err
    throw ioError(path, what, code, err)
  } finally {
    await handle.close()
  }
}

function tooLarge (path: string, what: string, maxBytes: number): FormatError {
  return new FormatError('ERR_TOO_LARGE', `${what} is larger than the limit of ${maxBytes} bytes`, { source: path })
}

function ioError (path: string, what: string, code: NodeErrorCode, err: unknown): NodeError {
  const reason = (err as { code?: string }).code === 'ENOENT' ? 'not found' : (err as Error).message
  return new NodeError(code, `${path}: cannot read ${what}: ${reason}`, { cause: err })
}

// The file a scenario distributes: random (incompressible) bytes of a given size, and its SHA-256,
// against which every node's copy is checked.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'

const WRITE_CHUNK_BYTES = 4 * 1024 * 1024

export interface SourceFile {
  path: string
  /** The file name, as served and as each node stores it. */
  name: string
  size: number
  sha256: string
}

/** Writes `size` random bytes to `path`. */
export async function writeRandomFile (path: string, size: number): Promise<SourceFile> {
  const hash = createHash('sha256')
  const file = await open(path, 'wx')
  try {
    for (let written = 0; written < size;) {
      const chunk = randomBytes(Math.min(WRITE_CHUNK_BYTES, size - written))
      hash.update(chunk)
      await file.write(chunk)
      written += chunk.length
    }
  } finally {
    await file.close()
  }
  return { path, name: basename(path), size, sha256: hash.digest('hex') }
}

/** SHA-256 of a file, hex; undefined when it does not exist. */
export async function sha256File (path: string): Promise<string | undefined> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return hash.digest('hex')
}

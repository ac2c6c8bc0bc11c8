import { randomUUID } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { BlobId } from '../../protocol/blob-id.ts'

const PARTIAL_FOLDER = 'partial'
const TEMP_FOLDER = 'tmp'

/**
 * Where blobs live under `<dataDir>/blobs/`: complete blobs as `blobs/<blobId>`, downloads in
 * progress as `blobs/partial/<blobId>`, imports being hashed in `blobs/tmp/`. All on one file
 * system, so moving a file into place is an atomic rename.
 */
export class BlobLayout {
  readonly root: string
  readonly #partial: string
  readonly #temp: string

  constructor (dataDir: string) {
    this.root = join(dataDir, 'blobs')
    this.#partial = join(this.root, PARTIAL_FOLDER)
    this.#temp = join(this.root, TEMP_FOLDER)
  }

  /** A complete blob's file. */
  complete (blobId: BlobId): string {
    return join(this.root, blobId)
  }

  /** A partial download's file: chunks sit at their offsets, the rest is holes. */
  partial (blobId: BlobId): string {
    return join(this.#partial, blobId)
  }

  /** A fresh name for an import in progress. */
  temp (): string {
    return join(this.#temp, randomUUID())
  }

  /** Creates the folders and drops imports that a previous run left unfinished. */
  async prepare (): Promise<void> {
    await rm(this.#temp, { recursive: true, force: true })
    for (const dir of [this.root, this.#partial, this.#temp]) await mkdir(dir, { recursive: true, mode: 0o700 })
  }

  /** Removes complete and partial files that no record names (a begin or import that stopped before recording). */
  async sweep (known: Set<BlobId>): Promise<void> {
    for (const dir of [this.root, this.#partial]) {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isFile() && !known.has(entry.name)) await rm(join(dir, entry.name), { force: true })
      }
    }
  }
}

/** True when a file exists at `path`. */
export async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err) {
    if (isMissingFile(err)) return false
    throw err
  }
}

/** Renames `from` to `to` and syncs the target folder, so the move survives a power cut. */
export async function durableRename (from: string, to: string): Promise<void> {
  await rename(from, to)
  await syncFolder(dirname(to))
  if (dirname(from) !== dirname(to)) await syncFolder(dirname(from))
}

/** True for the error a file system gives for a missing file. */
export function isMissingFile (err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'ENOENT'
}

async function syncFolder (dir: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

import { open, rename } from 'node:fs/promises'

/**
 * Writes a file so that a crash leaves either the old content or the new, never a mix: a temporary
 * file beside it, synced, then renamed over it. One process owns a data folder (the database lock),
 * so a fixed temporary name is safe, and a crash's leftover is simply overwritten next time.
 */
export async function writeFileAtomic (path: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  const temporary = `${path}.tmp`
  const handle = await open(temporary, 'w', mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, path)
}

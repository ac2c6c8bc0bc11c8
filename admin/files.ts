import { open, unlink } from 'node:fs/promises'
import { AdminError } from './errors.ts'

/**
 * Creates `path` with `mode` (never overwriting: ERR_EXISTS), writes and syncs it; removes the
 * partial file if writing fails, so a retry is not blocked by half a file.
 */
export async function writeNewFile (path: string, text: string, mode: number): Promise<void> {
  let handle
  try {
    handle = await open(path, 'wx', mode)
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new AdminError('ERR_EXISTS', `${path} already exists; refusing to overwrite it`, { cause: err })
    throw new AdminError('ERR_WRITE', `cannot write ${path}: ${(err as Error).message}`, { cause: err })
  }
  try {
    await handle.writeFile(text)
    await handle.sync()
    await handle.close()
  } catch (err) {
    await handle.close().catch(() => {})
    await unlink(path).catch(() => {})
    throw new AdminError('ERR_WRITE', `cannot write ${path}: ${(err as Error).message}`, { cause: err })
  }
}

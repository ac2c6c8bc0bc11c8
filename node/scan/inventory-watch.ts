import { watch } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { FSWatcher } from 'node:fs'
import type { Logger } from '../log.ts'

/**
 * Calls `onChange` when any of the files changes. Package managers replace their databases by
 * renaming a new file over the old one, so the folder is watched and events filtered by name.
 * A path that cannot be watched is logged, not fatal: scheduled scans still pick changes up.
 */
export function watchInventory (files: string[], onChange: () => void, logger: Logger): () => void {
  const namesByFolder = new Map<string, Set<string>>()
  for (const file of files) {
    const names = namesByFolder.get(dirname(file)) ?? new Set<string>()
    names.add(basename(file))
    namesByFolder.set(dirname(file), names)
  }
  const watchers: FSWatcher[] = []
  for (const [folder, names] of namesByFolder) {
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (name == null || names.has(name.toString())) onChange()
      })
      watcher.on('error', err => logger.warn({ err, folder }, 'inventory watch failed; scheduled scans continue'))
      watchers.push(watcher)
    } catch (err) {
      logger.warn({ err, folder }, 'cannot watch inventory source; changes are picked up by scheduled scans')
    }
  }
  return () => { for (const watcher of watchers) watcher.close() }
}

import { access } from 'node:fs/promises'
import { DEFAULT_DPKG_STATUS_PATH, DpkgInventoryProvider } from './dpkg.ts'
import { InventoryFileProvider } from './inventory-file.ts'
import { RpmInventoryProvider } from './rpm.ts'
import { NodeError } from '../errors.ts'
import type { InventoryProvider } from './provider.ts'

export interface InventorySourceOptions {
  inventoryFile?: string
  dpkgStatus?: string
  osRelease?: string
  rpm?: boolean
}

/** Picks the provider the options name, or the one this computer has: dpkg first, then rpm. */
export async function selectInventoryProvider (options: InventorySourceOptions): Promise<InventoryProvider> {
  if (options.inventoryFile != null) return new InventoryFileProvider(options.inventoryFile)
  const osReleasePath = options.osRelease
  if (options.dpkgStatus != null) return new DpkgInventoryProvider({ statusPath: options.dpkgStatus, osReleasePath })
  if (options.rpm === true) return new RpmInventoryProvider({ osReleasePath })
  if (await exists(DEFAULT_DPKG_STATUS_PATH)) return new DpkgInventoryProvider({ osReleasePath })
  if (await exists('/var/lib/rpm')) return new RpmInventoryProvider({ osReleasePath })
  throw new NodeError('ERR_INVENTORY_SOURCE', 'no inventory source found on this computer (no dpkg status file, no rpm database); give --inventory FILE')
}

async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

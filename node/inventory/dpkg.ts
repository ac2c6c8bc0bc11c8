import { hostname } from 'node:os'
import { parseDpkgStatus } from './dpkg-status.ts'
import { DEFAULT_OS_RELEASE_PATH, readOsRelease } from './os-release.ts'
import { readInputFile } from '../read-input.ts'
import type { InventoryProvider } from './provider.ts'
import type { Inventory } from '../../protocol/inventory-types.ts'

export const DEFAULT_DPKG_STATUS_PATH = '/var/lib/dpkg/status'
/** A status file with every package of Debian installed is ~100 MiB; anything beyond is not a status file. */
export const MAX_DPKG_STATUS_BYTES = 256 * 1024 * 1024

export interface DpkgProviderInit {
  /** @default '/var/lib/dpkg/status' */
  statusPath?: string
  /** @default '/etc/os-release' */
  osReleasePath?: string
  /** @default the computer's hostname */
  host?: string
}

/** Inventory from a dpkg status file plus an os-release file. */
export class DpkgInventoryProvider implements InventoryProvider {
  readonly description: string
  readonly watchPaths: string[]
  readonly #statusPath: string
  readonly #osReleasePath: string
  readonly #host: string

  constructor (init: DpkgProviderInit = {}) {
    this.#statusPath = init.statusPath ?? DEFAULT_DPKG_STATUS_PATH
    this.#osReleasePath = init.osReleasePath ?? DEFAULT_OS_RELEASE_PATH
    this.#host = init.host ?? hostname()
    this.description = `dpkg status ${this.#statusPath}`
    this.watchPaths = [this.#statusPath]
  }

  async read (signal?: AbortSignal): Promise<Inventory> {
    const [status, os] = await Promise.all([
      readInputFile(this.#statusPath, 'dpkg status file', 'ERR_INVENTORY_SOURCE', MAX_DPKG_STATUS_BYTES, signal),
      readOsRelease(this.#osReleasePath, signal)
    ])
    return { host: this.#host, os: os.id, versionId: os.versionId, packages: parseDpkgStatus(status.toString('utf8')), hotfixes: [] }
  }
}

import { MAX_INVENTORY_BYTES, parseInventory } from '../../protocol/inventory.ts'
import { readInputFile } from '../read-input.ts'
import type { InventoryProvider } from './provider.ts'
import type { Inventory } from '../../protocol/inventory-types.ts'

/** Inventory from an inventory XML document, for platforms whose package manager we do not read. */
export class InventoryFileProvider implements InventoryProvider {
  readonly description: string
  readonly watchPaths: string[]
  readonly #path: string

  constructor (path: string) {
    this.#path = path
    this.description = `inventory file ${path}`
    this.watchPaths = [path]
  }

  async read (signal?: AbortSignal): Promise<Inventory> {
    return parseInventory(await readInputFile(this.#path, 'inventory document', 'ERR_INVENTORY_SOURCE', MAX_INVENTORY_BYTES, signal), { source: this.#path })
  }
}

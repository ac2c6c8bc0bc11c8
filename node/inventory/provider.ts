import type { Inventory } from '../../protocol/inventory-types.ts'

/** A source of this computer's inventory: dpkg, rpm or an inventory XML file. */
export interface InventoryProvider {
  /** Short description for logs and errors, e.g. "dpkg status /var/lib/dpkg/status". */
  readonly description: string
  /** Files whose change means the inventory changed (a running node watches them and rescans). */
  readonly watchPaths: string[]
  /** Reads the current inventory; throws NodeError ERR_INVENTORY_SOURCE when the source is missing or unreadable. */
  read (signal?: AbortSignal): Promise<Inventory>
}

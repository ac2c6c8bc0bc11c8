import type { AdminMessage } from '../../protocol/admin-message.ts'

/** @default 16 mesh updates held while the versions before them are missing. */
export const MAX_MESH_BACKLOG_ENTRIES = 16
/** @default 1 MiB in all: a mesh file is a few kilobytes, so this only stops a flood of padded forgeries. */
export const MAX_MESH_BACKLOG_BYTES = 1024 * 1024

/** A mesh update that arrived before its predecessor, and who handed it over (so a later refusal names them). */
export interface BacklogEntry {
  version: number
  message: AdminMessage
  from: string
}

/**
 * Mesh updates that arrived ahead of the chain a node holds, kept in memory until the versions before
 * them take effect. Unverified, so bounded, and never relayed: sync offers the same entries again
 * on its next round, so whatever is dropped here (or lost in a restart) still arrives.
 */
export class MeshBacklog {
  readonly #entries: BacklogEntry[] = []

  /** Holds an update, replacing an earlier copy of the same bytes; past the limits the highest versions, the last to be judgeable, go first. */
  hold (entry: BacklogEntry): void {
    const copy = this.#entries.findIndex(held => Buffer.compare(held.message.document.bytes, entry.message.document.bytes) === 0)
    if (copy !== -1) this.#entries.splice(copy, 1)
    this.#entries.push(entry)
    this.#entries.sort((a, b) => a.version - b.version)
    while (this.#entries.length > MAX_MESH_BACKLOG_ENTRIES || this.#bytes() > MAX_MESH_BACKLOG_BYTES) this.#entries.pop()
  }

  /** Takes every held update, lowest version first; those still ahead of the chain are held again by whoever judges them. */
  takeAll (): BacklogEntry[] {
    return this.#entries.splice(0)
  }

  #bytes (): number {
    return this.#entries.reduce((sum, entry) => sum + entry.message.document.bytes.byteLength, 0)
  }
}

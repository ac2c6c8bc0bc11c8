/**
 * @default 2 MiB of chunk bytes kept in memory for serving. A blob that just arrived is asked for by
 * every peer this node passed its announcement on to, within a second or two; answering them from
 * memory spares each answer a file open, read and close, and on a busy machine each of those waits
 * its turn on the thread pool.
 */
export const DEFAULT_CHUNK_CACHE_BYTES = 2 * 1024 * 1024
/** @default 256 KiB (the usual chunk size): a larger chunk is read from disk each time, so a few big chunks cannot push out many small ones. */
export const DEFAULT_CHUNK_CACHE_ENTRY_BYTES = 256 * 1024

/**
 * Recently stored or served chunks, least recently used dropped first. Keyed by chunk index id and
 * chunk number: the index names every chunk's digest, so a key's bytes never change, and the cache
 * never has to be told that a blob was removed. Whether the chunk is still held is for the caller
 * to check (the blob's record) before it asks here.
 */
export class ChunkCache {
  readonly #maxBytes: number
  readonly #maxEntryBytes: number
  readonly #entries = new Map<string, Uint8Array>()
  #bytes = 0

  constructor (maxBytes = DEFAULT_CHUNK_CACHE_BYTES, maxEntryBytes = DEFAULT_CHUNK_CACHE_ENTRY_BYTES) {
    this.#maxBytes = maxBytes
    this.#maxEntryBytes = Math.min(maxEntryBytes, maxBytes)
  }

  /** Bytes held now. */
  get bytes (): number {
    return this.#bytes
  }

  /** The chunk's bytes, if kept. */
  get (indexId: string, n: number): Uint8Array | undefined {
    const key = keyOf(indexId, n)
    const bytes = this.#entries.get(key)
    if (bytes === undefined) return undefined
    // Re-inserted, so the map's order stays least recently used first.
    this.#entries.delete(key)
    this.#entries.set(key, bytes)
    return bytes
  }

  /** Keeps a verified chunk (a copy: the caller's buffer may be a view into something larger, or be reused). */
  put (indexId: string, n: number, bytes: Uint8Array): void {
    if (bytes.byteLength > this.#maxEntryBytes) return
    const key = keyOf(indexId, n)
    const held = this.#entries.get(key)
    if (held !== undefined) {
      this.#entries.delete(key)
      this.#bytes -= held.byteLength
    }
    this.#entries.set(key, Uint8Array.prototype.slice.call(bytes))
    this.#bytes += bytes.byteLength
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= old.byteLength
    }
  }
}

function keyOf (indexId: string, n: number): string {
  return `${indexId}/${n}`
}

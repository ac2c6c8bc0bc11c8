import type { BlobId } from '../../protocol/blob-id.ts'

/** What the blob store announces, so the exchange can advertise haves and re-fetch losses. */
export interface BlobEventMap {
  /** A verified chunk was stored. */
  chunk: { blobId: BlobId, n: number }
  /** A blob is complete: imported, or fetched and checked whole. */
  complete: { blobId: BlobId }
  /** Chunks found bad on disk are missing again (a complete blob is back to partial). */
  missing: { blobId: BlobId, chunks: number[] }
  /** The blob was removed (by remove() or garbage collection). */
  removed: { blobId: BlobId }
}

/** A typed facade over EventTarget: listeners get the event's detail. */
export class BlobEvents {
  readonly #target = new EventTarget()

  /** Calls `listener` for every event of `type` until `signal` aborts. */
  on<K extends keyof BlobEventMap> (type: K, listener: (detail: BlobEventMap[K]) => void, options: { signal?: AbortSignal } = {}): void {
    this.#target.addEventListener(type, event => { listener((event as CustomEvent<BlobEventMap[K]>).detail) }, options)
  }

  /** Announces an event; for the store's own use. */
  emit<K extends keyof BlobEventMap> (type: K, detail: BlobEventMap[K]): void {
    this.#target.dispatchEvent(new CustomEvent(type, { detail }))
  }
}

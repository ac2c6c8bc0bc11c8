import { countHeld, hasChunk } from '../../protocol/have-map.ts'
import type { BlobHave } from '../../protocol/blob-have.ts'
import type { BlobId } from '../../protocol/blob-id.ts'

/** What one peer holds of one blob, as it last advertised (and as its answers corrected). */
export interface Holder {
  peer: string
  site: string
  complete: boolean
  wants: boolean
  haveMap: Uint8Array
  chunks: number
  /** The chunk count it last advertised (chunks may be lower after it answered "not held"). */
  advertised: number
  /** When the peer last advertised this blob. */
  seenAt: number
  /** When its advertised chunk count last grew (or it completed): a stalled site-mate loses its WAN share. */
  progressAt: number
}

/** @default 60 s: a peer that stops advertising a blob it is downloading is assumed gone. */
export const DEFAULT_HOLDER_TTL_MS = 60_000

/** Who holds which chunks of which blobs, from their gossiped advertisements. */
export class BlobHolders {
  readonly #blobs = new Map<BlobId, Map<string, Holder>>()
  readonly #ttlMs: number
  readonly #listeners = new Set<(blobId: BlobId) => void>()

  constructor (ttlMs = DEFAULT_HOLDER_TTL_MS) {
    this.#ttlMs = ttlMs
  }

  /** Records an advertisement from `peer`. */
  advertise (blobId: BlobId, peer: string, have: BlobHave, now = Date.now()): void {
    let holders = this.#blobs.get(blobId)
    if (holders == null) this.#blobs.set(blobId, holders = new Map())
    const previous = holders.get(peer)
    const chunks = countHeld(have.haveMap)
    // Progress is judged against what the peer itself said before, so repeating a claim it could not serve is no progress.
    const grew = previous == null || chunks > previous.advertised || (have.complete && !previous.complete)
    holders.set(peer, { peer, site: have.site, complete: have.complete, wants: have.wants, haveMap: have.haveMap, chunks, advertised: chunks, seenAt: now, progressAt: grew ? now : previous.progressAt })
    for (const listener of this.#listeners) listener(blobId)
  }

  /** A peer answered that it does not hold a chunk after all: stop asking it for that one. */
  notHeld (blobId: BlobId, peer: string, chunk: number): void {
    const holder = this.#blobs.get(blobId)?.get(peer)
    if (holder == null || !hasChunk(holder.haveMap, chunk)) return
    const map = holder.haveMap.slice()
    map[chunk >> 3] = (map[chunk >> 3] ?? 0) & ~(0x80 >> (chunk & 7))
    holder.haveMap = map
    holder.complete = false
    holder.chunks--
  }

  /** Forgets a peer (it left the mesh). */
  forget (peer: string): void {
    for (const [blobId, holders] of this.#blobs) {
      if (!holders.delete(peer)) continue
      for (const listener of this.#listeners) listener(blobId)
    }
  }

  /** The live holders of a blob (advertised within the TTL). */
  of (blobId: BlobId, now = Date.now()): Holder[] {
    const holders = this.#blobs.get(blobId)
    if (holders == null) return []
    for (const [peer, holder] of holders) if (now - holder.seenAt > this.#ttlMs) holders.delete(peer)
    return [...holders.values()]
  }

  /** Calls `listener` whenever a blob's holders change; returns the unsubscribe. */
  onChange (listener: (blobId: BlobId) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

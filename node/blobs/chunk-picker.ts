import { DEFAULT_CHUNK_SIZE } from '../../protocol/chunk-index.ts'
import { hasChunk } from '../../protocol/have-map.ts'
import { RendezvousShares } from './rendezvous.ts'
import type { Holder } from './blob-holders.ts'

/**
 * Blobs of at most this many chunks (1 MiB at the usual chunk size; a catalog, a small script) skip
 * the site's sharing of WAN work: every node takes them from whichever holder it reaches first.
 * Waiting for a designated site-mate costs seconds, and all the WAN bytes it saves are a megabyte.
 */
export const SMALL_BLOB_CHUNKS = 4

/**
 * True when the first chunk may be asked of the hint in the same breath as the chunk index, before
 * the index says how the blob is cut: for a blob that small every node fetches every chunk from
 * whoever holds it (SMALL_BLOB_CHUNKS), and one round trip less per relay hop is what a catalog's
 * spread through the mesh is made of. From a site-mate it is always allowed: no WAN byte is spent.
 */
export function asksFirstChunkAlong (size: number | undefined, hintSite: string, selfSite: string): boolean {
  if (size === 0) return false
  return hintSite === selfSite || (size !== undefined && size <= SMALL_BLOB_CHUNKS * DEFAULT_CHUNK_SIZE)
}

/** What the picker needs to know about this node and the download's state. */
export interface PickerState {
  self: { id: string, site: string }
  /** The blob's id, mixed into the rendezvous key so different blobs spread differently. */
  blobKey: string
  missing: ReadonlySet<number>
  /** Chunk → peers it is requested from right now. */
  inFlight: ReadonlyMap<number, ReadonlySet<string>>
  holders: readonly Holder[]
  /** Holders per chunk (chunkRarity), computed once per scheduling round. */
  rarity: ArrayLike<number>
  /** 1 for chunks this node may fetch across the WAN now (wanPlan), computed once per scheduling round. */
  wan: ArrayLike<number>
  /** How long a site-mate may go without progress before its share of the WAN work falls to the others. */
  lanWaitMs: number
  /** When a source outside the site first became known: nobody could progress before it, so a site-mate's stall counts from then. */
  sourceSince: number
  /** False until site-mates have had time to say they want the blob too, so nobody rushes the WAN alone at the start. */
  wanAllowed: boolean
  now: number
}

/**
 * Picks the chunk to ask `peer` for next, or undefined. Rarest first, so copies spread; from a peer
 * outside the site only the chunks this node is the site's designated WAN fetcher for (or whose
 * designated fetcher has stalled), so each byte crosses a branch's WAN link once; and in the endgame
 * (every missing chunk already requested) a chunk in flight to one other peer, from a site-mate, so
 * one slow peer cannot hold up the finish.
 */
export function pickChunk (state: PickerState, peer: Holder): number | undefined {
  const sameSite = peer.site === state.self.site
  let best: number | undefined
  let bestRarity = Infinity
  let endgame: number | undefined
  for (const chunk of state.missing) {
    if (!hasChunk(peer.haveMap, chunk)) continue
    const askedFrom = state.inFlight.get(chunk)
    if (askedFrom?.has(peer.peer) === true) continue
    if (!sameSite && state.wan[chunk] !== 1) continue
    if (askedFrom != null && askedFrom.size > 0) {
      // One second request at most: with every idle peer asking for the same last chunks, a site
      // received each of them many times over. A second copy across the WAN costs the branch link
      // what the endgame saves, so a slow WAN peer is left to the stall timeout.
      if (sameSite && askedFrom.size === 1) endgame ??= chunk
      continue
    }
    const rarity = state.rarity[chunk] ?? 0
    if (rarity < bestRarity) {
      best = chunk
      bestRarity = rarity
    }
  }
  if (best != null) return best
  const requested = [...state.missing].every(chunk => (state.inFlight.get(chunk)?.size ?? 0) > 0)
  return requested ? endgame : undefined
}

/**
 * Which missing chunks this node should pull across the WAN now rather than wait for a LAN copy: all
 * of a small blob; otherwise none a site-mate already holds, and of the rest those whose designated fetcher (rendezvous over this node
 * and the site-mates that want the blob and are making progress) is this node.
 */
export function wanPlan (state: Omit<PickerState, 'wan' | 'rarity' | 'inFlight'>, chunkCount: number, shares: RendezvousShares): Uint8Array {
  const plan = new Uint8Array(chunkCount)
  if (chunkCount <= SMALL_BLOB_CHUNKS) return plan.fill(1)
  if (!state.wanAllowed) return plan
  const siteHolders = state.holders.filter(h => h.site === state.self.site)
  const live = siteHolders.filter(h => h.wants && !h.complete && state.now - Math.max(h.progressAt, state.sourceSince) <= state.lanWaitMs)
  const mine = shares.of(state.self.id, live.map(h => h.peer), state.blobKey, chunkCount)
  for (const chunk of state.missing) {
    if (mine[chunk] === 1 && !siteHolders.some(h => hasChunk(h.haveMap, chunk))) plan[chunk] = 1
  }
  return plan
}

/** How many holders have each chunk. */
export function chunkRarity (holders: readonly Holder[], chunkCount: number): Uint16Array {
  const rarity = new Uint16Array(chunkCount)
  for (const holder of holders) {
    for (let chunk = 0; chunk < chunkCount; chunk++) if (hasChunk(holder.haveMap, chunk)) rarity[chunk] = (rarity[chunk] ?? 0) + 1
  }
  return rarity
}

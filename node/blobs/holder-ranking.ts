import type { Holder } from './blob-holders.ts'

/**
 * @default 2 s at the start of a download during which only holders this node is already connected
 * to are asked. When a small blob (a catalog) is announced, every node of the mesh wants it at once
 * from the one node that holds it: dialled by all, that node drowned in handshakes and the spread
 * took a minute at 50 nodes. Waiting lets the blob spread over existing connections first; then
 * the few nodes still without a connected holder dial one.
 */
export const DEFAULT_DIAL_GRACE_MS = 2_000

/** What a download knows about the holders of its blob right now. */
export interface HolderChoice {
  self: { id: string, site: string }
  /** False in the download's first moments (its dial grace): only connected holders count. */
  dialAllowed: boolean
  connected: (peer: string) => boolean
  /** Dropped for bad data, penalised, or cooling down. */
  excluded: (peer: string) => boolean
  /** Requests in flight to the peer. */
  load: (peer: string) => number
  /** This download's own random rank of a peer, so nodes starting together do not all ask the same holder first. */
  tieOrder: (peer: string) => number
}

/**
 * The holders worth asking, best first: not this node, not excluded, and while dialling is not yet
 * allowed only those already connected. Same-site peers first, then connected ones, then the least
 * loaded, then the download's own tie order.
 */
export function rankHolders (holders: readonly Holder[], c: HolderChoice): Holder[] {
  const sameSite = (h: Holder): number => Number(h.site === c.self.site)
  const connected = (h: Holder): number => Number(c.connected(h.peer))
  return holders
    .filter(h => h.peer !== c.self.id && !c.excluded(h.peer) && (c.dialAllowed || c.connected(h.peer)))
    .sort((a, b) => sameSite(b) - sameSite(a) || connected(b) - connected(a) ||
      c.load(a.peer) - c.load(b.peer) || c.tieOrder(a.peer) - c.tieOrder(b.peer))
}

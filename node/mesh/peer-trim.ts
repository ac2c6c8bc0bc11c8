import { randomSample } from '../random.ts'

/**
 * @default 16 connected peers at most: past this a node closes some. Every new node dials the
 * bootstrap nodes first, and without a ceiling they kept a connection from nearly every node of
 * the fleet — each one pinged, gossiped to and buffered — long after those nodes had found peers
 * of their own.
 */
export const DEFAULT_MAX_PEERS = 16
/** @default 12 connected peers (twice the target) left after a trim, so one more connection does not set off the next trim. */
export const DEFAULT_TRIMMED_PEERS = 12
/** @default 60 s that a new connection is left open whatever the count: a new node syncs and finds its own peers through it. */
export const DEFAULT_TRIM_GRACE_MS = 60_000

/** What the trim knows of one connected peer. */
export interface ConnectedPeer {
  id: string
  /** When this node's oldest open connection to the peer opened, epoch milliseconds. */
  openedAt: number
  /** The peer dialled this node: it found its way here (as a bootstrap node, most likely) and has peers of its own to fall back on. */
  inbound: boolean
  /** A site-mate the site topic needs, or in the middle of an exchange: never closed. */
  kept: boolean
}

export interface TrimLimits {
  /** @default DEFAULT_MAX_PEERS */
  maxPeers?: number
  /** @default DEFAULT_TRIMMED_PEERS */
  trimmedPeers?: number
  /** @default DEFAULT_TRIM_GRACE_MS */
  graceMs?: number
}

/**
 * The peers to disconnect from so that a node over `maxPeers` comes down to `trimmedPeers`: only
 * peers that are neither kept nor in their grace time, inbound ones first, at random within each
 * kind so the survivors stay spread over the fleet.
 */
export function peersToTrim (peers: readonly ConnectedPeer[], now: number, limits: TrimLimits = {}, random: () => number = Math.random): string[] {
  const maxPeers = limits.maxPeers ?? DEFAULT_MAX_PEERS
  if (peers.length <= maxPeers) return []
  const graceMs = limits.graceMs ?? DEFAULT_TRIM_GRACE_MS
  const excess = peers.length - Math.min(maxPeers, limits.trimmedPeers ?? DEFAULT_TRIMMED_PEERS)
  const closable = peers.filter(peer => !peer.kept && now - peer.openedAt >= graceMs)
  const inbound = closable.filter(peer => peer.inbound)
  const outbound = closable.filter(peer => !peer.inbound)
  return [...randomSample(inbound, inbound.length, random), ...randomSample(outbound, outbound.length, random)]
    .slice(0, excess)
    .map(peer => peer.id)
}

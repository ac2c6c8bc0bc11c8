import { peerIdFromString } from '@libp2p/peer-id'
import { BlobPeer } from './blob-peer.ts'
import type { BlobAnswer, BlobRequest } from '../../protocol/blob-messages.ts'
import type { OpenBlobStream } from './blob-peer.ts'

/** @default 5 s before asking again a peer that was busy, stalled or disconnected. */
export const DEFAULT_PEER_COOLDOWN_MS = 5_000
/** @default 1 s before asking again a peer whose upload slots were all taken: a slot frees as soon as any of its peers finishes. */
export const DEFAULT_BUSY_COOLDOWN_MS = 1_000
/** A stream to a peer that has had nothing to do for this long is closed, freeing the peer's upload slot. */
const IDLE_SESSION_MS = 2_000

/**
 * One download's streams to the holders it asks, and what it knows of each: requests in flight,
 * when it last heard from it, whether it is cooling down after a failure or was dropped for bad data.
 */
export class HolderSessions {
  readonly #open: OpenBlobStream
  readonly #sessions = new Map<string, BlobPeer>()
  readonly #dropped = new Set<string>()
  readonly #cooldown = new Map<string, number>()
  /** Chunk requests per peer, counted until the answer is stored and paid for, so bandwidth limits hold back new requests. */
  readonly #load = new Map<string, number>()
  /** When each peer last answered or was asked. */
  readonly #activeAt = new Map<string, number>()
  /** When each peer last answered busy (no upload slot free). */
  readonly #busyAt = new Map<string, number>()

  constructor (open: OpenBlobStream) {
    this.#open = open
  }

  /** Streams open now. */
  get size (): number {
    return this.#sessions.size
  }

  has (peer: string): boolean {
    return this.#sessions.has(peer)
  }

  /** Sends a request on the peer's stream, opening a new one when there is none or it failed. */
  async ask (peer: string, request: BlobRequest, signal: AbortSignal): Promise<BlobAnswer> {
    let session = this.#sessions.get(peer)
    if (session == null || session.failed) {
      session = new BlobPeer(peerIdFromString(peer), this.#open)
      this.#sessions.set(peer, session)
    }
    return await session.request(request, signal)
  }

  /** Chunk requests in flight to the peer. */
  load (peer: string): number {
    return this.#load.get(peer) ?? 0
  }

  /** A chunk request to the peer went out. */
  requested (peer: string): void {
    this.#load.set(peer, this.load(peer) + 1)
    this.#activeAt.set(peer, Date.now())
  }

  /** A chunk request to the peer is over (answered and stored, or failed). */
  settled (peer: string): void {
    this.#activeAt.set(peer, Date.now())
    const left = this.load(peer) - 1
    if (left > 0) this.#load.set(peer, left)
    else this.#load.delete(peer)
  }

  /** Dropped for bad data, or cooling down: not to be asked now. */
  excluded (peer: string, now = Date.now()): boolean {
    return this.#dropped.has(peer) || (this.#cooldown.get(peer) ?? 0) > now
  }

  /** The peer had no upload slot free: ask it again soon. */
  busy (peer: string): void {
    this.#busyAt.set(peer, Date.now())
    this.cool(peer, DEFAULT_BUSY_COOLDOWN_MS)
  }

  /** The peer answered busy within the busy cool-down: it is up and holds what it was asked for. */
  recentlyBusy (peer: string, now = Date.now()): boolean {
    return now - (this.#busyAt.get(peer) ?? -Infinity) < DEFAULT_BUSY_COOLDOWN_MS
  }

  /** A request to the peer failed; a busy peer closes the stream after its answer, failing the requests pipelined behind it: that is no stall. */
  failed (peer: string): void {
    this.cool(peer, this.recentlyBusy(peer) ? DEFAULT_BUSY_COOLDOWN_MS : DEFAULT_PEER_COOLDOWN_MS)
  }

  /** Closes the peer's stream and leaves it alone for `ms`. */
  cool (peer: string, ms = DEFAULT_PEER_COOLDOWN_MS): void {
    this.#cooldown.set(peer, Date.now() + ms)
    this.#close(peer)
  }

  /** Leaves the peer out for the rest of the download; false when it was dropped already. */
  drop (peer: string): boolean {
    if (this.#dropped.has(peer)) return false
    this.#dropped.add(peer)
    this.#close(peer)
    return true
  }

  /**
   * Closes streams that have had nothing to do for a while: each holds one of the peer's upload
   * slots for nothing. Not at once: between two answers a stream is briefly idle, and reopening it
   * costs a slot check that may come back busy.
   */
  closeIdle (now = Date.now()): void {
    for (const peer of [...this.#sessions.keys()]) {
      if (this.load(peer) > 0 || now - (this.#activeAt.get(peer) ?? 0) < IDLE_SESSION_MS) continue
      this.#close(peer)
    }
  }

  closeAll (): void {
    for (const session of this.#sessions.values()) session.close()
    this.#sessions.clear()
  }

  #close (peer: string): void {
    this.#sessions.get(peer)?.close()
    this.#sessions.delete(peer)
  }
}

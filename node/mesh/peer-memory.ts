import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { sublevel } from '../db/database.ts'
import { randomSample } from '../random.ts'
import { PeerIntroductions } from './peer-introductions.ts'
import { peersToTrim } from './peer-trim.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'
import type { FleetStore } from '../fleet/fleet-store.ts'
import type { Logger } from '../log.ts'
import type { MeshLibp2p } from './libp2p.ts'
import type { ConnectedPeer, TrimLimits } from './peer-trim.ts'
import type { Connection, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** @default 32 remembered peers read at start: enough to rejoin the mesh, few enough not to storm it. */
export const DEFAULT_REMEMBERED_PEERS_DIALLED = 32
/**
 * @default 6 peers: gossipsub's mesh degree (D = 6), so every node can fill its gossip mesh from
 * its own connections rather than hang on the bootstrap nodes.
 */
export const DEFAULT_TARGET_PEERS = 6
/**
 * @default 3 peers of this node's own site kept connected, when the fleet view names that many: the
 * site's gossip topic (each downloading node's progress) reaches only peers connected within the
 * site, and without mDNS random introductions may leave a node with none.
 */
export const DEFAULT_SITE_PEERS = 3
/** @default 3 dials at once: a new node fills up in a few rounds without a burst of handshakes. */
export const DEFAULT_MAX_DIALS_AT_ONCE = 3
/** @default 10 s between checks of the peer count (besides the checks that events trigger). */
export const DEFAULT_PEER_CHECK_INTERVAL_MS = 10_000
/** @default 10 s for one dial. */
export const DEFAULT_PEER_DIAL_TIMEOUT_MS = 10_000
/** @default 30 s before a peer that failed a dial is tried again; doubles with each failure. */
export const DEFAULT_DIAL_BACKOFF_MS = 30_000
/** @default 15 min: the longest wait before a peer that keeps failing is tried again. */
export const DEFAULT_MAX_DIAL_BACKOFF_MS = 15 * 60_000
/**
 * @default 1 s of quiet after the last introduction before peers are picked: a sync round hands
 * over the whole fleet view record by record, and picking after the first few would send every new
 * node to the same few peers (the ones whose records come first).
 */
export const DEFAULT_INTRODUCTION_SETTLE_MS = 1_000
/** @default 1,000 peers known from mDNS or the database at most; past that the oldest is forgotten. */
export const DEFAULT_MAX_OTHER_PEERS = 1_000

export interface PeerMemoryInit extends TrimLimits {
  /** The fleet view: its records introduce the peers to dial (none but mDNS and remembered ones without it). */
  fleet?: Pick<FleetStore, 'onStored' | 'list'>
  /** Connected peers the node keeps at least. @default DEFAULT_TARGET_PEERS */
  targetPeers?: number
  /** This node's site: records of the same site are dialled first, up to sitePeers (none without a site). @default '' */
  site?: string
  /** @default DEFAULT_SITE_PEERS */
  sitePeers?: number
  /** @default DEFAULT_MAX_DIALS_AT_ONCE */
  maxDialsAtOnce?: number
  /** @default DEFAULT_PEER_CHECK_INTERVAL_MS */
  checkIntervalMs?: number
  /** @default DEFAULT_PEER_DIAL_TIMEOUT_MS */
  dialTimeoutMs?: number
  /** @default DEFAULT_DIAL_BACKOFF_MS */
  backoffMs?: number
  /** @default DEFAULT_MAX_DIAL_BACKOFF_MS */
  maxBackoffMs?: number
  /** @default DEFAULT_INTRODUCTION_SETTLE_MS */
  introductionSettleMs?: number
  /** This computer's host name, for loopback addresses in records. @default os.hostname() */
  localHost?: string
  /** @default Math.random, so tests can pick peers deterministically */
  random?: () => number
  /** Epoch milliseconds. @default Date.now */
  now?: () => number
}

/** What PeerMemory uses of the libp2p node. */
export type PeerMemoryLibp2p = Pick<MeshLibp2p, 'peerId' | 'peerStore' | 'status' | 'getPeers' | 'getConnections' | 'dial' | 'hangUp' | 'addEventListener' | 'removeEventListener'>

interface RememberedPeer {
  addrs: string[]
  lastConnected: string
}

interface Backoff {
  failures: number
  /** Epoch milliseconds before which the peer is not dialled again. */
  until: number
}

/**
 * Keeps the node connected to at least `targetPeers` peers: it dials random peers it knows of —
 * from the fleet view's status records, mDNS, and the peers it connected to before a restart — a
 * few at a time, backing off from peers that fail. So nodes introduce each other and spread their
 * connections over the fleet instead of all hanging on the bootstrap nodes.
 */
export class PeerMemory {
  readonly #libp2p: PeerMemoryLibp2p
  readonly #peers: Sublevel<RememberedPeer>
  readonly #log: Logger
  readonly #introductions?: PeerIntroductions
  readonly #targetPeers: number
  readonly #site: string
  readonly #sitePeers: number
  readonly #maxDialsAtOnce: number
  readonly #checkIntervalMs: number
  readonly #dialTimeoutMs: number
  readonly #backoffMs: number
  readonly #maxBackoffMs: number
  readonly #introductionSettleMs: number
  readonly #random: () => number
  readonly #now: () => number
  readonly #trimLimits: TrimLimits
  /** Peers from mDNS and the database, with their addresses; insertion order is age order. */
  readonly #others = new Map<string, Multiaddr[]>()
  readonly #dialling = new Set<string>()
  readonly #backoff = new Map<string, Backoff>()
  #stopping?: AbortController
  #timer?: ReturnType<typeof setInterval>
  #checkQueued = false
  #settleTimer?: ReturnType<typeof setTimeout>
  /** When the first introduction of the current burst came: a steady trickle still gets a check every few settle times. */
  #burstStarted?: number
  readonly #onDiscovery = (event: CustomEvent<PeerInfo>): void => { this.#learn(event.detail.id.toString(), event.detail.multiaddrs) }
  readonly #onConnection = (event: CustomEvent<Connection>): void => { this.#connected(event.detail) }
  readonly #onDisconnect = (): void => { this.#queueCheck() }

  constructor (libp2p: PeerMemoryLibp2p, db: NodeDatabase, logger: Logger, init: PeerMemoryInit = {}) {
    this.#libp2p = libp2p
    this.#peers = sublevel(db, 'peers')
    this.#log = logger.child({ module: 'peers' })
    this.#targetPeers = init.targetPeers ?? DEFAULT_TARGET_PEERS
    this.#site = init.site ?? ''
    this.#sitePeers = init.sitePeers ?? DEFAULT_SITE_PEERS
    this.#maxDialsAtOnce = init.maxDialsAtOnce ?? DEFAULT_MAX_DIALS_AT_ONCE
    this.#checkIntervalMs = init.checkIntervalMs ?? DEFAULT_PEER_CHECK_INTERVAL_MS
    this.#dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_PEER_DIAL_TIMEOUT_MS
    this.#backoffMs = init.backoffMs ?? DEFAULT_DIAL_BACKOFF_MS
    this.#maxBackoffMs = init.maxBackoffMs ?? DEFAULT_MAX_DIAL_BACKOFF_MS
    this.#introductionSettleMs = init.introductionSettleMs ?? DEFAULT_INTRODUCTION_SETTLE_MS
    this.#random = init.random ?? Math.random
    this.#now = init.now ?? Date.now
    this.#trimLimits = { maxPeers: init.maxPeers, trimmedPeers: init.trimmedPeers, graceMs: init.graceMs }
    if (init.fleet != null) {
      this.#introductions = new PeerIntroductions(libp2p, init.fleet, logger, { localHost: init.localHost, onIntroduced: () => { this.#checkWhenSettled() } })
    }
  }

  /** Starts following discoveries, connections and the fleet view, and dials up to the target in the background. */
  start (): void {
    if (this.#stopping != null) return
    this.#stopping = new AbortController()
    this.#libp2p.addEventListener('peer:discovery', this.#onDiscovery)
    this.#libp2p.addEventListener('connection:open', this.#onConnection)
    this.#libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#timer = setInterval(() => { this.#queueCheck() }, this.#checkIntervalMs)
    this.#timer.unref()
    void this.#introductions?.start().then(() => { this.#queueCheck() })
    void this.#loadRemembered().then(() => { this.#queueCheck() })
  }

  /** Stops following events, cancels the dials in flight, and clears its timer; safe to call twice. */
  stop (): void {
    if (this.#stopping == null) return
    this.#libp2p.removeEventListener('peer:discovery', this.#onDiscovery)
    this.#libp2p.removeEventListener('connection:open', this.#onConnection)
    this.#libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    clearInterval(this.#timer)
    clearTimeout(this.#settleTimer)
    this.#timer = this.#settleTimer = this.#burstStarted = undefined
    this.#introductions?.stop()
    this.#stopping.abort()
    this.#stopping = undefined
  }

  /** Dials started by this node's peer upkeep and not settled yet. */
  get dialsInFlight (): number {
    return this.#dialling.size
  }

  /**
   * Dials known peers, a few at a time, while the node has fewer connected peers than its target;
   * closes some while it has more than its ceiling (see peersToTrim).
   */
  async check (): Promise<void> {
    this.#checkQueued = false
    const stopping = this.#stopping
    if (stopping == null || this.#libp2p.status !== 'started') return
    const connected = new Set(this.#libp2p.getPeers().map(peer => peer.toString()))
    this.#trim()
    const self = this.#libp2p.peerId.toString()
    const now = this.#now()
    const candidates = [...new Set([...(this.#introductions?.known() ?? []), ...this.#others.keys()])]
      .filter(id => id !== self && !connected.has(id) && !this.#dialling.has(id) && (this.#backoff.get(id)?.until ?? 0) <= now)
    const sameSite = (id: string): boolean => this.#introductions?.siteOf(id) === this.#site
    // Site-mates first, even past the target: the site's own gossip needs them.
    const siteWanted = this.#site === '' ? 0 : this.#sitePeers - [...connected, ...this.#dialling].filter(sameSite).length
    const wanted = Math.max(this.#targetPeers - connected.size - this.#dialling.size, siteWanted)
    const slots = Math.min(wanted, this.#maxDialsAtOnce - this.#dialling.size)
    if (slots <= 0) return
    const mates = siteWanted > 0 ? randomSample(candidates.filter(sameSite), Math.min(slots, siteWanted), this.#random) : []
    const general = Math.max(0, this.#targetPeers - connected.size - this.#dialling.size - mates.length)
    const rest = randomSample(candidates.filter(id => !mates.includes(id)), Math.min(slots - mates.length, general), this.#random)
    for (const id of [...mates, ...rest]) void this.#dial(id, stopping.signal)
  }

  /**
   * Closes the connections peersToTrim picks. Kept: the oldest sitePeers site-mates (the site topic
   * reaches only connected site-mates), and peers with one of our own protocols' streams open (a
   * chunk transfer or a sync round in the middle). Gossip-mesh peers are not spared: at a
   * well-known node they are most of its peers, and gossipsub grafts a replacement within a heartbeat.
   */
  #trim (): void {
    const byPeer = new Map<string, ConnectedPeer>()
    for (const connection of this.#libp2p.getConnections()) {
      const id = connection.remotePeer.toString()
      const busy = connection.streams.some(stream => stream.protocol?.startsWith('/patchmesh/') ?? true)
      const seen = byPeer.get(id)
      byPeer.set(id, {
        id,
        openedAt: Math.min(seen?.openedAt ?? Infinity, connection.timeline.open),
        inbound: (seen?.inbound ?? true) && connection.direction === 'inbound',
        kept: (seen?.kept ?? false) || busy
      })
    }
    const siteMates = this.#site === '' ? [] : [...byPeer.values()].filter(peer => this.#introductions?.siteOf(peer.id) === this.#site).sort((a, b) => a.openedAt - b.openedAt).slice(0, this.#sitePeers)
    for (const peer of byPeer.values()) peer.kept ||= siteMates.includes(peer)
    for (const id of peersToTrim([...byPeer.values()], this.#now(), this.#trimLimits, this.#random)) {
      this.#log.debug({ peer: id, connected: byPeer.size }, 'closing connection: over the peer ceiling')
      this.#libp2p.hangUp(peerIdFromString(id)).catch(err => this.#log.debug({ err, peer: id }, 'closing connection failed'))
    }
  }

  /** Runs one check soon, once however many events ask for it. */
  #queueCheck (): void {
    if (this.#checkQueued || this.#stopping == null) return
    this.#checkQueued = true
    setImmediate(() => { void this.check() })
  }

  /** Runs one check once introductions have stopped arriving for a moment (or have kept arriving for 5 settle times). */
  #checkWhenSettled (): void {
    if (this.#stopping == null) return
    const now = performance.now()
    this.#burstStarted ??= now
    clearTimeout(this.#settleTimer)
    const wait = Math.min(this.#introductionSettleMs, Math.max(0, this.#burstStarted + 5 * this.#introductionSettleMs - now))
    this.#settleTimer = setTimeout(() => {
      this.#settleTimer = this.#burstStarted = undefined
      this.#queueCheck()
    }, wait)
    this.#settleTimer.unref()
  }

  async #dial (id: string, signal: AbortSignal): Promise<void> {
    this.#dialling.add(id)
    try {
      const peerId = peerIdFromString(id)
      // Merged again right before the dial: the peer store forgets addresses an hour after they were added.
      const introduced = await this.#introductions?.refresh(id) ?? false
      const other = this.#others.get(id)
      if (!introduced && other !== undefined && other.length > 0) await this.#libp2p.peerStore.merge(peerId, { multiaddrs: other })
      await this.#libp2p.dial(peerId, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.#dialTimeoutMs)]) })
      this.#backoff.delete(id)
    } catch (err) {
      if (signal.aborted) return
      const failures = (this.#backoff.get(id)?.failures ?? 0) + 1
      const waitMs = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (failures - 1))
      // Jittered, so peers that failed together are not all retried in the same check.
      this.#backoff.set(id, { failures, until: this.#now() + waitMs * (0.5 + this.#random() / 2) })
      this.#log.debug({ err, peer: id, failures }, 'dial of known peer failed')
    } finally {
      this.#dialling.delete(id)
      this.#queueCheck()
    }
  }

  /** Remembers a peer from mDNS or the database as a candidate, with its addresses. */
  #learn (id: string, multiaddrs: Multiaddr[]): void {
    if (id === this.#libp2p.peerId.toString()) return
    this.#others.delete(id)
    this.#others.set(id, multiaddrs)
    if (this.#others.size > DEFAULT_MAX_OTHER_PEERS) {
      const oldest = this.#others.keys().next().value
      if (oldest !== undefined) this.#others.delete(oldest)
    }
    this.#checkWhenSettled()
  }

  async #loadRemembered (): Promise<void> {
    const remembered = await this.#peers.iterator({ limit: DEFAULT_REMEMBERED_PEERS_DIALLED }).all().catch(() => [])
    for (const [id, peer] of remembered) {
      try {
        this.#learn(id, peer.addrs.map(a => multiaddr(a)))
      } catch (err) {
        this.#log.debug({ err, peer: id }, 'cannot read remembered peer')
      }
    }
  }

  #connected (connection: Connection): void {
    this.#backoff.delete(connection.remotePeer.toString())
    void this.#remember(connection)
  }

  async #remember (connection: Connection): Promise<void> {
    // Only addresses we dialled are known to be reachable; an inbound connection's address is an ephemeral port.
    if (connection.direction !== 'outbound' || this.#libp2p.status !== 'started') return
    const value: RememberedPeer = { addrs: [connection.remoteAddr.toString()], lastConnected: new Date().toISOString() }
    await this.#peers.put(connection.remotePeer.toString(), value).catch(err => this.#log.debug({ err }, 'cannot remember peer'))
  }
}

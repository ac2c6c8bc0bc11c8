import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { sublevel } from '../db/database.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'
import type { Logger } from '../log.ts'
import type { MeshLibp2p } from './libp2p.ts'
import type { Connection, PeerInfo } from '@libp2p/interface'

/** @default 32 peers redialled at start: enough to rejoin the mesh, few enough not to storm it. */
export const DEFAULT_REMEMBERED_PEERS_DIALLED = 32
/** @default 8 dials at once when peers are discovered in bulk (mDNS on a busy LAN). */
export const DEFAULT_DISCOVERY_DIAL_CONCURRENCY = 8

interface RememberedPeer {
  addrs: string[]
  lastConnected: string
}

/**
 * Dials peers as they are discovered, remembers the peers the node connected to, and dials them
 * again after a restart, so a node rejoins its mesh without mDNS or bootstrap addresses.
 */
export class PeerMemory {
  readonly #libp2p: MeshLibp2p
  readonly #peers: Sublevel<RememberedPeer>
  readonly #log: Logger
  #dialling = 0
  readonly #onDiscovery = (event: CustomEvent<PeerInfo>): void => { void this.#dial(event.detail) }
  readonly #onConnection = (event: CustomEvent<Connection>): void => { void this.#remember(event.detail) }

  constructor (libp2p: MeshLibp2p, db: NodeDatabase, logger: Logger) {
    this.#libp2p = libp2p
    this.#peers = sublevel(db, 'peers')
    this.#log = logger.child({ module: 'peers' })
  }

  /** Starts listening for discoveries and connections, and redials remembered peers in the background. */
  start (): void {
    this.#libp2p.addEventListener('peer:discovery', this.#onDiscovery)
    this.#libp2p.addEventListener('connection:open', this.#onConnection)
    void this.#redial()
  }

  stop (): void {
    this.#libp2p.removeEventListener('peer:discovery', this.#onDiscovery)
    this.#libp2p.removeEventListener('connection:open', this.#onConnection)
  }

  async #redial (): Promise<void> {
    const remembered = await this.#peers.iterator({ limit: DEFAULT_REMEMBERED_PEERS_DIALLED }).all().catch(() => [])
    for (const [id, peer] of remembered) {
      try {
        await this.#dial({ id: peerIdFromString(id), multiaddrs: peer.addrs.map(a => multiaddr(a)) })
      } catch (err) {
        this.#log.debug({ err, peer: id }, 'cannot redial remembered peer')
      }
    }
  }

  async #dial (peer: PeerInfo): Promise<void> {
    if (peer.id.equals(this.#libp2p.peerId) || this.#libp2p.getConnections(peer.id).length > 0) return
    if (this.#dialling >= DEFAULT_DISCOVERY_DIAL_CONCURRENCY) return
    this.#dialling++
    try {
      await this.#libp2p.dial(peer.multiaddrs.length > 0 ? peer.multiaddrs : peer.id, { signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      this.#log.debug({ err, peer: peer.id.toString() }, 'dial of discovered peer failed')
    } finally {
      this.#dialling--
    }
  }

  async #remember (connection: Connection): Promise<void> {
    // Only addresses we dialled are known to be reachable; an inbound connection's address is an ephemeral port.
    if (connection.direction !== 'outbound' || this.#libp2p.status !== 'started') return
    const value: RememberedPeer = { addrs: [connection.remoteAddr.toString()], lastConnected: new Date().toISOString() }
    await this.#peers.put(connection.remotePeer.toString(), value).catch(err => this.#log.debug({ err }, 'cannot remember peer'))
  }
}

import { hostname } from 'node:os'
import { peerIdFromString } from '@libp2p/peer-id'
import { dialableAddresses } from './addresses.ts'
import type { FleetStore } from '../fleet/fleet-store.ts'
import type { Logger } from '../log.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'
import type { PeerId, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * @default 30 min: libp2p's peer store forgets an address an hour after it was last merged, and a
 * record is republished only daily, so the addresses are merged again well before that.
 */
export const DEFAULT_ADDRESS_REFRESH_MS = 30 * 60_000

export interface PeerIntroductionsComponents {
  peerId: PeerId
  peerStore: Pick<PeerStore, 'merge'>
}

export interface PeerIntroductionsInit {
  /** This computer's host name: loopback addresses count only in records with the same host. @default os.hostname() */
  localHost?: string
  /** @default DEFAULT_ADDRESS_REFRESH_MS */
  refreshIntervalMs?: number
  /** Told of each peer whose dialable addresses just arrived (or changed). */
  onIntroduced?: (node: string) => void
}

/**
 * Puts the listen addresses that status records carry into libp2p's peer store, so a dial by peer
 * id reaches any computer of the fleet view, not only the ones mDNS or bootstrap addresses named.
 */
export class PeerIntroductions {
  readonly #components: PeerIntroductionsComponents
  readonly #fleet: Pick<FleetStore, 'onStored' | 'list'>
  readonly #log: Logger
  readonly #localHost: string
  readonly #refreshIntervalMs: number
  readonly #onIntroduced?: (node: string) => void
  /**
   * node → its dialable addresses as last introduced, as text (compared to skip unchanged records),
   * and whether they reached the peer store: every status record of the fleet passes through here,
   * and a peer-store merge decodes, compares and re-encodes the peer, so unchanged addresses wait
   * for the refresh.
   */
  readonly #addresses = new Map<string, { text: string, multiaddrs: Multiaddr[], merged: boolean }>()
  /** node → the site its record names. */
  readonly #sites = new Map<string, string>()
  #unsubscribe?: () => void
  #timer?: ReturnType<typeof setInterval>

  constructor (components: PeerIntroductionsComponents, fleet: Pick<FleetStore, 'onStored' | 'list'>, logger: Logger, init: PeerIntroductionsInit = {}) {
    this.#components = components
    this.#fleet = fleet
    this.#log = logger.child({ module: 'introductions' })
    this.#localHost = init.localHost ?? hostname()
    this.#refreshIntervalMs = init.refreshIntervalMs ?? DEFAULT_ADDRESS_REFRESH_MS
    this.#onIntroduced = init.onIntroduced
  }

  /** Follows the fleet view from now on, and introduces the peers of the records it already holds. */
  async start (): Promise<void> {
    if (this.#unsubscribe != null) return
    this.#unsubscribe = this.#fleet.onStored(record => { void this.introduce(record) })
    this.#timer = setInterval(() => { void this.#refreshAll() }, this.#refreshIntervalMs)
    this.#timer.unref()
    try {
      const held = await this.#fleet.list({ now: Date.now() })
      for (const { record } of held) await this.introduce(record)
    } catch (err) {
      this.#log.debug({ err }, 'cannot read the fleet view for peer addresses')
    }
  }

  stop (): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Node ids of the peers whose records gave addresses this node can dial. */
  known (): string[] {
    return [...this.#addresses.keys()]
  }

  /** The site a peer's record names, if a record introduced it. */
  siteOf (node: string): string | undefined {
    return this.#sites.get(node)
  }

  /** The dialable addresses a peer's record gave, if any. */
  addressesOf (node: string): Multiaddr[] | undefined {
    return this.#addresses.get(node)?.multiaddrs
  }

  /** Merges the dialable addresses of a record's node into the peer store; never throws. */
  async introduce (record: StatusRecord): Promise<void> {
    if (record.node === this.#components.peerId.toString()) return
    const multiaddrs = dialableAddresses(record.addresses, { sameHost: record.host === this.#localHost })
    const text = multiaddrs.map(ma => ma.toString()).join(' ')
    if (multiaddrs.length === 0) {
      this.#addresses.delete(record.node)
      this.#sites.delete(record.node)
      return
    }
    this.#sites.set(record.node, record.site)
    const known = this.#addresses.get(record.node)
    if (known?.text === text && known.merged) return
    const entry = { text, multiaddrs, merged: false }
    this.#addresses.set(record.node, entry)
    entry.merged = await this.#merge(record.node, multiaddrs)
    if (entry.merged && known?.text !== text) this.#onIntroduced?.(record.node)
  }

  /** Merges a known peer's addresses again (they age out of the peer store); false when none are known. */
  async refresh (node: string): Promise<boolean> {
    const known = this.#addresses.get(node)
    return known !== undefined && await this.#merge(node, known.multiaddrs)
  }

  async #refreshAll (): Promise<void> {
    for (const node of this.known()) await this.refresh(node)
  }

  async #merge (node: string, multiaddrs: Multiaddr[]): Promise<boolean> {
    try {
      await this.#components.peerStore.merge(peerIdFromString(node), { multiaddrs })
      return true
    } catch (err) {
      // A stopped node's peer store, or a node id that is no peer id: nothing to dial either way.
      this.#log.debug({ err, peer: node }, 'cannot store peer addresses')
      return false
    }
  }
}

import { lpStream } from '@libp2p/utils'
import {
  MAX_SYNC_FRAME_BYTES, decodeSyncDigest, decodeSyncHello, decodeSyncOffer, decodeSyncReply, digestFingerprint,
  encodeSyncDigest, encodeSyncHello, encodeSyncOffer, encodeSyncReply
} from '../../protocol/sync-messages.ts'
import type { Logger } from '../log.ts'
import type { MeshLibp2p } from './libp2p.ts'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

export const SYNC_PROTOCOL = '/patchmesh/sync/1.0.0'
/**
 * @default 10 s: sync repairs what gossip missed (a peer outside the gossip mesh, a partition); an
 * idle round is two small frames, so a short interval costs little and bounds the repair time.
 */
export const DEFAULT_SYNC_INTERVAL_MS = 10_000
/** @default 15 s for one whole round on one stream. */
export const DEFAULT_SYNC_TIMEOUT_MS = 15_000
/** @default 2,000 records a frame; the rest follow in later rounds. */
export const DEFAULT_MAX_RECORDS_PER_FRAME = 2_000

/** What sync reads and writes: the signed status records a node holds. */
export interface RecordHolder {
  digest: () => Promise<Array<[node: string, seq: number]>>
  /** The record's signed bytes, exactly as received. */
  encoded: (node: string) => Promise<Uint8Array | undefined>
  /** Verifies and stores a record handed over by `from`; false when refused. */
  receive: (bytes: Uint8Array, from: PeerId) => Promise<boolean>
}

export interface SyncInit {
  /** @default DEFAULT_SYNC_INTERVAL_MS */
  intervalMs?: number
  /** @default DEFAULT_SYNC_TIMEOUT_MS */
  timeoutMs?: number
  /** @default DEFAULT_MAX_RECORDS_PER_FRAME */
  maxRecordsPerFrame?: number
}

/** Anti-entropy: when asked (a peer joined) and periodically, two peers swap what the other lacks. */
export class AntiEntropySync {
  readonly #libp2p: MeshLibp2p
  readonly #holder: RecordHolder
  readonly #log: Logger
  readonly #intervalMs: number
  readonly #timeoutMs: number
  readonly #maxRecords: number
  #timer?: NodeJS.Timeout
  #running = false

  constructor (libp2p: MeshLibp2p, holder: RecordHolder, logger: Logger, init: SyncInit = {}) {
    this.#libp2p = libp2p
    this.#holder = holder
    this.#log = logger.child({ module: 'sync' })
    this.#intervalMs = init.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS
    this.#timeoutMs = init.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS
    this.#maxRecords = init.maxRecordsPerFrame ?? DEFAULT_MAX_RECORDS_PER_FRAME
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    await this.#libp2p.handle(SYNC_PROTOCOL, (stream, connection) => this.#answer(stream, connection), { maxInboundStreams: 4, maxOutboundStreams: 4 })
    this.#timer = setInterval(() => { void this.#syncWithRandomPeer() }, this.#intervalMs)
    this.#timer.unref()
  }

  async stop (): Promise<void> {
    if (!this.#running) return
    this.#running = false
    clearInterval(this.#timer)
    await this.#libp2p.unhandle(SYNC_PROTOCOL)
  }

  /** One round with a peer: compare fingerprints, then swap what each side lacks. Returns how many records we stored. */
  async syncWith (peer: PeerId, signal: AbortSignal = AbortSignal.timeout(this.#timeoutMs)): Promise<number> {
    const stream = await this.#libp2p.dialProtocol(peer, SYNC_PROTOCOL, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_SYNC_FRAME_BYTES })
      const mine = await this.#holder.digest()
      await lp.write(encodeSyncHello({ fingerprint: digestFingerprint(mine) }), { signal })
      const theirs = decodeSyncDigest((await lp.read({ signal })).subarray())
      let stored = 0
      if (!theirs.same) {
        const { give, want } = compare(mine, theirs.status)
        await lp.write(encodeSyncOffer({ records: await this.#encodedRecords(give), want: want.slice(0, this.#maxRecords) }), { signal })
        stored = await this.#store(decodeSyncReply((await lp.read({ signal })).subarray()).records, peer)
      }
      await stream.close({ signal })
      this.#log.debug({ peer: peer.toString(), same: theirs.same, stored }, 'sync round done')
      return stored
    } catch (err) {
      stream.abort(err as Error)
      this.#log.debug({ err, peer: peer.toString() }, 'sync round failed')
      throw err
    }
  }

  async #answer (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.#timeoutMs)
    const peer = connection.remotePeer
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_SYNC_FRAME_BYTES })
      const hello = decodeSyncHello((await lp.read({ signal })).subarray())
      const mine = await this.#holder.digest()
      const same = hello.fingerprint === digestFingerprint(mine)
      await lp.write(encodeSyncDigest({ same, status: same ? [] : mine }), { signal })
      if (!same) {
        const offer = decodeSyncOffer((await lp.read({ signal })).subarray())
        await this.#store(offer.records, peer)
        await lp.write(encodeSyncReply({ records: await this.#encodedRecords(offer.want) }), { signal })
      }
      await stream.close({ signal })
    } catch (err) {
      this.#log.debug({ err, peer: peer.toString() }, 'answering sync failed')
      stream.abort(err as Error)
    }
  }

  async #encodedRecords (nodes: string[]): Promise<Uint8Array[]> {
    const records: Uint8Array[] = []
    for (const node of nodes.slice(0, this.#maxRecords)) {
      const bytes = await this.#holder.encoded(node)
      if (bytes != null) records.push(bytes)
    }
    return records
  }

  async #store (records: Uint8Array[], from: PeerId): Promise<number> {
    let stored = 0
    for (const bytes of records.slice(0, this.#maxRecords)) {
      if (await this.#holder.receive(bytes, from)) stored++
    }
    return stored
  }

  async #syncWithRandomPeer (): Promise<void> {
    const peers = this.#libp2p.getPeers()
    const peer = peers[Math.floor(Math.random() * peers.length)]
    if (peer == null) return
    await this.syncWith(peer).catch(() => {})
  }
}

/** What to give (nodes whose record we hold newer or they lack) and what to want (the reverse). */
function compare (mine: Array<[string, number]>, theirs: Array<[string, number]>): { give: string[], want: string[] } {
  const ours = new Map(mine)
  const other = new Map(theirs)
  return {
    give: mine.filter(([node, seq]) => (other.get(node) ?? -1) < seq).map(([node]) => node),
    want: theirs.filter(([node, seq]) => (ours.get(node) ?? -1) < seq).map(([node]) => node)
  }
}

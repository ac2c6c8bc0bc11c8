import { fullHaveMap } from '../../protocol/have-map.ts'
import { asksFirstChunkAlong, chunkRarity, pickChunk, wanPlan } from './chunk-picker.ts'
import { RendezvousShares } from './rendezvous.ts'
import { DEFAULT_DIAL_GRACE_MS, rankHolders } from './holder-ranking.ts'
import { HolderSessions } from './holder-sessions.ts'
import { randomSample } from '../random.ts'
import { Wakeup } from '../wakeup.ts'
import { DownloadWord } from './download-word.ts'
import { BlobError } from './errors.ts'
import { TokenBucket } from './token-bucket.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { BlobAnswer, BlobRequest } from '../../protocol/blob-messages.ts'
import type { Logger } from '../log.ts'
import type { BlobHolders, Holder } from './blob-holders.ts'
import type { OpenBlobStream } from './blob-peer.ts'

/** @default 4 requests in flight per peer: enough to fill a long link's window, few enough to fail over fast. */
export const DEFAULT_REQUESTS_PER_PEER = 4
/** @default 8 peers at once for one blob. */
export const DEFAULT_PEERS_PER_BLOB = 8
/** @default 15 s: a site-mate that makes no progress for this long loses its share of the WAN work. */
export const DEFAULT_LAN_WAIT_MS = 15_000
/** @default 0.5 s before the first fetch across the WAN (site-mates announce at once, and a LAN answers in milliseconds): time to hear which site-mates want the blob too. */
export const DEFAULT_WAN_SETTLE_MS = 500
/** At most one scheduling round per this many ms: answers and advertisements arrive in bursts. */
const MIN_ROUND_MS = 20
/** How often the scheduler looks again when nothing happened (a holder's advertisement may be late). */
const IDLE_TICK_MS = 250

/** The store operations a download needs. */
export interface DownloadStore {
  /** Verifies the chunk index against its id and prepares the partial blob; a no-op when already begun. */
  begin: (blobId: BlobId, encodedIndex: Uint8Array, indexId: string) => Promise<void>
  /** The blob's chunk count once its index is held, else undefined. */
  chunkCount: (blobId: BlobId) => Promise<number | undefined>
  missingChunks: (blobId: BlobId) => Promise<number[]>
  /** Verifies, then stores; throws BlobError ERR_CHUNK_CORRUPT for bytes that do not match the index. */
  writeChunk: (blobId: BlobId, n: number, bytes: Uint8Array) => Promise<void>
  /** Checks the whole blob and moves it into place. */
  finish: (blobId: BlobId) => Promise<void>
}

export interface DownloadComponents {
  store: DownloadStore
  holders: BlobHolders
  open: OpenBlobStream
  self: { id: string, site: string }
  /** Tells the mesh what this node now holds (coalesced by the caller); `urgent` when the download heard nothing for a while. */
  advertise: (blobId: BlobId, urgent?: boolean) => void
  /** A peer served bytes that failed verification. */
  penalise: (peer: string, reason: string) => void
  /** True for peers left out of every download for a while (they served corrupt data before). */
  penalised: (peer: string) => boolean
  /** True for peers this node holds a connection to (asking them needs no new handshake). @default every peer */
  connected?: (peer: string) => boolean
  /** Shared download and WAN budgets of the node. */
  download: TokenBucket
  wan: TokenBucket
  logger: Logger
}

export interface DownloadOptions {
  blobId: BlobId
  /** The blob's sha2-256 digest, as requests carry it. */
  digest: Uint8Array
  indexId: string
  signal: AbortSignal
  onProgress?: (progress: DownloadProgress) => void
  /** @default DEFAULT_REQUESTS_PER_PEER */
  requestsPerPeer?: number
  /** @default DEFAULT_PEERS_PER_BLOB */
  peersPerBlob?: number
  /** @default DEFAULT_LAN_WAIT_MS */
  lanWaitMs?: number
  /** @default DEFAULT_WAN_SETTLE_MS */
  wanSettleMs?: number
  /** @default DEFAULT_DIAL_GRACE_MS */
  dialGraceMs?: number
  /** @default DEFAULT_READVERTISE_IDLE_MS (download-word.ts) */
  readvertiseIdleMs?: number
  /**
   * A peer said to hold the whole blob, with its site: asked for the chunk index before anyone else.
   * While it serves, the download says nothing to the mesh, neither that it wants the blob nor that it
   * completed it: holders answer whoever asks later. The word goes out once the hint fails or stalls.
   */
  hint?: { peer: string, site: string }
  /** The blob's size as a signed announcement or manifest names it: a small one's first chunk goes with the index request (asksFirstChunkAlong). */
  size?: number
}

/** Where a download's bytes came from. */
export interface DownloadProgress {
  blobId: BlobId
  chunksHeld: number
  chunkCount: number
  bytesSameSite: number
  bytesOtherSites: number
  /** Chunks refused because they failed verification. */
  corruptChunks: number
}

/** Fetches one blob chunk by chunk from the peers that advertise it, until it is complete and verified. */
export class BlobDownload {
  readonly #c: DownloadComponents
  readonly #o: DownloadOptions
  readonly #log: Logger
  readonly #sessions: HolderSessions
  readonly #inFlight = new Map<number, Set<string>>()
  readonly #missing = new Set<number>()
  readonly #tieOrders = new Map<string, number>()
  #chunkCount = 0
  #startedAt = 0
  #sourceSince?: number
  readonly #shares = new RendezvousShares()
  readonly #word: DownloadWord
  /** Answers and advertisements wake the scheduling loop. */
  readonly #news = new Wakeup()
  /** True once the missing chunks are known; false when the download ended before that. */
  readonly #begun = Promise.withResolvers<boolean>()
  readonly progress: DownloadProgress

  constructor (components: DownloadComponents, options: DownloadOptions) {
    this.#c = components
    this.#o = options
    this.#log = components.logger.child({ module: 'blob-download', blob: options.blobId })
    this.#sessions = new HolderSessions(components.open)
    this.#word = new DownloadWord({ advertise: urgent => { components.advertise(options.blobId, urgent) }, hint: options.hint?.peer, sessions: this.#sessions, readvertiseIdleMs: options.readvertiseIdleMs })
    this.progress = { blobId: options.blobId, chunksHeld: 0, chunkCount: 0, bytesSameSite: 0, bytesOtherSites: 0, corruptChunks: 0 }
  }

  /** Runs until the blob is complete and verified; rejects when the signal aborts. */
  async run (): Promise<DownloadProgress> {
    const { blobId, signal } = this.#o
    const unsubscribe = this.#c.holders.onChange(id => { if (id === blobId) this.#news.ring() })
    this.#startedAt = Date.now()
    try {
      this.#word.say()
      await this.#ensureIndex()
      // In random order: the picker breaks rarity ties by this order, so peers that start together fetch different chunks and feed each other.
      const missing = await this.#c.store.missingChunks(blobId)
      for (const n of randomSample(missing, missing.length)) this.#missing.add(n)
      this.#begun.resolve(true)
      this.progress.chunksHeld = this.#chunkCount - this.#missing.size
      this.#report()
      while (this.#missing.size > 0) {
        signal.throwIfAborted()
        const roundAt = Date.now()
        this.#schedule()
        // Idle and knowing no holder: say again to the whole mesh that we want it. Idle while waiting
        // for a site-mate's LAN copy needs no such word (a site full of waiting nodes would flood the mesh).
        if (this.#inFlight.size === 0 && this.#word.idle()) this.#word.speakUp(this.#usable().length === 0)
        await this.#news.wait(IDLE_TICK_MS, this.#o.signal)
        const early = MIN_ROUND_MS - (Date.now() - roundAt)
        if (early > 0) await new Promise(resolve => setTimeout(resolve, early))
      }
      await this.#c.store.finish(blobId)
      this.#word.say()
      this.#log.info({ sameSite: this.progress.bytesSameSite, otherSites: this.progress.bytesOtherSites, corrupt: this.progress.corruptChunks }, 'blob complete')
      return this.progress
    } finally {
      this.#begun.resolve(false)
      unsubscribe()
      this.#sessions.closeAll()
    }
  }

  async #ensureIndex (): Promise<void> {
    const { blobId, signal } = this.#o
    const hint = this.#o.hint
    const hinted = hint != null && await this.#c.store.chunkCount(blobId) == null
      ? await this.#indexFrom(hint.peer, asksFirstChunkAlong(this.#o.size, hint.site, this.#c.self.site) ? hint : undefined)
      : undefined
    // It served the index, or was only busy or slow: it stands as a holder of every chunk, asked again
    // once it cooled down, beside whoever answers the mesh (an answer "not held" corrects that).
    if (hint != null && (hinted === 'ok' || hinted === 'failed')) this.#standHint(hint, await this.#c.store.chunkCount(blobId) ?? 0)
    while (await this.#c.store.chunkCount(blobId) == null) {
      // Only holders that have the index: one that merely wants the blob advertises no chunk count, and may not even be reachable.
      for (const holder of this.#usable().filter(h => h.complete || h.haveMap.byteLength > 0)) {
        if (await this.#indexFrom(holder.peer) === 'ok') break
      }
      if (await this.#c.store.chunkCount(blobId) != null) break
      signal.throwIfAborted()
      // A hint that stayed busy (or silent) this long is no longer waited for alone.
      if (this.#word.idle()) this.#word.speakUp(true)
      await this.#news.wait(IDLE_TICK_MS * 4, this.#o.signal)
    }
    this.#chunkCount = await this.#c.store.chunkCount(blobId) ?? 0
    // A hint that failed stood without a chunk count; now that it is known, its map covers every chunk.
    if (hint != null && hinted === 'failed') this.#standHint(hint, this.#chunkCount)
  }

  #standHint (hint: { peer: string, site: string }, chunkCount: number): void {
    this.#c.holders.advertise(this.#o.blobId, hint.peer, { digest: this.#o.digest, chunkCount, complete: true, wants: false, site: hint.site, haveMap: fullHaveMap(chunkCount) })
  }

  /**
   * Asks one peer for the chunk index and begins the blob with it: 'ok'; 'not-held' when the peer
   * lacks the blob or served an index that did not match; 'failed' when it was busy, stalled or gone,
   * and cools down like a peer that failed a chunk, or every round would wait on it first again.
   */
  async #indexFrom (peer: string, firstChunkFrom?: { peer: string, site: string }): Promise<'ok' | 'not-held' | 'failed'> {
    const { blobId, digest, indexId } = this.#o
    const asked = this.#ask(peer, { kind: 'index', digest, chunk: 0 })
    // Behind the index request on the same stream, so its answer comes right after the index.
    if (firstChunkFrom != null) this.#fetch(firstChunkFrom, 0, { alongWithIndex: true })
    const answer = await asked.catch(err => { this.#failed(peer, err) })
    if (answer == null) return 'failed'
    if (answer.status !== 'ok') {
      this.#log.debug({ peer, status: answer.status, afterMs: Date.now() - this.#startedAt }, 'chunk index not served')
      this.#notServed(peer, answer.status)
      return answer.status === 'not-held' ? 'not-held' : 'failed'
    }
    try {
      await this.#c.store.begin(blobId, answer.payload, indexId)
      this.#log.debug({ peer, afterMs: Date.now() - this.#startedAt, holders: this.#c.holders.of(blobId).length }, 'chunk index received')
      return 'ok'
    } catch (err) {
      this.#drop(peer, `chunk index does not match ${indexId}: ${(err as Error).message}`)
      return 'not-held'
    }
  }

  /** The holders worth asking now, best first (see rankHolders). */
  #usable (): Holder[] {
    const now = Date.now()
    return rankHolders(this.#c.holders.of(this.#o.blobId, now), {
      self: this.#c.self,
      dialAllowed: now - this.#startedAt >= (this.#o.dialGraceMs ?? DEFAULT_DIAL_GRACE_MS),
      connected: this.#c.connected ?? (() => true),
      excluded: peer => this.#sessions.excluded(peer, now) || this.#c.penalised(peer),
      load: peer => this.#sessions.load(peer),
      tieOrder: peer => this.#tieOrder(peer)
    })
  }

  #tieOrder (peer: string): number {
    let order = this.#tieOrders.get(peer)
    if (order === undefined) this.#tieOrders.set(peer, order = Math.random())
    return order
  }

  #schedule (): void {
    const holders = this.#usable()
    if (this.#sourceSince == null && holders.some(h => h.site !== this.#c.self.site)) this.#sourceSince = Date.now()
    const round = {
      self: this.#c.self,
      blobKey: this.#o.blobId,
      missing: this.#missing,
      // Only reachable holders: a site-mate we cannot dial is no LAN source, and its share of the WAN work falls to us.
      holders,
      lanWaitMs: this.#o.lanWaitMs ?? DEFAULT_LAN_WAIT_MS,
      sourceSince: this.#sourceSince ?? Date.now(),
      wanAllowed: Date.now() - this.#startedAt >= (this.#o.wanSettleMs ?? DEFAULT_WAN_SETTLE_MS),
      now: Date.now()
    }
    const state = { ...round, inFlight: this.#inFlight, rarity: chunkRarity(holders, this.#chunkCount), wan: wanPlan(round, this.#chunkCount, this.#shares) }
    const perPeer = this.#o.requestsPerPeer ?? DEFAULT_REQUESTS_PER_PEER
    const maxPeers = this.#o.peersPerBlob ?? DEFAULT_PEERS_PER_BLOB
    for (const holder of holders) {
      if (!this.#sessions.has(holder.peer) && this.#sessions.size >= maxPeers) continue
      while (this.#sessions.load(holder.peer) < perPeer) {
        const chunk = pickChunk(state, holder)
        if (chunk == null) break
        this.#fetch(holder, chunk)
      }
    }
    // An idle stream also holds one of our peersPerBlob for nothing.
    this.#sessions.closeIdle()
  }

  /** A chunk asked `alongWithIndex` waits for the index; its failures are the index request's (a busy holder closes the stream after that answer). */
  #fetch (holder: Pick<Holder, 'peer' | 'site'>, chunk: number, { alongWithIndex = false } = {}): void {
    let askedFrom = this.#inFlight.get(chunk)
    if (askedFrom == null) this.#inFlight.set(chunk, askedFrom = new Set())
    askedFrom.add(holder.peer)
    this.#sessions.requested(holder.peer)
    const sameSite = holder.site === this.#c.self.site
    void this.#ask(holder.peer, { kind: 'chunk', digest: this.#o.digest, chunk })
      .then(async answer => {
        if (alongWithIndex && (answer.status !== 'ok' || !await this.#begun.promise)) return
        await this.#received(holder, chunk, answer, sameSite)
      })
      .catch(err => { if (!alongWithIndex) this.#failed(holder.peer, err) })
      .finally(() => {
        this.#sessions.settled(holder.peer)
        askedFrom.delete(holder.peer)
        if (askedFrom.size === 0) this.#inFlight.delete(chunk)
        this.#news.ring()
      })
  }

  async #received (holder: Pick<Holder, 'peer'>, chunk: number, answer: BlobAnswer, sameSite: boolean): Promise<void> {
    if (answer.status !== 'ok') {
      if (answer.status === 'not-held') this.#c.holders.notHeld(this.#o.blobId, holder.peer, chunk)
      this.#notServed(holder.peer, answer.status)
      return
    }
    const bytes = answer.payload.byteLength
    await this.#c.download.take(bytes, this.#o.signal)
    if (!sameSite) await this.#c.wan.take(bytes, this.#o.signal)
    // In the endgame a second copy may arrive after the first was stored.
    if (!this.#missing.has(chunk)) return
    try {
      await this.#c.store.writeChunk(this.#o.blobId, chunk, answer.payload)
    } catch (err) {
      if (err instanceof BlobError && err.code === 'ERR_CHUNK_CORRUPT') {
        this.progress.corruptChunks++
        this.#drop(holder.peer, `chunk ${chunk} failed verification`)
        return
      }
      throw err
    }
    if (!this.#missing.delete(chunk)) return
    this.progress.chunksHeld++
    if (sameSite) this.progress.bytesSameSite += bytes
    else this.progress.bytesOtherSites += bytes
    this.#word.say()
    this.#report()
  }

  /** A peer answered without serving: a busy one is asked again soon, one that failed cools down, one without the blob is left to the holder map. */
  #notServed (peer: string, status: BlobAnswer['status']): void {
    if (status === 'busy') this.#sessions.busy(peer)
    else if (status !== 'not-held') this.#sessions.cool(peer)
    this.#word.failed(peer)
  }

  async #ask (peer: string, request: BlobRequest): Promise<BlobAnswer> {
    return await this.#sessions.ask(peer, request, this.#o.signal)
  }

  #failed (peer: string, err: unknown): void {
    if (this.#o.signal.aborted) return
    this.#log.debug({ err, peer }, 'chunk request failed; trying other holders')
    this.#sessions.failed(peer)
    this.#word.failed(peer)
  }

  #drop (peer: string, reason: string): void {
    this.#word.failed(peer)
    if (!this.#sessions.drop(peer)) return
    this.#log.warn({ peer, reason }, 'peer dropped for this blob')
    this.#c.penalise(peer, reason)
  }

  #report (): void {
    this.progress.chunkCount = this.#chunkCount
    this.#o.onProgress?.({ ...this.progress })
  }
}
